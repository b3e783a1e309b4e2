"""The result of a round for the public pages, through voting.results, so its
time gate holds everywhere. The pages are nominees' templates; this tag keeps
their Python free of voting (voting imports nominees, never the reverse)."""

from django import template

from nominees.models import Nomination, PrizeRound
from voting import results

register = template.Library()


@register.simple_tag
def round_result(prize_round: PrizeRound, with_report: bool = False) -> results.RoundResult:
    return results.for_round(prize_round, with_report=with_report)


@register.simple_tag
def standing(nomination: Nomination) -> str:
    """ "winner", "finalist" or "", as far as the public may know now."""
    result = results.for_round(nomination.round)
    if result.is_winner(nomination):
        return "winner"
    if result.is_finalist(nomination):
        return "finalist"
    return ""

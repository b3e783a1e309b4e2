"""What ``manage.py vote_status`` reports: how fast votes come in, how the
confirmation e-mails fare, and what was refused. A few cheap queries, nothing
personal: counts only."""

from datetime import UTC, datetime, timedelta

from django.db.models import Count
from django.db.models.functions import TruncHour

from nominees.models import PrizeRound

from .models import Vote

HOUR = timedelta(hours=1)
# The hours votes per hour are shown for, at most.
WINDOW = 24 * HOUR


def voting_window(prize_round: PrizeRound, *, now: datetime) -> tuple[datetime, datetime] | None:
    """The last 24 hours of voting up to now (or up to the close), from the
    start of an hour; None if voting has not opened."""
    opens, closes = prize_round.voting_opens_at, prize_round.voting_closes_at
    if opens is None or opens > now:
        return None
    end = min(now, closes)
    start = max(opens, end - WINDOW)
    return start.replace(minute=0, second=0, microsecond=0), end


def votes_per_hour(prize_round: PrizeRound, *, now: datetime) -> list[tuple[datetime, int]]:
    """(start of the hour, confirmed votes) for each hour of the voting
    window, oldest first, hours without votes included. Norway's offset from
    UTC is whole hours, so hours counted in UTC are its hours too (and the
    hour that repeats when summer time ends stays two hours)."""
    window = voting_window(prize_round, now=now)
    if window is None:
        return []
    start, end = window
    counted = dict(
        Vote.objects.filter(round=prize_round, cast_at__gte=start, cast_at__lte=end)
        .annotate(hour=TruncHour("cast_at", tzinfo=UTC))
        .order_by()
        .values("hour")
        .annotate(votes=Count("pk"))
        .values_list("hour", "votes")
    )
    hours = []
    hour = start.astimezone(UTC)
    while hour <= end:
        hours.append((hour, counted.get(hour, 0)))
        hour += HOUR
    return hours

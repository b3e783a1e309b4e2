"""Invalidating a large selection: staff pick "all N votes" matching a filter
in the vote list, and the selection reaches the database as a subquery, never
as a list of primary keys (SQLite allows 32,766 parameters to a statement,
PostgreSQL 65,535)."""

import sqlite3

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from nominees.models import Phase
from tests.factories import make_nomination, make_round, make_staff, make_votes
from voting.models import Vote

pytestmark = pytest.mark.django_db

MANY = 100_000
REASON = "Kjøpte stemmer, meldt av en kommune."
# SQLite's own default; Debian's build raises it to 250,000, which would hide
# what a standard build does with a list of 100,000 keys.
SQLITE_DEFAULT_VARIABLE_LIMIT = 32_766


class ParameterCount:
    """A database execute wrapper: the most parameters a statement was sent with."""

    def __init__(self) -> None:
        self.most = 0

    def __call__(self, execute, sql, params, many, context):
        if params and not many:
            self.most = max(self.most, len(params))
        return execute(sql, params, many, context)


@pytest.fixture(autouse=True)
def sqlite_as_built_by_default():
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    before = raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_DEFAULT_VARIABLE_LIMIT)
    yield
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


def test_invalidating_100000_votes_selected_across_all_pages_changes_and_logs_each_once(client):
    prize_round = make_round(phase=Phase.VOTING_OPEN)
    bought = make_nomination(prize_round=prize_round, name="Asker")
    honest = make_nomination(prize_round=prize_round, name="Bodø")
    make_votes(nomination=bought, count=MANY)
    make_votes(nomination=honest, count=10)
    staff = make_staff(username="staff", group="IMDi-ansatte")
    client.force_login(staff)
    one_shown = Vote.objects.filter(nomination=bought).first()

    # The confirmation page posts the filters in its URL, "across all pages",
    # and the votes it showed (at most 500).
    with connection.execute_wrapper(parameters_per_statement := ParameterCount()):
        response = client.post(
            reverse("admin:voting_vote_changelist")
            + f"?nomination__municipality__id__exact={bought.municipality_id}",
            {
                "action": "invalidate",
                "select_across": "1",
                "_selected_action": [one_shown.pk],
                "reason": REASON,
            },
        )

    assert response.status_code == 302
    assert parameters_per_statement.most < 1000
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{MANY} stemmer er ugyldiggjort."
    ]
    invalidated = Vote.objects.filter(status=Vote.Status.INVALIDATED)
    assert invalidated.count() == MANY
    assert (
        invalidated.filter(
            nomination=bought, invalidated_reason=REASON, invalidated_by=staff
        ).count()
        == MANY
    )
    assert Vote.objects.filter(nomination=honest).valid().count() == 10
    per_vote = LogEntry.objects.filter(user=staff, content_type__model="vote")
    assert per_vote.count() == MANY
    assert per_vote.values("object_id").distinct().count() == MANY
    assert list(per_vote.order_by().values_list("change_message", "action_flag").distinct()) == [
        (f"Ugyldiggjort. Grunn: {REASON}", CHANGE)
    ]
    shown_entry = per_vote.get(object_id=str(one_shown.pk))
    assert shown_entry.object_repr == one_shown.receipt
    assert shown_entry.get_edited_object() == one_shown
    [on_round] = LogEntry.objects.filter(user=staff, content_type__model="roundresult")
    assert on_round.object_id == str(prize_round.pk)
    assert on_round.change_message == f"Stemmer ugyldiggjort: {MANY}. Grunn: {REASON}"

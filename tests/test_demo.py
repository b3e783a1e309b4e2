import logging
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.test import Client

from nominees.models import KeyFigure, Municipality, Nomination, Phase, PrizeRound
from voting import services
from voting.models import JuryDecision, Vote

pytestmark = pytest.mark.django_db

DEMO_MODELS = [Municipality, PrizeRound, Nomination, KeyFigure, JuryDecision, Vote]


def snapshot() -> str:
    return "".join(
        serializers.serialize("json", model.objects.order_by("pk")) for model in DEMO_MODELS
    )


def test_load_demo_creates_the_rounds_from_the_seeds():
    call_command("load_demo", stdout=StringIO())

    years = set(PrizeRound.objects.values_list("year", flat=True))
    assert {2008, 2009, 2010, 2011, 2012, 2013, 2014, 2015, 2016, 2018, 2020} <= years
    assert sorted(
        PrizeRound.objects.get(year=2018).nominations.values_list("municipality__name", flat=True)
    ) == ["Asker", "Bærum", "Lørenskog", "Stange", "Steinkjer", "Tromsø"]
    assert sorted(
        PrizeRound.objects.get(year=2020).nominations.values_list("municipality__name", flat=True)
    ) == ["Asker", "Gjøvik", "Randaberg", "Sunndal", "Tromsø", "Voss"]
    assert JuryDecision.objects.get(round__year=2018).winner.municipality.name == "Bærum"
    assert JuryDecision.objects.get(round__year=2008).winner.municipality.name == "Vadsø"
    assert JuryDecision.objects.get(round__year=2016).winner.municipality.name == "Trondheim"
    assert PrizeRound.objects.get(year=2016).phase() == Phase.WINNER_ANNOUNCED
    assert KeyFigure.objects.filter(nomination__municipality__name="Asker").exists()


def test_load_demo_opens_a_round_with_the_2020_nominees_for_voting_now():
    call_command("load_demo", stdout=StringIO())

    current = PrizeRound.objects.current()
    assert current.voting_is_open()
    assert sorted(current.nominations.values_list("municipality__name", flat=True)) == [
        "Asker",
        "Gjøvik",
        "Randaberg",
        "Sunndal",
        "Tromsø",
        "Voss",
    ]
    front = Client().get("/nb/")
    assert "Avstemningen er åpen til" in front.text
    assert "Stem på Gjøvik" in front.text


def test_load_demo_prints_its_counts_and_the_audit_lines_only_when_asked(caplog):
    caplog.set_level(logging.INFO, logger="voting.audit")
    quiet = StringIO()
    call_command("load_demo", stdout=quiet)
    quiet_records = [r for r in caplog.records if r.name == "voting.audit"]
    JuryDecision.objects.all().delete()
    caplog.clear()

    call_command("load_demo", stdout=StringIO(), verbosity=2)
    shown = [r.getMessage() for r in caplog.records if r.name == "voting.audit"]

    assert quiet_records == []
    assert "Decisions: 10 created, 0 already present." in quiet.getvalue()
    assert len(shown) == JuryDecision.objects.count() == 10
    assert all(re.fullmatch(r"Vinner: .+ by nobody on JuryDecision \d+", m) for m in shown)
    assert logging.getLogger("voting.audit").level == logging.INFO  # caplog's level, put back


def test_load_demo_twice_changes_nothing():
    call_command("load_demo", stdout=StringIO())
    before = snapshot()

    call_command("load_demo", stdout=StringIO())

    assert snapshot() == before


def test_local_admin_is_created_once_and_its_password_printed_once():
    first, second = StringIO(), StringIO()

    call_command("create_local_admin", stdout=first)
    call_command("create_local_admin", stdout=second)

    password = first.getvalue().split("password: ")[1].split()[0]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(password)
    assert password not in second.getvalue()
    assert get_user_model().objects.count() == 1


def test_local_admin_prints_the_admin_address_on_the_public_base_url(settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8001"
    first, second = StringIO(), StringIO()

    call_command("create_local_admin", stdout=first)
    call_command("create_local_admin", stdout=second)

    assert "http://127.0.0.1:8001/admin/  user: admin" in first.getvalue()
    assert "http://127.0.0.1:8001/admin/" in second.getvalue()
    assert ":8000" not in first.getvalue() + second.getvalue()


def test_load_demo_has_a_closed_round_a_newcomer_can_count_and_decide():
    call_command("load_demo", stdout=StringIO())
    closed = PrizeRound.objects.get(title__contains="avsluttet")

    assert closed.phase() == Phase.VOTING_CLOSED
    tally = services.count_votes(prize_round=closed)
    finalists = tally.entries.filter(finalist=True)
    assert tally.valid_votes == Vote.objects.filter(round=closed).count() > 0
    assert finalists.count() == 3
    decision = services.record_winner(
        prize_round=closed, winner=finalists.first().nomination, justification="Demo."
    )
    assert decision.round == closed

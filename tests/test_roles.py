"""The roles (voting/roles.py): what each group's members can open in the
admin, and sync_roles, which the migration and `manage.py sync_roles` run to
make the groups what the roles declare."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from tests.factories import make_staff
from voting.roles import JURY, STAFF, Role, UnknownPermission, sync_roles

pytestmark = pytest.mark.django_db


def sync() -> str:
    out = io.StringIO()
    call_command("sync_roles", stdout=out)
    return out.getvalue()


def test_after_the_migrations_the_groups_are_what_the_roles_declare():
    assert sync() == "The roles already match voting/roles.py.\n"


@pytest.mark.parametrize(
    ("group", "page", "status"),
    [
        # Staff manage municipalities, rounds and nominations; the jury reads them.
        ("IMDi-ansatte", "admin:nominees_municipality_add", 200),
        ("IMDi-ansatte", "admin:nominees_prizeround_add", 200),
        ("IMDi-ansatte", "admin:nominees_nomination_add", 200),
        ("Jury", "admin:nominees_prizeround_changelist", 200),
        ("Jury", "admin:nominees_nomination_changelist", 200),
        ("Jury", "admin:nominees_prizeround_add", 403),
        ("Jury", "admin:nominees_municipality_add", 403),
        # Staff review votes and watch the mail queue; the jury sees neither.
        ("IMDi-ansatte", "admin:voting_vote_changelist", 200),
        ("Jury", "admin:voting_vote_changelist", 403),
        ("IMDi-ansatte", "admin:django_tasks_database_dbtaskresult_changelist", 200),
        ("Jury", "admin:django_tasks_database_dbtaskresult_changelist", 403),
        # Both read tallies and tie resolutions; only staff resolve a tie.
        ("Jury", "admin:voting_tally_changelist", 200),
        ("Jury", "admin:voting_tieresolution_changelist", 200),
        ("Jury", "admin:voting_tieresolution_add", 403),
        ("IMDi-ansatte", "admin:voting_tieresolution_add", 200),
        # Only the jury records the winner; staff read the decision.
        ("Jury", "admin:voting_jurydecision_add", 200),
        ("IMDi-ansatte", "admin:voting_jurydecision_add", 403),
        ("IMDi-ansatte", "admin:voting_jurydecision_changelist", 200),
    ],
)
def test_each_role_opens_the_admin_pages_of_its_work_and_no_others(client, group, page, status):
    client.force_login(make_staff(username="member", group=group))

    assert client.get(reverse(page)).status_code == status


def test_sync_roles_takes_away_a_permission_given_to_a_role_by_hand(client):
    Group.objects.get(name=JURY.name).permissions.add(Permission.objects.get(codename="view_vote"))
    client.force_login(make_staff(username="juror", group=JURY.name))
    assert client.get(reverse("admin:voting_vote_changelist")).status_code == 200

    assert sync() == "Jury: removed voting.view_vote\n"

    assert client.get(reverse("admin:voting_vote_changelist")).status_code == 403


def test_sync_roles_gives_back_a_permission_taken_from_a_role_and_then_changes_nothing(client):
    staff = Group.objects.get(name=STAFF.name)
    staff.permissions.remove(Permission.objects.get(codename="view_dbtaskresult"))
    client.force_login(make_staff(username="staff", group=STAFF.name))
    queue = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    assert client.get(queue).status_code == 403

    first, second = sync(), sync()

    assert first == "IMDi-ansatte: added django_tasks_database.view_dbtaskresult\n"
    assert second == "The roles already match voting/roles.py.\n"
    assert client.get(queue).status_code == 200


def test_sync_roles_renames_a_group_under_its_former_name_and_keeps_its_members(
    django_user_model,
):
    staff = Group.objects.get(name=STAFF.name)
    member = make_staff(username="kari", group=STAFF.name)
    staff.name = "IMDi staff"
    staff.save()

    assert sync() == "IMDi-ansatte: renamed from IMDi staff\n"

    assert Group.objects.get(name=STAFF.name).pk == staff.pk
    assert not Group.objects.filter(name="IMDi staff").exists()
    assert django_user_model.objects.get(pk=member.pk).has_perm("voting.count_votes")


def test_sync_roles_creates_a_missing_group_with_its_permissions(client):
    Group.objects.filter(name=JURY.name).delete()

    assert sync().splitlines()[0] == "Jury: created"

    client.force_login(make_staff(username="juror", group=JURY.name))
    assert client.get(reverse("admin:voting_jurydecision_add")).status_code == 200
    assert client.get(reverse("admin:voting_vote_changelist")).status_code == 403


def test_sync_roles_refuses_a_permission_that_does_not_exist_and_changes_nothing():
    roles = (
        Role(name="Revisorer", permissions=("voting.view_tally",)),
        Role(name=JURY.name, permissions=("voting.view_jurydecision", "voting.choose_winner")),
    )

    with pytest.raises(UnknownPermission, match=r"Jury: no permission voting\.choose_winner"):
        sync_roles(roles=roles)

    assert not Group.objects.filter(name="Revisorer").exists()
    assert sync() == "The roles already match voting/roles.py.\n"


def test_a_migration_leaves_a_permission_its_models_do_not_have_yet_to_a_later_sync():
    # voting.0014 runs with the models of its time; a permission of a model
    # a later migration adds is not there yet.
    roles = (Role(name=JURY.name, permissions=("voting.view_jurydecision", "voting.view_later")),)

    changes = sync_roles(roles=roles, skip_unknown=True)

    jury = Group.objects.get(name=JURY.name)
    assert [p.codename for p in jury.permissions.all()] == ["view_jurydecision"]
    assert changes[0].startswith("Jury: removed ")

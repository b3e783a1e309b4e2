"""The two roles of DESIGN.md, declared once: each group's name and exactly
its permissions ("app_label.codename").

``sync_roles`` makes the database say what this module says. The migration
voting.0014 runs it, and so does ``manage.py sync_roles``: after a change
here, run the command, or add a migration that runs ``sync_roles`` again so
that every database gets it with its next ``migrate``. A permission given to
a role's group by hand in the admin is taken away again by the next sync."""

from dataclasses import dataclass

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import transaction


@dataclass(frozen=True)
class Role:
    name: str
    permissions: tuple[str, ...]
    # Names the group had before: a rename keeps its members.
    formerly: tuple[str, ...] = ()


STAFF = Role(
    name="IMDi-ansatte",
    formerly=("IMDi staff",),
    permissions=(
        # Municipalities, rounds and nominations.
        *(
            f"nominees.{action}_{model}"
            for model in ("municipality", "prizeround", "nomination", "keyfigure")
            for action in ("add", "change", "delete", "view")
        ),
        # Review and invalidate votes, count, resolve ties, export, read the rest.
        "voting.view_vote",
        "voting.invalidate_vote",
        "voting.view_tally",
        "voting.count_votes",
        "voting.export_tally",
        "voting.add_tieresolution",
        "voting.view_tieresolution",
        "voting.view_integritycounts",
        "voting.view_jurydecision",
        # The mail queue, failed sends included, and sending given-up e-mails again.
        "django_tasks_database.view_dbtaskresult",
        "voting.retry_confirmation_email",
        # The address ranges many voters share, whose per-IP limits are higher.
        *(f"voting.{action}_sharednetwork" for action in ("add", "change", "delete", "view")),
    ),
)

JURY = Role(
    name="Jury",
    permissions=(
        "nominees.view_prizeround",
        "nominees.view_nomination",
        "nominees.view_municipality",
        "voting.view_tally",
        # The jury decides who the finalists are, so it sees how a tie was resolved.
        "voting.view_tieresolution",
        "voting.view_jurydecision",
        "voting.add_jurydecision",
        "voting.change_jurydecision",
    ),
)

# No role holds voting.correct_result: it is given to a named person only,
# while it is needed (voting.services.changes).
ROLES = (STAFF, JURY)


class UnknownPermission(LookupError):
    pass


def sync_roles(
    apps: Apps = global_apps, *, roles: tuple[Role, ...] = ROLES, skip_unknown: bool = False
) -> list[str]:
    """Give each role's group exactly its declared permissions: create the
    group, or rename it from a former name, then add and remove permissions
    until they match. Returns what it changed, a line each; nothing when the
    database already matches. Raises UnknownPermission, having changed
    nothing, for a declared permission that does not exist.

    ``apps`` is a migration's registry when a migration runs it. That
    registry may predate a declared permission's model: ``skip_unknown``
    leaves such a permission to a later sync."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_labels = {code.split(".")[0] for role in roles for code in role.permissions}
    changes = []
    with transaction.atomic():
        create_missing_permissions(apps, app_labels)
        existing = by_code(Permission.objects.filter(content_type__app_label__in=app_labels))
        for role in roles:
            unknown = [code for code in role.permissions if code not in existing]
            if unknown and not skip_unknown:
                raise UnknownPermission(f"{role.name}: no permission {', '.join(unknown)}.")
            group, found_by = group_of(Group, role)
            if found_by:
                changes.append(found_by)
            wanted = {code: existing[code] for code in role.permissions if code in existing}
            held = by_code(group.permissions.all())
            if added := sorted(wanted.keys() - held.keys()):
                group.permissions.add(*(wanted[code] for code in added))
                changes.append(f"{role.name}: added {', '.join(added)}")
            if removed := sorted(held.keys() - wanted.keys()):
                group.permissions.remove(*(held[code] for code in removed))
                changes.append(f"{role.name}: removed {', '.join(removed)}")
    return changes


def create_missing_permissions(apps: Apps, app_labels: set[str]) -> None:
    """Django creates permissions after all migrations have run; a migration
    that gives them to groups needs them now. create_permissions skips an app
    without a models module, which no app of a migration's registry has."""
    for label in app_labels:
        app_config = apps.get_app_config(label)
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module


def by_code(permissions) -> dict:
    return {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in permissions.select_related("content_type")
    }


def group_of(Group, role: Role):
    """The role's group, and how it was found: "" if under its name."""
    group = Group.objects.filter(name=role.name).first()
    if group is not None:
        return group, ""
    group = Group.objects.filter(name__in=role.formerly).first()
    if group is None:
        return Group.objects.create(name=role.name), f"{role.name}: created"
    former, group.name = group.name, role.name
    group.save(update_fields=["name"])
    return group, f"{role.name}: renamed from {former}"

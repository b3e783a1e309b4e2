"""The two roles of the design, as groups with exactly their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "IMDi staff": [
        # Municipalities, rounds and nominations.
        *(
            f"nominees.{action}_{model}"
            for model in ("municipality", "prizeround", "nomination", "keyfigure")
            for action in ("add", "change", "delete", "view")
        ),
        # Review and invalidate votes, count, read tallies and decisions.
        "voting.view_vote",
        "voting.invalidate_vote",
        "voting.view_tally",
        "voting.count_votes",
        "voting.view_jurydecision",
    ],
    "Jury": [
        "nominees.view_prizeround",
        "nominees.view_nomination",
        "nominees.view_municipality",
        "voting.view_tally",
        "voting.view_jurydecision",
        "voting.add_jurydecision",
        "voting.change_jurydecision",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in (code.split(".") for code in codes)
        ]
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0001_initial"),
        ("nominees", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

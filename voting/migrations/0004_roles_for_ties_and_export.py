"""Give the roles the permissions of the models 0003 added: staff resolve ties,
export tallies and read the integrity counters; the jury reads tie resolutions,
because they decide who the finalists are."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADDED = {
    "IMDi staff": [
        "export_tally",
        "add_tieresolution",
        "view_tieresolution",
        "view_integritycounts",
    ],
    "Jury": ["view_tieresolution"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("voting")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ADDED.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="voting", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ADDED.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="voting", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [("voting", "0003_tie_resolution_integrity_export")]

    operations = [migrations.RunPython(grant, revoke)]

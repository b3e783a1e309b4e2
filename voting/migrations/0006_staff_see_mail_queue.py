"""Staff see the mail queue in the admin, failed sends included (none is
lost unseen). The jury does not."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSION = ("django_tasks_database", "view_dbtaskresult")


def grant(apps, schema_editor):
    app_config = apps.get_app_config(PERMISSION[0])
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="IMDi staff")
    group.permissions.add(
        Permission.objects.get(content_type__app_label=PERMISSION[0], codename=PERMISSION[1])
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="IMDi staff"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label=PERMISSION[0], codename=PERMISSION[1]
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0005_purgeable_voter_key"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

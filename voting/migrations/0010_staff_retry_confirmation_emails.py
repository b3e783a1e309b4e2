"""Staff see how many confirmation e-mails wait, fail and were given up, and
send the given-up ones again (voting.mail). The jury does not."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAME = "retry_confirmation_email"


def grant(apps, schema_editor):
    app_config = apps.get_app_config("voting")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="IMDi staff")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="voting", codename=CODENAME)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="IMDi staff"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="voting", codename=CODENAME)
        )


class Migration(migrations.Migration):
    dependencies = [("voting", "0009_given_up_email")]

    operations = [migrations.RunPython(grant, revoke)]

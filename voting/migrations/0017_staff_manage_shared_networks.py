"""IMDi staff add, change and delete shared networks (voting/roles.py)."""

from django.db import migrations

from voting.roles import sync_roles


def forwards(apps, schema_editor):
    # This migration's model state may lack a model a later migration adds.
    sync_roles(apps, skip_unknown=True)


class Migration(migrations.Migration):
    dependencies = [("voting", "0016_shared_networks")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

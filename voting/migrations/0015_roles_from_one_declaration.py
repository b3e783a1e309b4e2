"""The groups as voting/roles.py declares them. 0002-0013 built them step by
step and stay as they ran; from here on a change of roles is made in
voting/roles.py, and a later migration that runs sync_roles again brings it
to every database. Going back leaves the groups as they are: they are what
0013 left."""

from django.db import migrations

from voting.roles import sync_roles


def forwards(apps, schema_editor):
    # This migration's model state may lack a model a later migration adds.
    sync_roles(apps, skip_unknown=True)


class Migration(migrations.Migration):
    dependencies = [("voting", "0014_round_result")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

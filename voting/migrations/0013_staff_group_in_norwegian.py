"""The staff group gets its Norwegian name, as the admin shows it: "IMDi staff"
becomes "IMDi-ansatte", with its members and permissions ("Jury" reads the
same in Norwegian). Later migrations that grant staff a permission look the
group up by its new name."""

from django.db import migrations

OLD, NEW = "IMDi staff", "IMDi-ansatte"


def rename(apps, old: str, new: str) -> None:
    Group = apps.get_model("auth", "Group")
    if not Group.objects.filter(name=new).exists():
        Group.objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor):
    rename(apps, OLD, NEW)


def backwards(apps, schema_editor):
    rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("voting", "0012_votes_loaded_by_the_demo")]

    operations = [migrations.RunPython(forwards, backwards)]

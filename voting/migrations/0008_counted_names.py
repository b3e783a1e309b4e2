"""A tally keeps each municipality's name and number as counted, so renaming or
re-pointing a row later cannot rewrite it; and the permission of the one path
that may change what the vote has fixed (voting.services.changes).

Tallies counted before this migration get the names their nominations have
now: the best record there is of what they counted."""

from django.db import migrations, models


def fill_counted_names(apps, schema_editor):
    TallyEntry = apps.get_model("voting", "TallyEntry")
    entries = TallyEntry.objects.select_related("nomination__municipality")
    for entry in entries.iterator(chunk_size=1000):
        entry.municipality_name = entry.nomination.municipality.name
        entry.municipality_number = entry.nomination.municipality.number
        entry.save(update_fields=["municipality_name", "municipality_number"])


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0007_votes_confirmed_from_rows"),
        ("nominees", "0002_translated_texts"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="tally",
            options={
                "ordering": ["-counted_at", "-pk"],
                "permissions": [
                    ("count_votes", "Kan telle opp stemmer"),
                    ("export_tally", "Kan eksportere opptellinger som CSV"),
                    ("correct_result", "Kan rette et låst resultat, med en begrunnelse"),
                ],
                "verbose_name": "opptelling",
                "verbose_name_plural": "opptellinger",
            },
        ),
        migrations.AddField(
            model_name="tallyentry",
            name="municipality_name",
            field=models.CharField(default="", max_length=100, verbose_name="kommune"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="tallyentry",
            name="municipality_number",
            field=models.CharField(default="", max_length=4, verbose_name="kommunenummer"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_counted_names, migrations.RunPython.noop),
    ]

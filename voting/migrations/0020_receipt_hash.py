"""Each vote keeps its receipt's hash (as the ballot box publishes it) from
the moment it is cast; the votes cast before are given theirs here."""

from django.db import migrations, models
from django.db.models import CharField, Func, Value
from django.db.models.functions import Concat


class SHA256Hex(Func):
    """SHA-256 of a text's UTF-8, in lower-case hex. SQLite runs Django's own
    SHA256 (a Python function it registers); PostgreSQL its built-in sha256,
    which Django's SHA256 leaves for the pgcrypto extension's digest()."""

    function = "SHA256"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def hash_receipts(apps, schema_editor):
    PrizeRound = apps.get_model("nominees", "PrizeRound")
    Vote = apps.get_model("voting", "Vote")
    using = schema_editor.connection.alias
    for pk, year in PrizeRound.objects.using(using).values_list("pk", "year"):
        Vote.objects.using(using).filter(round_id=pk).update(
            receipt_hash=SHA256Hex(Concat(Value(f"prize-vote {year} "), "receipt"))
        )


class Migration(migrations.Migration):

    dependencies = [
        ("nominees", "0005_shuffle_nominees"),
        ("voting", "0019_ballot_box"),
    ]

    operations = [
        migrations.AddField(
            model_name="vote",
            name="receipt_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="kvitteringens hash"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(hash_receipts, migrations.RunPython.noop),
    ]

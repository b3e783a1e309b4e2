"""The gettext catalogues are complete, compiled and in step with the code.

README "Languages" says how to fix a failure here: makemessages, translate,
compilemessages, commit the .po and .mo files."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES]
# What `makemessages` reads: the apps, the templates and config (admin strings).
SOURCES = ["manage.py", "config", "demo", "nominees", "voting", "website", "templates"]
# Long sentences spelt the same in both written standards.
SAME_IN_NYNORSK = [
    "%(round)s er talt opp: %(valid)s gyldige stemmer, kontrollsum %(digest)s.",
    "Gjennomgang av stemmene: %(round)s, %(day)s",
]
FIX = "run makemessages, translate, compilemessages (README: Languages)"


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def messages(entries) -> dict[tuple[str | None, str, str], object]:
    """The catalogue as gettext sees it: key -> translation (plural forms by index)."""
    found: dict[tuple[str | None, str, str], object] = {}
    for entry in entries:
        if entry.obsolete or not entry.msgid or "fuzzy" in entry.flags:
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural or "")
        if entry.msgid_plural:
            found[key] = {int(n): text for n, text in entry.msgstr_plural.items()}
        else:
            found[key] = entry.msgstr
    return found


def msgids(po: polib.POFile) -> set[tuple[str | None, str, str]]:
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural or "") for entry in po if not entry.obsolete
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)

    assert [entry.msgid for entry in po.untranslated_entries()] == [], FIX
    assert [entry.msgid for entry in po.fuzzy_entries()] == [], FIX
    assert not po.metadata_is_fuzzy
    assert len(po.translated_entries()) > 300


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_holds_exactly_what_the_po_file_says(language):
    po = catalogue(language)
    mo = polib.mofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"))

    assert messages(mo) == messages(po), f"locale/{language} .mo is stale: {FIX}"


def test_nynorsk_and_english_differ_from_bokmal_where_they_should():
    nn = {entry.msgid: entry.msgstr for entry in catalogue("nn")}
    en = {entry.msgid: entry.msgstr for entry in catalogue("en")}

    assert nn["Fant ikke siden"] == "Fann ikkje sida"
    assert en["Fant ikke siden"] == "Page not found"
    # Copied bokmål is the commonest slip: almost every nynorsk and English
    # sentence must differ from its bokmål msgid. (English msgids, Django's and
    # the packages' strings in config/admin_strings.py, are those that bokmål
    # translates; English keeps them.)
    nb = {entry.msgid: entry.msgstr for entry in catalogue("nb")}
    sentences = [msgid for msgid in nn if len(msgid) > 40 and nb.get(msgid) == msgid]
    assert [msgid for msgid in sentences if nn[msgid] == msgid] == SAME_IN_NYNORSK
    assert [msgid for msgid in sentences if en[msgid] == msgid] == []


def test_the_admins_english_msgids_are_norwegian_in_bokmal_and_nynorsk():
    # Django's own admin strings that our templates name (English msgids):
    # our catalogues are read before Django's (LOCALE_PATHS), so a msgid
    # copied as its msgstr would show English where Django says it in Norwegian.
    nb = {entry.msgid: entry.msgstr for entry in catalogue("nb")}
    nn = {entry.msgid: entry.msgstr for entry in catalogue("nn")}

    assert nb["Home"] == "Hjem"
    assert nn["Home"] == "Heim"


# config/admin_strings.py's English msgids spelt the same in Norwegian.
SAME_IN_NORWEGIAN = {"%(class_name)s %(instance)s", "HTTP Accept"}


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_english_strings_of_the_admin_and_its_packages_read_norwegian(language):
    from django.utils import translation

    from config import admin_strings

    strings = [
        admin_strings.FORM_ERRORS,
        *admin_strings.DJANGO_ADMIN,
        *admin_strings.DJANGO_AUTH,
        *admin_strings.DJANGO_NYNORSK,
        *admin_strings.AXES,
        *admin_strings.TASKS,
    ]

    def read(text) -> str:
        # A plural (ngettext_lazy) in its plural form, unformatted.
        return text._translate(2) if hasattr(text, "_translate") else str(text)

    with translation.override(None):
        english = [read(text) for text in strings]
    with translation.override(language):
        norwegian = [read(text) for text in strings]

    still_english = [
        text
        for text, shown in zip(english, norwegian, strict=True)
        if shown == text and text not in SAME_IN_NORWEGIAN
    ]
    assert still_english == [], FIX


@pytest.mark.parametrize("language", ["nn", "en"])
def test_translations_keep_a_number_and_its_sign_on_one_line(language):
    # As in "33,3 %": the sign stays on the line of its number. English sets
    # no space before the percent sign ("33.3%"), so there none is needed.
    def keeps(msgid: str, text: str) -> bool:
        if language == "en" and "\u00a0" not in msgid.replace("\u00a0%%", ""):
            return "\u00a0%%" not in text
        return "\u00a0" in text

    dropped = [
        entry.msgid
        for entry in catalogue(language)
        if "\u00a0" in entry.msgid
        and not all(
            keeps(entry.msgid, text)
            for text in (entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr])
        )
    ]

    assert dropped == []


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs gettext (apt-get install gettext)"
)
def test_catalogues_hold_exactly_the_messages_in_the_code(tmp_path):
    """makemessages in a copy of the project must find the same msgids as the
    committed catalogues: none missing (shown in bokmål) and none left over."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tmp_path / name)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")

    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--no-obsolete"]
        + [f"--locale={language}" for language in LANGUAGES],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )

    for language in LANGUAGES:
        fresh = polib.pofile(str(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po"))
        committed = catalogue(language)
        missing = msgids(fresh) - msgids(committed)
        left_over = msgids(committed) - msgids(fresh)
        assert not missing, f"{language}: not in the catalogue: {sorted(missing)[:5]}; {FIX}"
        assert not left_over, f"{language}: no longer in the code: {sorted(left_over)[:5]}; {FIX}"

"""Forms as a browser posts them, for the tests that post what a page
shows: any form read off a page, the admin's date and time inputs and its
round form; and a CSV download read as a spreadsheet reads it."""

import csv
import io
from html.parser import HTMLParser

from django.utils import timezone


class FormFields(HTMLParser):
    """What a browser posts from the page's form with the given id: inputs,
    checked boxes, selected options and text areas (no file inputs)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self.select: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or ("name" not in attrs and tag != "option"):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.add(attrs["name"], attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self.select = attrs["name"]
            self.data.setdefault(self.select, [])
        elif tag == "option" and self.select and "selected" in attrs:
            self.add(self.select, attrs.get("value", ""))
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.text = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            # Browsers drop the newline that opens a text area's content.
            self.add(self.textarea, self.text.removeprefix("\n"))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.text += data


def posted_form(page_html: str, form_id: str) -> dict[str, list[str]]:
    """The form on an admin page as a browser would post it."""
    parser = FormFields(form_id)
    parser.feed(page_html)
    return {name: values for name, values in parser.data.items() if values}


def split(moment) -> dict[str, str]:
    """A moment as the admin's date and time inputs post it, in Norwegian time."""
    local = timezone.localtime(moment)
    return {"0": local.strftime("%d.%m.%Y"), "1": local.strftime("%H:%M:%S")}


def moment_fields(name: str, moment) -> dict[str, str]:
    """The admin's date and time inputs of the field ``name``, set to ``moment``."""
    return {f"{name}_{part}": value for part, value in split(moment).items()}


def round_form(*, published: str, nominations=(), **fields: str) -> dict[str, str]:
    """POST data of the admin's round form, as a browser sends it."""
    data = {
        "year": "2031",
        "title_nb": "Bosettings- og integreringsprisen 2031",
        "title_nn": "Busetjings- og integreringsprisen 2031",
        "title_en": "",
        "intro_nb": "",
        "intro_nn": "",
        "intro_en": "",
        "nominees_published_at_0": published,
        "nominees_published_at_1": "09:00",
        "voting_opens_at_0": "01.03.2031",
        "voting_opens_at_1": "09:00",
        "voting_closes_at_0": "31.03.2031",
        "voting_closes_at_1": "23:59",
        "finalist_count": "3",
        "winner_rule": "finalists",
        "verification": "email",
        **fields,
    }
    for prefix, count in (("nominations", len(nominations)), ("tallies", 0)):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(count),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    for i, municipality in enumerate(nominations):
        data[f"nominations-{i}-municipality"] = str(municipality.pk)
        data[f"nominations-{i}-display_order"] = str(i)
    return data


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))

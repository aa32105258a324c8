"""Reading what was sent: text of every format, and the links and forms of a page."""

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from itertools import count
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.forms import BaseForm
from django.urls import Resolver404, resolve
from django.utils import timezone

from kuulo.organisations.models import Unit
from kuulo.organisations.testing import canaries

# What the test client returns: a response with its extras (context, json()).
Response = Any

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def readable(response: Response) -> tuple[str, str]:
    """The response as searchable text, and its format."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    if content_type == XLSX:
        return xlsx_text(content), "xlsx"
    if content_type == "application/pdf":
        # The raw bytes too: a file that is not a real PDF is searched as it is.
        return content.decode("latin-1") + "".join(pdf_text(content).split()), "pdf"
    text = content.decode("utf-8", errors="replace")
    kind = {"text/html": "html", "text/csv": "csv", "application/json": "json"}.get(
        content_type, content_type
    )
    return text, kind or "empty"


def xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        "\t".join("" if cell is None else str(cell) for cell in row)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    try:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    except Exception:  # not a PDF: searched as bytes only
        return ""


# --- Forms and links on a page ----------------------------------------------------------------------


@dataclass
class HtmlForm:
    method: str
    action: str
    values: list[tuple[str, str]] = field(default_factory=list)  # sent without touching anything
    offered: dict[str, list[str]] = field(default_factory=dict)  # every value each control offers
    submit: tuple[str, str] | None = None  # the first named submit button


class Page(HTMLParser):
    """The links and forms of an HTML page, read as a browser would send them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: tuple[str, bool, list[str], list[str]] | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        form = self._form
        if tag == "option" and self._select is not None:
            value = a.get("value") or ""
            self._select[2].append(value)
            if "selected" in a:
                self._select[3].append(value)
        elif tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        elif tag == "form":
            self._form = HtmlForm(method=(a.get("method") or "get").lower(), action=a.get("action") or "")
            self.forms.append(self._form)
        elif form is None or not (name := a.get("name")):
            return
        elif tag == "input":
            kind, value = (a.get("type") or "text").lower(), a.get("value") or ""
            if kind in ("submit", "image"):
                form.submit = form.submit or (name, value)
                return
            form.offered.setdefault(name, []).append(value)
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.values.append((name, value or "on"))
            elif kind not in ("file", "button"):
                form.values.append((name, value))
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            form.submit = form.submit or (name, a.get("value") or "")
        elif tag == "select":
            self._select = (name, "multiple" in a, [], [])
        elif tag == "textarea":
            self._textarea = (name, [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, options, selected = self._select
            self._form.offered.setdefault(name, []).extend(options)
            chosen = selected or ([] if multiple or not options else options[:1])
            self._form.values.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            self._form.values.append((name, "".join(text).removeprefix("\n")))
            self._textarea = None


def context_forms(response: Response) -> list[BaseForm]:
    """The Django forms a page was rendered with."""
    context = getattr(response, "context", None)
    if context is None:
        return []
    found: dict[int, BaseForm] = {}
    for layer in context if isinstance(context, list) else [context]:
        for value in layer.flatten().values():
            for candidate in value.values() if isinstance(value, dict) else [value]:
                if isinstance(candidate, BaseForm):
                    found[id(candidate)] = candidate
    return list(found.values())


# Query-string and form parameters outside Django forms that name objects, and what they
# name; values for form fields whose type alone does not tell a valid value (each app's CANARY).
ID_PARAMETERS: dict[str, type[Model]] = {k: v for c in canaries() for k, v in c.id_parameters.items()}
FIELD_VALUES: dict[str, Any] = {k: v for c in canaries() for k, v in c.field_values.items()}
# Numeric parameters that name no object (q<id>: a survey form's answer to a question).
NOT_IDS = re.compile(r"page|period|mine|active|identified|q\d+")
_probe_numbers = count(1)


def fill(name: str, form_field: forms.Field) -> Any:
    """A valid value for an empty required field."""
    n = next(_probe_numbers)
    if name in FIELD_VALUES:
        return FIELD_VALUES[name]
    if isinstance(form_field, forms.ModelChoiceField):
        first = form_field.queryset.values_list("pk", flat=True).first()  # type: ignore[union-attr]
        value = "" if first is None else str(first)
        return [value] if isinstance(form_field, forms.ModelMultipleChoiceField) else value
    if isinstance(form_field, forms.ChoiceField):
        choices: Any = form_field.choices
        value = next(str(v) for v, _label in choices if v not in ("", None))
        return [value] if isinstance(form_field, forms.MultipleChoiceField) else value
    if isinstance(form_field, forms.FileField):
        return lambda: SimpleUploadedFile("probe.csv", "csat;open\n5;hyvä\n".encode(), "text/csv")
    if isinstance(form_field, forms.DateField):
        return str(timezone.localdate() - timedelta(days=1))
    if isinstance(form_field, forms.BooleanField):
        return "on"
    if isinstance(form_field, forms.IntegerField | forms.DecimalField):
        return str(max(int(getattr(form_field, "min_value", None) or 1), 1))
    if isinstance(form_field, forms.EmailField):
        return f"probe{n}@example.test"
    if isinstance(form_field, forms.URLField):
        return "https://hooks.example.fi/probe"
    if isinstance(form_field, forms.SlugField):
        return f"probe-{n}"
    return f"probe {n}"


@dataclass
class Probe:
    """A form or link whose ids are tried with objects out of the principal's scope."""

    method: str
    url: str
    route: str
    base: dict[str, Any]  # what a browser sends as it is: the in-scope control
    ids: dict[str, type[Model]]  # parameters that name objects, and what they name
    public_unit: Unit | None = None

    def data(self, **changes: Any) -> dict[str, Any]:
        """The base with `changes`; a file is made anew for each request."""
        merged = {**self.base, **changes}
        return {name: value() if callable(value) else value for name, value in merged.items()}

    def with_id(self, name: str, pk: int) -> dict[str, Any]:
        return self.data(**{name: [str(pk)] if isinstance(self.base.get(name), list) else str(pk)})


def route_of(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None

"""What the columns of an imported file hold, and how one row becomes a response.

A column holds an answer to one of the survey's questions ("q:<item code>") or one of
`FIELDS`. `guess_mapping` makes a first guess from the header, and `RowReader` turns
each row into the same `IncomingResponse` the ingest API receives, reading values the
way other tools and Excel write them: answer codes and labels (`import_values`),
decimal commas, Finnish dates, spreadsheet times, unfinished responses (a LimeSurvey row
without a submit time), spreadsheet formulas and errors (reported, never dropped).
"""

import hashlib
import json
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuulo.core.models import in_language

from . import ingest
from .import_files import SheetCell
from .import_values import CANT_SAY, ValueReader, normalised, picked
from .models import (
    AgeBand,
    Channel,
    ItemKind,
    PartialRows,
    RespondentType,
    ResponseImport,
    SurveyQuestion,
)
from .services.responses import CANT_SAY as CANT_SAY_ANSWER

# What a column can hold besides an answer to one of the survey's questions.
FIELDS = {
    "responded_at": gettext_lazy("Answer time"),
    "started_at": gettext_lazy("Start or last-action time (dates an unfinished response)"),
    "language": gettext_lazy("Language (fi, sv, en)"),
    "respondent_type": gettext_lazy("Respondent"),
    "age_band": gettext_lazy("Age group"),
    "external_id": gettext_lazy("Response id in the other tool"),
    "attribute": gettext_lazy("Other attribute (kept with the response)"),
}
# Column names other tools use for these fields (compared in lower case).
FIELD_HEADERS = {
    "responded_at": {
        "submitdate", "date submitted", "responded_at", "timestamp", "time",
        "date", "vastausaika", "vastattu", "aika", "päivämäärä", "svarstid", "datum",
    },
    # LimeSurvey's start and last-action times (its codes and English headings)
    "started_at": {"startdate", "date started", "datestamp", "date last action", "aloitusaika", "starttid"},
    "language": {"language", "startlanguage", "start language", "lang", "kieli", "språk"},
    "external_id": {
        "id", "response id", "responseid", "external_id", "vastaus id", "tunniste", "svars-id",
        # Webropol's respondent number, in its Finnish, Swedish and English exports
        "vastaajanumero", "respondentnummer", "respondent number", "respondent id", "respondentid",
    },
    "respondent_type": {
        "respondent_type", "respondent type", "respondent group", "vastaajaryhmä", "vastaajatyyppi",
        "respondentgrupp",
    },
    "age_band": {"age", "age group", "age_band", "ikä", "ikäryhmä", "ålder", "åldersgrupp"},
}  # fmt: skip
# Webropol heads its respondent number "Vastaaja" or "Respondent", but a spreadsheet made by
# hand may call its respondent group so: whole numbers under it make it the response id.
RESPONDENT_HEADERS = {"vastaaja", "respondent", "svarande"}
LANGUAGE_NAMES = {
    "suomi": "fi", "finnish": "fi", "finska": "fi",
    "svenska": "sv", "ruotsi": "sv", "swedish": "sv",
    "english": "en", "englanti": "en", "engelska": "en",
}  # fmt: skip
# A LimeSurvey submit-time column: empty in a row whose respondent never finished.
SUBMIT_HEADERS = {"submitdate", "date submitted", "submit date"}
MISSING_SHOWN = 8  # missing columns a cut-short row names
TIME_FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y %H.%M", "%d.%m.%Y", "%Y/%m/%d %H:%M:%S"]


def guess_mapping(
    columns: list[str],
    questions: list[SurveyQuestion],
    samples: list[list[Any]],
    source_names: dict[str, str] | None = None,
) -> dict[str, str]:
    """A first guess from the column names: item codes, question wording in any language,
    the other tool's question codes and wording (`source_names`: name → target, from the
    survey's remembered answer values) and the names other tools give to the answer time,
    language and response id. `samples` are the first rows under the header, for names
    that could mean two things."""
    by_name: dict[str, str] = {normalised(name): target for name, target in (source_names or {}).items()}
    for question in questions:
        version = question.item_version
        target = f"q:{version.item.code}"
        for name in (version.item.code, version.text_fi, version.text_sv, version.text_en):
            if name:
                by_name.setdefault(normalised(name), target)
        for name, option in option_columns(question).items():
            by_name.setdefault(normalised(name), option)
    for field, names in FIELD_HEADERS.items():
        for name in names:
            by_name.setdefault(name, field)
    mapping, used = {}, set()
    for index, column in enumerate(columns):
        name = normalised(column)
        target = by_name.get(name, "") or by_name.get(_statement_of(name), "")
        if name in RESPONDENT_HEADERS and not target:
            values = [row[index] for row in samples if index < len(row) and row[index] not in (None, "")]
            target = "external_id" if all(_is_whole_number(v) for v in values) else "respondent_type"
        if target and target not in used:
            mapping[str(index)] = target
            used.add(target)
    return mapping


def _statement_of(heading: str) -> str:
    """An array statement in a heading that also holds its lead question: Webropol's
    "Lead? - Statement." or LimeSurvey's "Lead? [Statement.]"."""
    if heading.endswith("]") and "[" in heading:
        return heading[heading.rindex("[") + 1 : -1].strip()
    return heading.rpartition(" - ")[2].strip()


def _is_whole_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return float(value).is_integer()
    return str(value).strip().isdigit()


def mapping_choices(questions: list[SurveyQuestion]) -> list[tuple[str, str]]:
    return [
        ("", _("Do not import")),
        *(
            choice
            for q in questions
            for choice in [(f"q:{q.item_version.item.code}", q.item_version.text), *_option_targets(q)]
        ),
        *((field, str(label)) for field, label in FIELDS.items()),
    ]


def _option_targets(question: SurveyQuestion) -> list[tuple[str, str]]:
    """A multiple choice's options, each a column of its own: "q:<item code>:<value>"."""
    version = question.item_version
    if version.item.kind != ItemKind.MULTIPLE_CHOICE:
        return []
    return [
        (f"q:{version.item.code}:{choice['value']}", f"{version.text}: {in_language(choice)}")
        for choice in version.choices
    ]


def option_columns(
    question: SurveyQuestion, codes: Sequence[str] = (), texts: Sequence[str] = ()
) -> dict[str, str]:
    """How other tools head a multiple choice's column per option → its target: the
    other tool's question code with the option's code (LimeSurvey's `Q9[SQ001]`, from
    `codes`), and the question's wording (its own, or the other tool's `texts`) with the
    option's label ("Question [Option]", Webropol's "Question - Option")."""
    version = question.item_version
    if version.item.kind != ItemKind.MULTIPLE_CHOICE:
        return {}
    wordings = [t for t in (version.text_fi, version.text_sv, version.text_en, *texts) if t]
    found = {}
    for choice in version.choices:
        target = f"q:{version.item.code}:{choice['value']}"
        for code in codes:
            found[f"{code}[{choice['value']}]"] = target
        labels = [choice.get(lang, "") for lang in ("fi", "sv", "en")]
        for wording in wordings:
            for label in filter(None, labels):
                found[f"{wording} [{label}]"] = target
                found[f"{wording} - {label}"] = target
    return found


@dataclass
class RowError:
    """An error in one row and column of the file (row 0: the file as a whole)."""

    row: int
    column: str
    message: str


class RowReader:
    """Turns one row of the file into an IncomingResponse, as the ingest API receives them.

    It also keeps what the report tells besides errors: the answers read as "can't say"
    (stored as not answered) per column, and the unfinished rows left out."""

    def __init__(
        self, job: ResponseImport, questions: list[SurveyQuestion], maps: dict[str, dict[str, str]]
    ) -> None:
        self.job = job
        self.columns = job.columns
        self.targets = {int(index): target for index, target in job.mapping.items() if target}
        self.values = ValueReader(questions, maps)
        self.segments = {
            "respondent_type": _labels_to_values(RespondentType),
            "age_band": _labels_to_values(AgeBand),
        }
        self.column_of = {target: self.columns[index] for index, target in self.targets.items()}
        # An attribute column is named by its header: errors on "attributes.campus" point at it.
        for index, target in self.targets.items():
            if target == "attribute":
                self.column_of[f"attributes.{self.columns[index].strip().lower()}"] = self.columns[index]
        index_of = {target: index for index, target in self.targets.items()}
        # A LimeSurvey submit-time column is empty in a response never finished.
        submitted = index_of.get("responded_at")
        self.submit_index = (
            submitted
            if submitted is not None and normalised(self.columns[submitted]) in SUBMIT_HEADERS
            else None
        )
        self.occurrences: Counter[str] = Counter()  # rows of the file with the same content so far
        self.first_row_of: dict[str, int] = {}  # response id key -> the row it was first on
        self.cant_say: Counter[str] = Counter()  # column -> answers read as "can't say"
        self.cant_say_words: dict[str, set[str]] = {}  # column -> the words read so
        self.skipped: list[int] = []  # unfinished rows left out
        self.only_cant_say: list[int] = []  # rows whose every answer says "can't say": left out

    def read(self, number: int, cells: list[Any]) -> tuple[ingest.IncomingResponse | None, list[RowError]]:
        """The row as a response (None: an unfinished one left out) and its errors."""
        errors = self._width_errors(number, cells)
        partial = self.submit_index is not None and _empty(_cell(cells, self.submit_index))
        if (
            partial and self.job.partial_rows == PartialRows.SKIP and not errors
        ):  # a cut-short row is reported
            self.skipped.append(number)
            return None, []
        item = ingest.IncomingResponse(
            link=self.job.publication.code, answers={}, channel=Channel.IMPORT, partial=partial
        )
        self.started_at: datetime | None = None
        cant_say_before = self.cant_say.total()
        for index, target in self.targets.items():
            value = _cell(cells, index)
            if isinstance(value, str):
                value = value.strip()
            if _empty(value):
                continue
            column = self.columns[index]
            if isinstance(value, SheetCell):
                errors.append(RowError(number, column, _sheet_cell_message(value)))
                continue
            try:
                self._apply(item, target, column, value, number)
            except ValidationError as error:
                errors.append(RowError(number, column, " ".join(error.messages)))
        if not item.answers and not errors and self.cant_say.total() > cant_say_before:
            self.only_cant_say.append(number)  # nothing Kuulo can store yet
            return None, []
        if partial:  # dated by its own start or last action, never by the import
            if self.started_at is None:
                errors.append(RowError(number, self.column_of.get("started_at", ""), _no_start_message()))
            item.responded_at = self.started_at
        if item.idempotency_key is None:
            item.idempotency_key = self._content_key(item)
        return item, errors

    def _width_errors(self, number: int, cells: list[Any]) -> list[RowError]:
        if self.job.file_format != "csv" or len(cells) == len(self.columns):
            return []
        if len(cells) > len(self.columns):
            message = _("This row has %(cells)s cells; the header has %(columns)s.") % {
                "cells": len(cells),
                "columns": len(self.columns),
            }
            return [RowError(number, "", message)]
        missing = [f"“{name}”" for name in self.columns[len(cells) :]]
        shown = ", ".join(missing[:MISSING_SHOWN])
        if len(missing) > MISSING_SHOWN:
            shown += " " + _("and %(count)s more") % {"count": len(missing) - MISSING_SHOWN}
        message = _(
            "The row is cut short after %(cells)s of the header's %(columns)s cells: %(missing)s missing."
        ) % {
            "cells": len(cells),
            "columns": len(self.columns),
            "missing": shown,
        }
        return [RowError(number, "", message)]

    def _content_key(self, item: ingest.IncomingResponse) -> str:
        """The key of a row without a response id: what the row says (link, answers by item
        code, answer time, language, segments) after the same normalising the checks do, so
        the same response exported anew (other column order, line endings, encoding, BOM,
        CSV or XLSX, rows added or moved) gets the same key. Two rows that say exactly the
        same are two people who answered alike, so the key also holds the how-manyth such
        row of the file it is: both are stored, and a re-import of the file skips both.
        The price: without an answer time, a row of a later file that says exactly what a
        row imported before said is taken for that one. (A link code has at most 12
        characters, so these keys never meet those made from a response id.)"""
        content = {
            "link": item.link,
            "answers": {code: _normalised(value) for code, value in item.answers.items()},
            "responded_at": _to_second(item.responded_at),
            "language": item.language,
            "respondent_type": item.respondent_type,
            "age_band": item.age_band,
        }
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        fingerprint = hashlib.sha256(text.encode()).hexdigest()[:32]
        self.occurrences[fingerprint] += 1
        return f"import:{fingerprint}:{self.occurrences[fingerprint]}"

    def _apply(
        self, item: ingest.IncomingResponse, target: str, column: str, value: Any, number: int
    ) -> None:
        if target.startswith("q:") and target.count(":") == 2:  # an option's own column
            code, choice = target[2:].split(":", 1)
            if picked(self.values.labels.get(code, {}), choice, value):
                item.answers.setdefault(code, []).append(choice)
        elif target.startswith("q:"):
            answer = self.values.read(target[2:], value)
            if answer is CANT_SAY and target[2:] in self.values.offers_cant_say:
                item.answers[target[2:]] = CANT_SAY_ANSWER  # the question's own "can't say"
            elif answer is CANT_SAY:
                self.cant_say[column] += 1
                words = self.cant_say_words.setdefault(column, set())
                if len(words) < 5:
                    words.add(str(value)[:40])
            else:
                item.answers[target[2:]] = answer
        elif target == "responded_at":
            item.responded_at = _parse_time(value)
        elif target == "started_at":
            self.started_at = _parse_time(value)
        elif target == "language":
            text = str(value).casefold()
            item.language = LANGUAGE_NAMES.get(text, text[:2] if "-" in text or "_" in text else text)
        elif target in self.segments:
            text = str(value).casefold()
            setattr(item, target, self.segments[target].get(text, text))
        elif target == "external_id":
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # 17.0 from a spreadsheet is the 17 of a CSV export
            key = f"import:{self.job.publication.code}:{value}"[:200]
            if (first := self.first_row_of.setdefault(key, number)) != number:
                raise ValidationError(_duplicate_message(self.job.file_format, value, first))
            item.idempotency_key = key
        elif target == "attribute":
            item.attributes[column] = str(value)[:200]


def _cell(cells: list[Any], index: int) -> Any:
    return cells[index] if index < len(cells) else None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_cell_message(cell: SheetCell) -> str:
    if cell.kind == "formula":
        return _(
            "The cell holds a formula (%(formula)s), not a value. Replace the formulas with their "
            "values (Paste special → Values) and import the file again."
        ) % {"formula": cell.text[:60]}
    return _("The cell shows the spreadsheet error %(error)s instead of a value.") % {"error": cell.text}


def _no_start_message() -> str:
    return _(
        "This response was never finished and has no start or last-action time to date it by. "
        "Leave unfinished responses out, or give the time."
    )


def _duplicate_message(file_format: str, value: Any, first: int) -> str:
    if file_format == "xlsx":
        return _("The response id %(id)s is on sheet row %(row)s too.") % {"id": value, "row": first}
    return _("The response id %(id)s is on line %(row)s too.") % {"id": value, "row": first}


def _normalised(value: Any) -> Any:
    """An answer as the fingerprint of a row sees it: text in one Unicode form with one kind
    of line break, chosen options in one order."""
    if isinstance(value, list):
        return sorted(_normalised(v) for v in value)
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value


def _to_second(value: datetime | None) -> str | None:
    """A time in UTC to the nearest second: a spreadsheet's stored fraction of a day is not exact."""
    if value is None:
        return None
    rounded = value.astimezone(UTC) + timedelta(microseconds=500_000)
    return rounded.replace(microsecond=0).isoformat()


def _labels_to_values(choices: Any) -> dict[str, str]:
    """Segment values by their code or their label in any of our languages."""
    found = {}
    for language in ("fi", "sv", "en"):
        with translation.override(language):
            for value, label in choices.choices:
                found[str(label).casefold()] = value
                found[str(value).casefold()] = value
    return found


def _parse_time(value: Any) -> datetime:
    """Spreadsheet dates, ISO 8601 and Finnish day.month.year; a time without a zone
    is the organisation's local time."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        parsed = _parse_time_text(text)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _parse_time_text(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValidationError(
        _("“%(value)s” is not a date and time. Use e.g. 2026-03-31 14:05 or 31.3.2026 14:05.")
        % {"value": text}
    )

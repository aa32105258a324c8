"""Importing responses from another tool's export (LimeSurvey, Webropol, any spreadsheet).

An import goes in four steps:

1. `upload_file` keeps the file in the database (within the size limit) and queues
   its reading; the web request reads nothing else.
2. `read_file` (a background task) reads the whole file once, within the limits of
   `import_files`: its header, a first guess of what each column holds, the first rows
   to show beside the column choices, and how many rows it has.
3. `set_mapping` takes the person's column choices and queues the import.
4. `run_import` (a background task) checks every row first, through the same checks as
   the ingest API, and reports errors by row and column. Only a file without a single
   error is stored, in one transaction: all or nothing.

Every row gets a key: the other tool's response id, or else a fingerprint of what the row
says (see `_RowReader._content_key`), so importing the same responses again, even from
a file exported anew, stores nothing the second time.
"""

import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import batched
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuulo.audit.services import record
from kuulo.organisations.access import Permission, has_permission

from . import ingest
from .import_files import ENCODINGS, Readable, file_format_of, read_rows, read_upload
from .models import (
    CHOICE_KINDS,
    AgeBand,
    Channel,
    ImportStatus,
    ItemKind,
    RespondentType,
    ResponseImport,
    SurveyPublication,
    SurveyQuestion,
    SurveyStatus,
)

logger = logging.getLogger(__name__)

PERMISSION = Permission.IMPORT_RESPONSES
CHECK_SLICE = 1000  # rows checked between progress updates
SAMPLE_ROWS = 20  # rows under the header that help guess what a column holds
PREVIEW_ROWS = 3  # rows shown beside the column choices
MAX_REPORTED_ERRORS = 500  # errors kept for the report; all of them are counted

# What a column can hold besides an answer to one of the survey's questions.
FIELDS = {
    "responded_at": gettext_lazy("Answer time"),
    "language": gettext_lazy("Language (fi, sv, en)"),
    "respondent_type": gettext_lazy("Respondent"),
    "age_band": gettext_lazy("Age group"),
    "external_id": gettext_lazy("Response id in the other tool"),
    "attribute": gettext_lazy("Other attribute (kept with the response)"),
}
# Column names other tools use for these fields (compared in lower case).
FIELD_HEADERS = {
    "responded_at": {
        "submitdate", "date submitted", "datestamp", "responded_at", "timestamp", "time",
        "date", "vastausaika", "vastattu", "aika", "päivämäärä", "svarstid", "datum",
    },
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
YES_NO_WORDS = {
    "yes": 1, "kyllä": 1, "ja": 1, "true": 1, "y": 1, "k": 1,
    "no": 0, "ei": 0, "nej": 0, "false": 0, "n": 0, "e": 0,
}  # fmt: skip
TIME_FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y %H.%M", "%d.%m.%Y", "%Y/%m/%d %H:%M:%S"]


# --- Step 1: upload ----------------------------------------------------------------------------


def upload_file(
    user: Any,
    publication: SurveyPublication,
    *,
    file_name: str,
    file: Readable,
    encoding: str = "utf-8",
    request: Any = None,
) -> ResponseImport:
    """Keep the file and queue its reading; nothing is read or imported yet."""
    if not has_permission(user, PERMISSION, publication.unit):
        raise ValidationError({"publication": _("You cannot import responses for this unit.")})
    file_format = file_format_of(file_name)
    if encoding not in dict(ENCODINGS):
        raise ValidationError({"encoding": _("Choose one of the encodings.")})
    content, content_hash = read_upload(file)
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    job = ResponseImport.objects.create(
        publication=publication,
        created_by=user,
        file_name=file_name[:255],
        file_format=file_format,
        encoding=encoding if file_format == "csv" else "",
        content=content,
        content_hash=content_hash,
        status=ImportStatus.READING,
        language=(translation.get_language() or "fi")[:2],
    )
    record(
        "import.uploaded",
        request=request,
        actor=user,
        target=job,
        details={"bytes": len(content), "sha256": content_hash},
    )
    from .tasks import read_import_file  # the tasks module imports this one

    transaction.on_commit(lambda: read_import_file.enqueue(job.pk))
    return job


# --- Step 2: reading the file -------------------------------------------------------------------


def read_file(job_id: int) -> None:
    """Read an uploaded file: its columns, a guess of what they hold, the first rows and how
    many rows there are. Safe to run twice (only a file waiting to be read is read). A file
    that cannot be read, or passes the limits, is refused and not kept."""
    job = (
        ResponseImport.objects.select_related("publication__survey")
        .filter(pk=job_id, status=ImportStatus.READING)
        .first()
    )
    if job is None:
        return
    with translation.override(job.language or "fi"):
        try:
            _read_columns(job)
        except ValidationError as refused:
            _finish(job, ImportStatus.REJECTED, [_RowError(0, "", " ".join(refused.messages))], 1)
        except Exception:
            logger.exception("Reading import %s stopped", job_id)
            message = _("The file could not be read because of an error. Upload it again.")
            _finish(job, ImportStatus.FAILED, [_RowError(0, "", message)], 1)


def _read_columns(job: ResponseImport) -> None:
    rows = read_rows(bytes(job.content), job.file_format, job.encoding)
    header = next(rows, None)
    if header is None:
        raise ValidationError(_("The file is empty."))
    columns = [str(cell).strip() if cell not in (None, "") else "" for cell in header[1]]
    columns = [name or _("Column %(number)s") % {"number": n} for n, name in enumerate(columns, start=1)]
    samples: list[list[Any]] = []
    count = 0
    for _number, cells in rows:
        if len(samples) < SAMPLE_ROWS:
            samples.append(cells)
        count += 1
        if count % CHECK_SLICE == 0:
            ResponseImport.objects.filter(pk=job.pk).update(total_rows=count)
    if not count:
        raise ValidationError(_("The file has no rows under the header."))
    ResponseImport.objects.filter(pk=job.pk, status=ImportStatus.READING).update(
        status=ImportStatus.MAPPING,
        columns=columns,
        mapping=guess_mapping(columns, job.publication.survey.ordered_questions(), samples),
        samples=[["" if cell is None else str(cell)[:40] for cell in row] for row in samples[:PREVIEW_ROWS]],
        total_rows=count,
        updated_at=timezone.now(),
    )


def guess_mapping(
    columns: list[str], questions: list[SurveyQuestion], samples: list[list[Any]]
) -> dict[str, str]:
    """A first guess from the column names: item codes, question wording in any language,
    and the names other tools give to the answer time, language and response id.
    `samples` are the first rows under the header, for names that could mean two things."""
    by_name: dict[str, str] = {}
    for question in questions:
        version = question.item_version
        target = f"q:{version.item.code}"
        for name in (version.item.code, version.text_fi, version.text_sv, version.text_en):
            if name:
                by_name.setdefault(name.strip().casefold(), target)
    for field, names in FIELD_HEADERS.items():
        for name in names:
            by_name.setdefault(name, field)
    mapping, used = {}, set()
    for index, column in enumerate(columns):
        name = column.strip().casefold()
        target = by_name.get(name, "")
        if name in RESPONDENT_HEADERS and not target:
            values = [row[index] for row in samples if index < len(row) and row[index] not in (None, "")]
            target = "external_id" if all(_is_whole_number(v) for v in values) else "respondent_type"
        if target and target not in used:
            mapping[str(index)] = target
            used.add(target)
    return mapping


def _is_whole_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return float(value).is_integer()
    return str(value).strip().isdigit()


# --- Step 3: the column choices ---------------------------------------------------------------------


def mapping_choices(questions: list[SurveyQuestion]) -> list[tuple[str, str]]:
    return [
        ("", _("Do not import")),
        *((f"q:{q.item_version.item.code}", q.item_version.text) for q in questions),
        *((field, str(label)) for field, label in FIELDS.items()),
    ]


def set_mapping(job: ResponseImport, mapping: dict[str, str], *, request: Any = None) -> None:
    """Check the column choices against the survey and queue the import."""
    if job.status not in (ImportStatus.MAPPING, ImportStatus.REJECTED):
        raise ValidationError(_("This import has already run."))
    if not job.columns:  # the file was refused when read
        raise ValidationError(_("Upload the file again."))
    questions = job.publication.survey.ordered_questions()
    allowed = {value for value, _label in mapping_choices(questions)}
    mapping = {index: target for index, target in mapping.items() if target}
    errors = []
    columns_of: dict[str, list[str]] = {}
    for index, target in mapping.items():
        if not index.isdigit() or int(index) >= len(job.columns) or target not in allowed:
            raise ValidationError(_("Choose what each column holds from the list."))
        columns_of.setdefault(target, []).append(job.columns[int(index)])
    for target, names in columns_of.items():
        if len(names) > 1 and target != "attribute":
            errors.append(
                _("Only one column can hold “%(target)s”; now %(columns)s do.")
                % {"target": dict(mapping_choices(questions))[target], "columns": ", ".join(names)}
            )
    if not any(target.startswith("q:") for target in mapping.values()):
        errors.append(_("Choose at least one column that holds answers to the survey's questions."))
    for question in questions:
        if question.required and f"q:{question.item_version.item.code}" not in columns_of:
            errors.append(
                _("The file has no column for the required question “%(question)s”.")
                % {"question": question.item_version.text}
            )
    if errors:
        raise ValidationError(errors)
    job.mapping = mapping
    job.status = ImportStatus.QUEUED
    job.checked_rows = job.error_count = 0
    job.errors = []
    job.save(update_fields=["mapping", "status", "checked_rows", "error_count", "errors", "updated_at"])
    from .tasks import run_import  # the tasks module imports this one

    transaction.on_commit(lambda: run_import.enqueue(job.pk))


# --- Step 4: checking and storing -----------------------------------------------------------------


@dataclass
class _RowError:
    row: int
    column: str
    message: str


class _RowReader:
    """Turns one row of the file into an IncomingResponse, as the ingest API receives them."""

    def __init__(self, job: ResponseImport, questions: list[SurveyQuestion]) -> None:
        self.job = job
        self.columns = job.columns
        self.targets = {int(index): target for index, target in job.mapping.items() if target}
        self.kinds = {q.item_version.item.code: q.item_version.item.kind for q in questions}
        self.choices = {
            q.item_version.item.code: {
                str(label).strip().casefold(): str(choice["value"])
                for choice in q.item_version.choices
                for label in (choice["value"], choice.get("fi"), choice.get("sv"), choice.get("en"))
                if label
            }
            for q in questions
        }
        self.segments = {
            "respondent_type": _labels_to_values(RespondentType),
            "age_band": _labels_to_values(AgeBand),
        }
        self.column_of = {target: self.columns[index] for index, target in self.targets.items()}
        # An attribute column is named by its header: errors on "attributes.campus" point at it.
        for index, target in self.targets.items():
            if target == "attribute":
                self.column_of[f"attributes.{self.columns[index].strip().lower()}"] = self.columns[index]
        self.occurrences: Counter[str] = Counter()  # rows of the file with the same content so far

    def read(self, number: int, cells: list[Any]) -> tuple[ingest.IncomingResponse, list[_RowError]]:
        errors = []
        if self.job.file_format == "csv" and len(cells) != len(self.columns):
            errors.append(
                _RowError(
                    number,
                    "",
                    _("This row has %(cells)s cells; the header has %(columns)s.")
                    % {"cells": len(cells), "columns": len(self.columns)},
                )
            )
        item = ingest.IncomingResponse(link=self.job.publication.code, answers={}, channel=Channel.IMPORT)
        for index, target in self.targets.items():
            value = cells[index] if index < len(cells) else None
            if isinstance(value, str):
                value = value.strip()
            if value in (None, ""):
                continue
            try:
                self._apply(item, target, self.columns[index], value)
            except ValidationError as error:
                errors.append(_RowError(number, self.columns[index], " ".join(error.messages)))
        if item.idempotency_key is None:
            item.idempotency_key = self._content_key(item)
        return item, errors

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

    def _apply(self, item: ingest.IncomingResponse, target: str, column: str, value: Any) -> None:
        if target.startswith("q:"):
            code = target[2:]
            item.answers[code] = self._answer(code, value)
        elif target == "responded_at":
            item.responded_at = _parse_time(value)
        elif target == "language":
            text = str(value).casefold()
            item.language = LANGUAGE_NAMES.get(text, text[:2] if "-" in text or "_" in text else text)
        elif target in self.segments:
            text = str(value).casefold()
            setattr(item, target, self.segments[target].get(text, text))
        elif target == "external_id":
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # 17.0 from a spreadsheet is the 17 of a CSV export
            item.idempotency_key = f"import:{self.job.publication.code}:{value}"[:200]
        elif target == "attribute":
            item.attributes[column] = str(value)[:200]

    def _answer(self, code: str, value: Any) -> Any:
        kind = self.kinds[code]
        if kind in CHOICE_KINDS:
            values = re.split(r"\s*[;|]\s*", str(value)) if isinstance(value, str) else [str(value)]
            return [self.choices[code].get(v.casefold(), v) for v in values if v]
        if kind == ItemKind.TEXT:  # a cell over several lines of a Windows file ends its lines in \r\n
            return str(value).replace("\r\n", "\n")
        if kind == ItemKind.YES_NO and str(value).casefold() in YES_NO_WORDS:
            return YES_NO_WORDS[str(value).casefold()]
        return _whole_number(value)


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


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": value})
    text = str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": value}) from None
    if not number.is_integer():
        raise ValidationError(_("%(value)s is not a whole number.") % {"value": value})
    return int(number)


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


def run_import(job_id: int) -> None:
    """Check and store one queued import; safe to run twice (only a queued import runs)."""
    if not ResponseImport.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.CHECKING, checked_rows=0
    ):
        return
    job = ResponseImport.objects.select_related("publication__survey", "publication__unit", "created_by").get(
        pk=job_id
    )
    with translation.override(job.language or "fi"):
        try:
            _check_and_store(job)
        except ValidationError as rejected:  # the file as a whole, not a row, is refused
            _finish(job, ImportStatus.REJECTED, [_RowError(0, "", " ".join(rejected.messages))], 1)
        except Exception:
            logger.exception("Import %s stopped", job_id)
            message = _("The import stopped because of an error. Nothing was saved.")
            _finish(job, ImportStatus.FAILED, [_RowError(0, "", message)], 1)


def _check_and_store(job: ResponseImport) -> None:
    """Raises ValidationError when the whole file is refused; row errors go to the report."""
    publication = job.publication
    if job.created_by is None or not has_permission(job.created_by, PERMISSION, publication.unit):
        raise ValidationError(_("You can no longer import responses for this unit."))
    if publication.survey.status != SurveyStatus.PUBLISHED or not publication.active:
        raise ValidationError(_("This survey is not open for answers."))
    reader = _RowReader(job, publication.survey.ordered_questions())
    rows = read_rows(bytes(job.content), job.file_format, job.encoding)
    next(rows, None)  # the header
    reported: list[_RowError] = []  # the first errors by row, for the report
    error_count = 0
    prepared: list[Any] = []
    row_of: list[int] = []  # the file row of each item handed to the ingest checks
    seen_keys: set[str] = set()
    # Read, checked and forgotten a slice at a time: only the rows ready to store are kept,
    # and only while the file has no error.
    for rows_slice in batched(rows, CHECK_SLICE):
        items = []
        first_index = len(row_of)
        errors: list[_RowError] = []
        for number, cells in rows_slice:
            item, row_errors = reader.read(number, cells)
            errors += row_errors
            items.append(item)
            row_of.append(number)
        ready, item_errors = ingest.prepare(
            job.created_by, items, PERMISSION, first_index=first_index, seen_keys=seen_keys
        )
        errors += [
            _RowError(row_of[error.index], _column_of(reader, error.field), error.message)
            for error in item_errors
        ]
        error_count += len(errors)
        if error_count:
            prepared.clear()
            errors.sort(key=lambda error: error.row)  # slices come in row order: so does the report
            reported += errors[: MAX_REPORTED_ERRORS - len(reported)]
        else:
            prepared += ready
        job.checked_rows = len(row_of)
        ResponseImport.objects.filter(pk=job.pk).update(checked_rows=job.checked_rows)
    if not row_of:
        raise ValidationError(_("The file has no rows under the header."))
    if error_count:
        _finish(job, ImportStatus.REJECTED, reported, error_count)
        return
    ResponseImport.objects.filter(pk=job.pk).update(status=ImportStatus.SAVING)
    try:
        with transaction.atomic():  # the responses and the import's "done" are stored together
            _store(job, prepared, row_of)
    except ingest.KeyConflict as conflict:
        # A row id stored before with other answers: the file says something else than before.
        conflicts = [
            _RowError(row_of[e.index], _column_of(reader, e.field), e.message) for e in conflict.errors
        ]
        _finish(job, ImportStatus.REJECTED, conflicts[:MAX_REPORTED_ERRORS], len(conflicts))


def _store(job: ResponseImport, prepared: list[Any], row_of: list[int]) -> None:
    result = ingest.store(prepared, len(row_of))
    job.created_count, job.duplicate_count = len(result.created), len(result.duplicates)
    _finish(job, ImportStatus.DONE, [], 0)
    record(
        "import.finished",
        actor=job.created_by,
        target=job,
        details={"created": job.created_count, "duplicates": job.duplicate_count},
    )


def _column_of(reader: _RowReader, field: str) -> str:
    """The file column behind an ingest error's field ("answers.csat" → the CSAT column)."""
    if field.startswith("answers."):
        return reader.column_of.get(f"q:{field.removeprefix('answers.')}", "")
    if field == "idempotency_key":
        return reader.column_of.get("external_id", "")
    if field.startswith("attributes."):
        return reader.column_of.get(field, "")
    return reader.column_of.get(field, "")


def _finish(job: ResponseImport, status: str, errors: list[_RowError], error_count: int) -> None:
    job.status = status
    job.errors = [{"row": e.row or None, "column": e.column, "message": e.message} for e in errors]
    job.error_count = error_count
    job.finished_at = timezone.now()
    fields = ["status", "errors", "error_count", "finished_at", "checked_rows", "created_count"]
    fields += ["duplicate_count", "updated_at"]
    if status == ImportStatus.DONE or not job.columns:  # imported, or refused when read
        job.content = b""  # the file may hold personal data: keep it no longer than needed
        job.samples = []
        fields += ["content", "samples"]
    job.save(update_fields=fields)

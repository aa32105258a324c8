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

Reading the file itself, within its limits, is `import_files`; what a column can hold,
the first guess and turning a row into a response are `import_rows`. This module is the
workflow: the job's states, the checks in slices, storing and the error report.

Every row gets a key: the other tool's response id, or else a fingerprint of what the row
says (see `import_rows.RowReader._content_key`), so importing the same responses again,
even from a file exported anew, stores nothing the second time.
"""

import logging
from itertools import batched
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.organisations.access import Permission, has_permission

from . import ingest
from .import_files import ENCODINGS, Readable, file_format_of, read_rows, read_upload
from .import_rows import RowError, RowReader, guess_mapping, mapping_choices
from .models import ImportStatus, ResponseImport, SurveyPublication, SurveyStatus

logger = logging.getLogger(__name__)

PERMISSION = Permission.IMPORT_RESPONSES
CHECK_SLICE = 1000  # rows checked between progress updates
SAMPLE_ROWS = 20  # rows under the header that help guess what a column holds
PREVIEW_ROWS = 3  # rows shown beside the column choices
MAX_REPORTED_ERRORS = 500  # errors kept for the report; all of them are counted


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
            _finish(job, ImportStatus.REJECTED, [RowError(0, "", " ".join(refused.messages))], 1)
        except Exception:
            logger.exception("Reading import %s stopped", job_id)
            message = _("The file could not be read because of an error. Upload it again.")
            _finish(job, ImportStatus.FAILED, [RowError(0, "", message)], 1)


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


# --- Step 3: the column choices ---------------------------------------------------------------------


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
            _finish(job, ImportStatus.REJECTED, [RowError(0, "", " ".join(rejected.messages))], 1)
        except Exception:
            logger.exception("Import %s stopped", job_id)
            message = _("The import stopped because of an error. Nothing was saved.")
            _finish(job, ImportStatus.FAILED, [RowError(0, "", message)], 1)


def _check_and_store(job: ResponseImport) -> None:
    """Raises ValidationError when the whole file is refused; row errors go to the report."""
    publication = job.publication
    if job.created_by is None or not has_permission(job.created_by, PERMISSION, publication.unit):
        raise ValidationError(_("You can no longer import responses for this unit."))
    if publication.survey.status != SurveyStatus.PUBLISHED or not publication.active:
        raise ValidationError(_("This survey is not open for answers."))
    reader = RowReader(job, publication.survey.ordered_questions())
    rows = read_rows(bytes(job.content), job.file_format, job.encoding)
    next(rows, None)  # the header
    reported: list[RowError] = []  # the first errors by row, for the report
    error_count = 0
    prepared: list[Any] = []
    row_of: list[int] = []  # the file row of each item handed to the ingest checks
    seen_keys: set[str] = set()
    # Read, checked and forgotten a slice at a time: only the rows ready to store are kept,
    # and only while the file has no error.
    for rows_slice in batched(rows, CHECK_SLICE):
        items = []
        first_index = len(row_of)
        errors: list[RowError] = []
        for number, cells in rows_slice:
            item, row_errors = reader.read(number, cells)
            errors += row_errors
            items.append(item)
            row_of.append(number)
        ready, item_errors = ingest.prepare(
            job.created_by, items, PERMISSION, first_index=first_index, seen_keys=seen_keys
        )
        errors += [
            RowError(row_of[error.index], _column_of(reader, error.field), error.message)
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
            RowError(row_of[e.index], _column_of(reader, e.field), e.message) for e in conflict.errors
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


def _column_of(reader: RowReader, field: str) -> str:
    """The file column behind an ingest error's field ("answers.csat" → the CSAT column)."""
    if field.startswith("answers."):
        return reader.column_of.get(f"q:{field.removeprefix('answers.')}", "")
    if field == "idempotency_key":
        return reader.column_of.get("external_id", "")
    if field.startswith("attributes."):
        return reader.column_of.get(field, "")
    return reader.column_of.get(field, "")


def _finish(job: ResponseImport, status: str, errors: list[RowError], error_count: int) -> None:
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

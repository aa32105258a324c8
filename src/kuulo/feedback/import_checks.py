"""Step 4 of an import (see imports.py): checking every row and storing the file's
responses, all or nothing, and the report: errors by row and column, and notes on what
was read in a way worth knowing ("can't say" answers stored as not answered, unfinished
responses left out)."""

import logging
from itertools import batched
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuulo.audit.services import record
from kuulo.organisations.access import Permission, has_permission

from . import ingest
from .import_files import read_rows
from .import_rows import RowError, RowReader
from .import_values import remembered
from .models import ImportStatus, ResponseImport, SurveyStatus

logger = logging.getLogger(__name__)

PERMISSION = Permission.IMPORT_RESPONSES
CHECK_SLICE = 1000  # rows checked between progress updates
MAX_REPORTED_ERRORS = 500  # errors kept for the report; all of them are counted
ROWS_NAMED = 20  # rows a note names (e.g. the unfinished ones left out)


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
            finish(job, ImportStatus.REJECTED, [RowError(0, "", " ".join(rejected.messages))], 1)
        except Exception:
            logger.exception("Import %s stopped", job_id)
            message = _("The import stopped because of an error. Nothing was saved.")
            finish(job, ImportStatus.FAILED, [RowError(0, "", message)], 1)


def _check_and_store(job: ResponseImport) -> None:
    """Raises ValidationError when the whole file is refused; row errors go to the report."""
    publication = job.publication
    if job.created_by is None or not has_permission(job.created_by, PERMISSION, publication.unit):
        raise ValidationError(_("You can no longer import responses for this unit."))
    if publication.survey.status != SurveyStatus.PUBLISHED or not publication.active:
        raise ValidationError(_("This survey is not open for answers."))
    reader = RowReader(job, publication.survey.ordered_questions(), remembered(publication.survey))
    rows = read_rows(bytes(job.content), job.file_format, job.encoding)
    next(rows, None)  # the header
    reported: list[RowError] = []  # the first errors by row, for the report
    error_count = 0
    prepared: list[Any] = []
    row_of: list[int] = []  # the file row of each item handed to the ingest checks
    seen_keys: set[str] = set()
    rows_read = 0
    # Read, checked and forgotten a slice at a time: only the rows ready to store are kept,
    # and only while the file has no error.
    for rows_slice in batched(rows, CHECK_SLICE):
        items = []
        first_index = len(row_of)
        errors: list[RowError] = []
        for number, cells in rows_slice:
            item, row_errors = reader.read(number, cells)
            errors += row_errors
            if item is not None:
                items.append(item)
                row_of.append(number)
        rows_read += len(rows_slice)
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
        job.checked_rows = rows_read
        ResponseImport.objects.filter(pk=job.pk).update(checked_rows=job.checked_rows)
    if not rows_read:
        raise ValidationError(_("The file has no rows under the header."))
    job.notes = [note for note in job.notes if note.get("stage") == "read"] + _notes(job, reader)
    job.skipped_count = len(reader.skipped) + len(reader.only_cant_say)
    if not row_of and not error_count:
        raise ValidationError(_("The file has no finished responses to import."))
    if error_count:
        finish(job, ImportStatus.REJECTED, reported, error_count)
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
        finish(job, ImportStatus.REJECTED, conflicts[:MAX_REPORTED_ERRORS], len(conflicts))


def _notes(job: ResponseImport, reader: RowReader) -> list[dict[str, str]]:
    """What the report says besides errors: answers read as "can't say", rows left out."""
    notes = []
    for column, count in reader.cant_say.items():
        words = ", ".join(f"“{word}”" for word in sorted(reader.cant_say_words[column]))
        message = ngettext(
            "%(count)s answer (%(words)s) says “can't say”, “no answer” or “not reached”: it is "
            "stored as not answered, as the question offers no “can't say”.",
            "%(count)s answers (%(words)s) say “can't say”, “no answer” or “not reached”: they are "
            "stored as not answered, as the question offers no “can't say”.",
            count,
        ) % {"count": count, "words": words}
        notes.append({"column": column, "message": message, "stage": "check"})
    if reader.skipped:
        rows = ", ".join(str(row) for row in reader.skipped[:ROWS_NAMED])
        if len(reader.skipped) > ROWS_NAMED:
            rows += " …"
        message = ngettext(
            "%(count)s response was never finished (no submit time) and was left out: %(label)s %(rows)s.",
            "%(count)s responses were never finished (no submit time) and were left out: %(label)s %(rows)s.",
            len(reader.skipped),
        ) % {"count": len(reader.skipped), "label": job.row_label.lower(), "rows": rows}
        notes.append(
            {"column": reader.column_of.get("responded_at", ""), "message": message, "stage": "check"}
        )
    if reader.only_cant_say:
        rows = ", ".join(str(row) for row in reader.only_cant_say[:ROWS_NAMED])
        message = ngettext(
            "%(count)s response answered every question “can't say” and was left out: %(label)s %(rows)s.",
            "%(count)s responses answered every question “can't say” and were left out: %(label)s %(rows)s.",
            len(reader.only_cant_say),
        ) % {"count": len(reader.only_cant_say), "label": job.row_label.lower(), "rows": rows}
        notes.append({"column": "", "message": message, "stage": "check"})
    return notes


def _store(job: ResponseImport, prepared: list[Any], row_of: list[int]) -> None:
    result = ingest.store(prepared, len(row_of))
    job.created_count, job.duplicate_count = len(result.created), len(result.duplicates)
    finish(job, ImportStatus.DONE, [], 0)
    record(
        "import.finished",
        actor=job.created_by,
        target=job,
        details={
            "created": job.created_count,
            "duplicates": job.duplicate_count,
            "skipped": job.skipped_count,
        },
    )


def _column_of(reader: RowReader, field: str) -> str:
    """The file column behind an ingest error's field ("answers.csat" → the CSAT column)."""
    if field.startswith("answers."):
        return reader.column_of.get(f"q:{field.removeprefix('answers.')}", "")
    if field == "idempotency_key":
        return reader.column_of.get("external_id", "")
    return reader.column_of.get(field, "")


def finish(job: ResponseImport, status: str, errors: list[RowError], error_count: int) -> None:
    job.status = status
    job.errors = [{"row": e.row or None, "column": e.column, "message": e.message} for e in errors]
    job.error_count = error_count
    job.finished_at = timezone.now()
    fields = ["status", "errors", "error_count", "finished_at", "checked_rows", "created_count"]
    fields += ["duplicate_count", "skipped_count", "notes", "updated_at"]
    if status == ImportStatus.DONE or not job.columns:  # imported, or refused when read
        job.content = b""  # the file may hold personal data: keep it no longer than needed
        job.samples = []
        job.values = {}
        fields += ["content", "samples", "values"]
    job.save(update_fields=fields)

"""Importing responses from another tool's export (LimeSurvey, Webropol, any spreadsheet).

An import goes in four steps:

1. `upload_file` keeps the file in the database (within the size limit) and queues
   its reading; the web request reads nothing else.
2. `read_file` (a background task) reads the whole file once, within the limits of
   `import_files`: its encoding, its header, a first guess of what each column holds,
   the first rows to show beside the column choices, the few different values of each
   column (for the answer-value choices) and how many rows it has.
3. `set_mapping` takes the person's column choices, answer values and what to do with
   unfinished responses, and queues the import.
4. `run_import` (a background task, `import_checks`) checks every row first, through the
   same checks as the ingest API, and reports errors by row and column. Only a file
   without a single error is stored, in one transaction: all or nothing.

`import_in_place` runs the same steps at once in one process, for the `import_responses`
command. Reading the file itself, within its limits, is `import_files`; what a column can
hold, the first guess and turning a row into a response are `import_rows`; how a cell
becomes an answer is `import_values`. This module is the workflow: the job's states.

Every row gets a key: the other tool's response id, or else a fingerprint of what the row
says (see `import_rows.RowReader._content_key`), so importing the same responses again,
even from a file exported anew, stores nothing the second time.
"""

import io
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.organisations.access import has_permission

from .import_checks import CHECK_SLICE, PERMISSION, finish, run_import
from .import_files import AUTO, ENCODINGS, Readable, file_format_of, read_rows, read_upload, resolve_encoding
from .import_rows import RowError, guess_mapping, mapping_choices, option_columns
from .import_values import ValueReader, answer_values, normalised, remember, remembered
from .models import AnswerValueMap, ImportStatus, PartialRows, ResponseImport, SurveyPublication

__all__ = ["CHECK_SLICE", "import_in_place", "read_file", "run_import", "set_mapping", "upload_file"]

logger = logging.getLogger(__name__)

SAMPLE_ROWS = 20  # rows under the header that help guess what a column holds
PREVIEW_ROWS = 3  # rows shown beside the column choices
MAX_VALUES = 30  # different values a column may hold to be offered answer-value choices


# --- Step 1: upload ----------------------------------------------------------------------------


def upload_file(
    user: Any,
    publication: SurveyPublication,
    *,
    file_name: str,
    file: Readable,
    encoding: str = AUTO,
    request: Any = None,
    queue: bool = True,
) -> ResponseImport:
    """Keep the file and queue its reading (`queue=False`: the caller reads it at once);
    nothing is read or imported yet."""
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
    if queue:
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
            finish(job, ImportStatus.REJECTED, [RowError(0, "", " ".join(refused.messages))], 1)
        except Exception:
            logger.exception("Reading import %s stopped", job_id)
            message = _("The file could not be read because of an error. Upload it again.")
            finish(job, ImportStatus.FAILED, [RowError(0, "", message)], 1)


def _read_columns(job: ResponseImport) -> None:
    content = bytes(job.content)
    if job.file_format == "csv":
        job.encoding, note = resolve_encoding(content, job.encoding or AUTO)
        job.notes = [{"column": "", "message": note, "stage": "read"}] if note else []
    rows = read_rows(content, job.file_format, job.encoding)
    header = next(rows, None)
    if header is None:
        raise ValidationError(_("The file is empty."))
    columns = [str(cell).strip() if cell not in (None, "") else "" for cell in header[1]]
    columns = [name or _("Column %(number)s") % {"number": n} for n, name in enumerate(columns, start=1)]
    samples: list[list[Any]] = []
    values: dict[int, dict[str, str] | None] = {}  # column -> normalised value -> as first written
    count = 0
    for _number, cells in rows:
        if len(samples) < SAMPLE_ROWS:
            samples.append(cells)
        _collect_values(values, cells)
        count += 1
        if count % CHECK_SLICE == 0:
            ResponseImport.objects.filter(pk=job.pk).update(total_rows=count)
    if not count:
        raise ValidationError(_("The file has no rows under the header."))
    survey = job.publication.survey
    ResponseImport.objects.filter(pk=job.pk, status=ImportStatus.READING).update(
        status=ImportStatus.MAPPING,
        encoding=job.encoding,
        notes=job.notes,
        columns=columns,
        mapping=guess_mapping(columns, survey.ordered_questions(), samples, _source_names(survey)),
        samples=[["" if cell is None else str(cell)[:40] for cell in row] for row in samples[:PREVIEW_ROWS]],
        values={str(index): list(found.values()) for index, found in values.items() if found is not None},
        total_rows=count,
        updated_at=timezone.now(),
    )


def _collect_values(values: dict[int, dict[str, str] | None], cells: list[Any]) -> None:
    """The different values of each column, as long as there are few of them."""
    for index, cell in enumerate(cells):
        if cell in (None, "") or (found := values.setdefault(index, {})) is None:
            continue
        text = str(cell).strip()[:80]
        found.setdefault(normalised(text), text)
        if len(found) > MAX_VALUES:
            values[index] = None  # free text, ids or times: nothing to choose values for


def _source_names(survey: Any) -> dict[str, str]:
    """The other tool's question codes and wording → the question they answer (a multiple
    choice's options: each its own column)."""
    questions = {q.item_version.item_id: q for q in survey.ordered_questions()}
    names = {}
    for value_map in AnswerValueMap.objects.filter(survey=survey).select_related("item"):
        for name in [value_map.source_code, *value_map.source_texts]:
            if name:
                names[name] = f"q:{value_map.item.code}"
        if (question := questions.get(value_map.item_id)) is not None:
            codes = [value_map.source_code] if value_map.source_code else []
            names |= option_columns(question, codes, value_map.source_texts)
    return names


# --- Step 3: the column choices ---------------------------------------------------------------------


def unread_values(job: ResponseImport) -> dict[str, list[str]]:
    """Column index → the values of a column chosen for a question that cannot be read as
    its answers yet: what the mapping step asks the person to say the meaning of."""
    survey = job.publication.survey
    reader = ValueReader(survey.ordered_questions(), remembered(survey))
    unread = {}
    for index, target in job.mapping.items():
        if target.startswith("q:") and target[2:] in reader.kinds:
            found = [value for value in job.values.get(index, []) if not reader.known(target[2:], value)]
            if found:
                unread[index] = found
    return unread


def set_mapping(
    job: ResponseImport,
    mapping: dict[str, str],
    *,
    partial_rows: str | None = None,
    values: dict[str, dict[str, str]] | None = None,
    request: Any = None,
    queue: bool = True,
) -> None:
    """Check the column choices against the survey, remember the answer values chosen
    (`values`: column index → the file's value → the question's value, "" for can't say)
    and queue the import (`queue=False`: the caller runs it at once)."""
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
    partial_rows = partial_rows or job.partial_rows
    if partial_rows == PartialRows.IMPORT and "started_at" not in columns_of:
        errors.append(
            _("To import unfinished responses, choose the column with their start or last-action time.")
        )
    if errors:
        raise ValidationError(errors)
    _remember_values(job, mapping, values or {}, {q.item_version.item.code: q for q in questions})
    job.mapping = mapping
    job.partial_rows = partial_rows
    job.status = ImportStatus.QUEUED
    job.checked_rows = job.error_count = 0
    job.errors = []
    fields = ["mapping", "partial_rows", "status", "checked_rows", "error_count", "errors", "updated_at"]
    job.save(update_fields=fields)
    if queue:
        from .tasks import run_import as run_import_task  # the tasks module imports this one

        transaction.on_commit(lambda: run_import_task.enqueue(job.pk))


def _remember_values(
    job: ResponseImport, mapping: dict[str, str], values: dict[str, dict[str, str]], by_code: dict[str, Any]
) -> None:
    for index, chosen in values.items():
        target = mapping.get(index, "")
        chosen = {raw: value for raw, value in chosen.items() if value is not None}
        if not target.startswith("q:") or not chosen:
            continue
        question = by_code[target[2:]]
        offered = {value for value, _label in answer_values(question)}
        if not set(chosen.values()) <= offered:
            raise ValidationError(_("Choose each answer value from the list."))
        remember(job.publication.survey, question.item_version.item_id, chosen)


# --- All steps at once ----------------------------------------------------------------------------


def import_in_place(
    user: Any,
    publication: SurveyPublication,
    *,
    file_name: str,
    content: bytes,
    encoding: str = AUTO,
    partial_rows: str = PartialRows.SKIP,
    structure: Any = None,
    columns: dict[str, str] | None = None,
    dry_run: bool = False,
) -> ResponseImport:
    """Import a file at once, in this process, through the same steps as the pages and the
    worker, with the guessed column choices changed by `columns` (column name → what it
    holds as `mapping_choices` name it, "" for nothing). With a LimeSurvey `structure`
    (limesurvey.Structure), its answer codes and labels are remembered for the survey first. Nothing
    at all is kept (not the import, the answer values or a response) when the file has an
    error, or for a dry run: the returned import says what was, or would have been, stored."""
    from .services.survey_import import remember_structure  # services build on this module's models only

    with transaction.atomic():
        if structure is not None:
            remember_structure(publication.survey, structure)
        job = upload_file(
            user, publication, file_name=file_name, file=io.BytesIO(content), encoding=encoding, queue=False
        )
        read_file(job.pk)
        job.refresh_from_db()
        if job.status == ImportStatus.MAPPING:
            mapping = dict(job.mapping)
            for name, target in (columns or {}).items():
                if name not in job.columns:
                    raise ValidationError(_("The file has no column “%(column)s”.") % {"column": name})
                mapping[str(job.columns.index(name))] = target
            set_mapping(job, mapping, partial_rows=partial_rows, queue=False)
            run_import(job.pk)
            job.refresh_from_db()
        if dry_run or job.status != ImportStatus.DONE:
            transaction.set_rollback(True)
    return job

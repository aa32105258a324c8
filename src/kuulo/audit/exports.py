"""The one export path: every CSV or XLSX download goes through `spreadsheet()`, or, when
it takes too long for a request, through an `Export` made in the background
(`start_export`, `finish_export`, `download`).

It writes the rows, neutralises text that a spreadsheet would run as a formula (a text
cell starting with =, +, -, @ or a control character gets a leading apostrophe, unless
it is a plain number such as the age group "-17"; numbers stay numbers), and records the
export in the audit log with what was exported.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Export, ExportStatus
from .services import record

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")  # "-17": a label, no formula
EXPORT_KEEP_DAYS = 7
EXPORT_STALLED_HOURS = 6  # far beyond the longest export (200,000 rows)


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet should show it: text never starts a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_file(header: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str) -> tuple[bytes, int]:
    """The rows as the content of a CSV or XLSX file, and how many there were. Rows are
    written as they come (an iterator of a year's responses is never held whole)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    counted = [0]

    def table() -> Iterator[list[Any]]:
        yield [safe_cell(str(cell)) for cell in header]
        for row in rows:
            counted[0] += 1
            yield [safe_cell(cell) for cell in row]

    return (_xlsx(table()) if fmt == "xlsx" else _csv(table())), counted[0]


def spreadsheet(
    request: HttpRequest,
    *,
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    fmt: str,
    details: dict[str, Any] | None = None,
) -> HttpResponse:
    """The rows as a CSV or XLSX download, audit-logged."""
    content, count = spreadsheet_file(header, rows, fmt)
    record(
        "data.exported",
        request=request,
        details={"file": f"{filename}.{fmt}", "rows": count, **(details or {})},
    )
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _csv(table: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    # Semicolons and a byte-order mark: Excel with Finnish settings opens it as it is.
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows([_csv_cell(cell) for cell in row] for row in table)
    return buffer.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> Any:
    """Decimal commas, as the semicolons: Finnish Excel reads 4.2 as the 4th of February."""
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    return value


def _xlsx(table: Iterable[list[Any]]) -> bytes:
    import openpyxl  # only exports need it

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Exports made in the background ----------------------------------------------------------------


def delete_expired_exports(*, now: Any = None, dry_run: bool = False) -> int:
    """Delete the exports older than EXPORT_KEEP_DAYS (they hold single responses): when a new
    one is asked for, and every day with the retention run, so none outlives its week."""
    expired = Export.objects.filter(created_at__lt=(now or timezone.now()) - timedelta(days=EXPORT_KEEP_DAYS))
    count = expired.count()
    if not dry_run:
        expired.delete()
    return count


def fail_stalled_exports(*, now: Any = None, dry_run: bool = False) -> int:
    """Mark failed the exports still waiting or being made EXPORT_STALLED_HOURS after they
    were asked for (a worker stopped mid-way), so their pages stop waiting and say to ask
    again. Run every day with the retention run."""
    cutoff = (now or timezone.now()) - timedelta(hours=EXPORT_STALLED_HOURS)
    stalled = list(
        Export.objects.filter(status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING], created_at__lt=cutoff)
    )
    if not dry_run:
        for export in stalled:
            with translation.override(export.language):
                fail_export(export, _("The export did not finish. Please ask for it again."))
    return len(stalled)


def start_export(
    user: Any, *, organisation: Any, kind: str, fmt: str, parameters: dict[str, Any], language: str
) -> Export:
    """A queued export of the user's; the caller's task makes it (after this commits).
    Exports older than EXPORT_KEEP_DAYS are deleted: they hold single responses."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    delete_expired_exports()
    return Export.objects.create(
        organisation=organisation,
        requested_by=user,
        kind=kind,
        file_format=fmt,
        parameters=parameters,
        language=language,
    )


def claim_export(export_id: int) -> Export | None:
    """The queued export, now running; None if another run has it (tasks may run twice)."""
    if not Export.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, progress=5
    ):
        return None
    return Export.objects.select_related("organisation", "requested_by").get(pk=export_id)


def set_progress(export: Export, percent: int) -> None:
    Export.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(progress=min(max(percent, 5), 99))


@transaction.atomic
def finish_export(
    export: Export, *, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    export.content, export.rows = spreadsheet_file(header, rows, export.file_format)
    export.file_name = f"{filename}.{export.file_format}"
    export.status, export.progress, export.finished_at = ExportStatus.DONE, 100, timezone.now()
    export.save(update_fields=["content", "rows", "file_name", "status", "progress", "finished_at"])


def fail_export(export: Export, message: str) -> None:
    export.status, export.progress, export.error = ExportStatus.FAILED, 100, message
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "progress", "error", "finished_at"])


def download(request: HttpRequest, export: Export) -> HttpResponse:
    """A finished export as an attachment, recorded in the audit log like every export."""
    record(
        "data.exported",
        request=request,
        details={"file": export.file_name, "rows": export.rows, "view": export.kind, **export.parameters},
    )
    response = HttpResponse(bytes(export.content), content_type=FORMATS[export.file_format])
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    return response

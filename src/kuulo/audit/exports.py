"""The one export path: every CSV or XLSX download goes through `spreadsheet()`.

It writes the rows, neutralises text that a spreadsheet would run as a formula (a cell
starting with =, +, -, @ or a control character gets a leading apostrophe; numbers stay
numbers), and records the export in the audit log with what was exported.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse

from .services import record

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet should show it: text never starts a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    table = [[safe_cell(str(cell)) for cell in header]] + [[safe_cell(cell) for cell in row] for row in rows]
    content = _xlsx(table) if fmt == "xlsx" else _csv(table)
    record(
        "data.exported",
        request=request,
        details={"file": f"{filename}.{fmt}", "rows": len(table) - 1, **(details or {})},
    )
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _csv(table: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    # Semicolons and a byte-order mark: Excel with Finnish settings opens it as it is.
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows([_csv_cell(cell) for cell in row] for row in table)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value: Any) -> Any:
    """Decimal commas, as the semicolons: Finnish Excel reads 4.2 as the 4th of February."""
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    return value


def _xlsx(table: list[list[Any]]) -> bytes:
    import openpyxl  # only exports need it

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

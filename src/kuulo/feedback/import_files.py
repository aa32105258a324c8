"""Reading an uploaded CSV or XLSX file within limits, one row at a time.

An import must never let a file decide how much memory or time a worker spends: the
upload is read in chunks and refused past `MAX_FILE_BYTES`, rows are read one at a time
and the file is refused at the first row past `MAX_ROWS` (nothing builds a list of all
rows), and an XLSX sheet's claimed size is checked before any row is read and not
trusted after that.
"""

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000  # rows under the header, blank ones included, as the file numbers them
MAX_COLUMNS = 1000
READ_CHUNK = 1024 * 1024

ENCODINGS = [
    ("utf-8", gettext_lazy("UTF-8 (LimeSurvey, Webropol and most tools)")),
    ("cp1252", gettext_lazy("Windows-1252 (CSV saved by older Excel)")),
]
# What a decoder makes of bytes that are not text in the chosen encoding (errors="surrogateescape").
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def file_format_of(file_name: str) -> str:
    name = file_name.lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".csv", ".txt", ".tsv")):
        return "csv"
    raise ValidationError(
        {"file": _("Choose a CSV or XLSX file. Save older Excel files (.xls) as XLSX first.")}
    )


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def read_upload(file: Readable) -> tuple[bytes, str]:
    """The uploaded file's bytes and their SHA-256, read in chunks. Reads at most one byte
    past the limit: a larger file is refused without reading the rest of it."""
    content = bytearray()
    digest = hashlib.sha256()
    while len(content) <= MAX_FILE_BYTES:
        chunk = file.read(min(READ_CHUNK, MAX_FILE_BYTES + 1 - len(content)))
        if not chunk:
            return bytes(content), digest.hexdigest()
        content += chunk
        digest.update(chunk)
    raise ValidationError({"file": _("The file is larger than 50 MB. Split it into smaller files.")})


def read_rows(content: bytes, file_format: str, encoding: str) -> Iterator[tuple[int, list[Any]]]:
    """The file's non-empty rows as (row number as the file shows it, cells), header first.
    Raises ValidationError, naming the line where it can, when the file cannot be read or
    passes the limits; rows before that have been yielded already."""
    rows = _xlsx_rows(content) if file_format == "xlsx" else _csv_rows(content, encoding)
    for number, cells in rows:
        if number > MAX_ROWS + 1:
            raise _too_many_rows()
        if len(cells) > MAX_COLUMNS:
            raise _too_many_columns()
        if any(cell not in (None, "") for cell in cells):
            yield number, cells


def _too_many_rows() -> ValidationError:
    return ValidationError(
        {"file": _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": MAX_ROWS}}
    )


def _too_many_columns() -> ValidationError:
    return ValidationError(
        {
            "file": _("The file has more than %(max)s columns. Leave out the columns you do not need.")
            % {"max": MAX_COLUMNS}
        }
    )


def _csv_rows(content: bytes, encoding: str) -> Iterator[tuple[int, list[Any]]]:
    # Decoded as it is read, never as one string; any line ending (\n, \r\n, \r) ends a line.
    text = io.TextIOWrapper(
        io.BytesIO(content),
        encoding="utf-8-sig" if encoding == "utf-8" else encoding,
        errors="surrogateescape",
        newline="",
    )
    lines = _decoded_lines(text, encoding)
    header = next(lines, "")
    reader = csv.reader(_chain(header, lines), delimiter=_delimiter(header), strict=True)
    try:
        # Rows are numbered as a spreadsheet shows them (a quoted cell may span lines).
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise ValidationError(
            {"file": _("Line %(line)s cannot be read: %(error)s") % {"line": reader.line_num, "error": error}}
        ) from None


def _decoded_lines(text: Iterable[str], encoding: str) -> Iterator[str]:
    for line_number, line in enumerate(text, start=1):
        if _UNDECODABLE.search(line):
            raise ValidationError(
                {
                    "file": _(
                        "The file is not %(encoding)s text: line %(line)s has bytes that cannot be read. "
                        "Choose the encoding the file was saved in, or save it as UTF-8."
                    )
                    % {"encoding": dict(ENCODINGS).get(encoding, encoding), "line": line_number}
                }
            )
        yield line


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _delimiter(header: str) -> str:
    """Comma, semicolon (Excel with Finnish settings) or tab: whichever the header uses most."""
    return max([",", ";", "\t"], key=header.count)


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl  # imported here: only imports need it, and it is slow to import
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ValidationError({"file": _("The file is not a readable XLSX workbook.")}) from None
    try:
        if not workbook.worksheets:
            raise ValidationError({"file": _("The file is not a readable XLSX workbook.")})
        sheet = workbook.worksheets[0]
        # The size the sheet claims, checked before reading a row: a small file can claim
        # a million rows, and openpyxl would hand out every claimed row and column.
        if (sheet.max_row or 0) > MAX_ROWS + 1:
            raise _too_many_rows()
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise _too_many_columns()
        # Then read what is there, not what is claimed (a claim may also be too small);
        # read_rows stops at the first row past the limit.
        sheet.reset_dimensions()
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = list(cells)
            while values and values[-1] in (None, ""):
                values.pop()
            yield number, values
    finally:
        workbook.close()

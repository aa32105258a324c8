"""Reading an uploaded CSV or XLSX file within limits, one row at a time.

An import must never let a file decide how much memory or time a worker spends: the
upload is read in chunks and refused past `MAX_FILE_BYTES`, rows are read one at a time
and the file is refused at the first row past `MAX_ROWS` (nothing builds a list of all
rows), and an XLSX sheet's claimed size is checked before any row is read and not
trusted after that.

A CSV file's encoding is detected (`resolve_encoding`): a byte order mark always wins, so
a wrong choice cannot mangle a column silently. Rows are numbered as the person will look
for them: a CSV row by the file line it starts on (a quoted comment may span lines), an
XLSX row by its sheet row. A spreadsheet cell holding a formula or an error is handed out
as a `SheetCell`, so the import can report it instead of dropping it.
"""

import codecs
import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from charset_normalizer import from_bytes
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000  # rows under the header, blank ones included, as the file numbers them
MAX_COLUMNS = 1000
READ_CHUNK = 1024 * 1024

AUTO = "auto"
ENCODINGS = [
    (AUTO, gettext_lazy("Detect it from the file")),
    ("utf-8", gettext_lazy("UTF-8 (LimeSurvey, Webropol and most tools)")),
    ("cp1252", gettext_lazy("Windows-1252 (CSV saved by older Excel)")),
]
# The encodings a file can be read in: those one can choose, and UTF-16 (Excel's
# "Unicode text"), which is only ever taken from the file's byte order mark.
READABLE = {"utf-8", "cp1252", "utf-16", "utf-16-le", "utf-16-be"}
DETECT_SAMPLE = 256 * 1024
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


def resolve_encoding(content: bytes, chosen: str) -> tuple[str, str]:
    """The encoding to read a CSV file in, and a note when it is not the one chosen.

    A byte order mark decides; without one, "auto" takes UTF-8 if the whole file is UTF-8
    and otherwise asks charset-normalizer, and a file chosen as Windows-1252 that is in
    fact UTF-8 with letters beyond ASCII is read as UTF-8 (read as Windows-1252, every
    "ä" would become "Ã¤"). A file chosen as UTF-8 that is not is refused when read,
    naming its first unreadable line."""
    names = dict(ENCODINGS)
    if content.startswith(codecs.BOM_UTF8):
        encoding = "utf-8"
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif chosen == AUTO:
        encoding = "utf-8" if _is_utf8(content) else _eight_bit(content)
        return encoding, ""
    elif chosen == "cp1252" and not content.isascii() and _is_utf8(content):
        return "utf-8", _(
            "The file is UTF-8 text, not Windows-1252: it was read as UTF-8, so that no letter is mangled."
        )
    else:
        return chosen, ""
    if chosen in (AUTO, encoding):
        return encoding, ""
    return encoding, _(
        "The file starts with a byte order mark saying it is %(encoding)s: it was read so, not as %(chosen)s."
    ) % {"encoding": "UTF-8" if encoding == "utf-8" else "UTF-16", "chosen": names.get(chosen, chosen)}


def _is_utf8(content: bytes) -> bool:
    """Whether the bytes are UTF-8, checked a chunk at a time (no copy of the whole file)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(content), READ_CHUNK):
            decoder.decode(content[start : start + READ_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _eight_bit(content: bytes) -> str:
    """The encoding of a file that is not UTF-8: Windows-1252 when its text reads as such
    (any 8-bit Finnish or Swedish text does), UTF-16 without its mark when it is that, and
    otherwise the file is refused rather than read as something it is not."""
    sample = content[:DETECT_SAMPLE]
    if from_bytes(sample, cp_isolation=["cp1252"]).best() is not None:
        return "cp1252"
    best = from_bytes(sample).best()
    if best is not None and best.encoding in ("utf_16_le", "utf_16_be"):
        return best.encoding.replace("_", "-")
    raise ValidationError(
        {"file": _("The file's encoding cannot be recognised. Save it as UTF-8 (in Excel: CSV UTF-8).")}
    )


@dataclass(frozen=True)
class SheetCell:
    """A spreadsheet cell that holds no plain value: a formula or an error (#N/A, #DIV/0!)."""

    kind: str  # "formula" or "error"
    text: str

    def __str__(self) -> str:
        return self.text


def read_rows(content: bytes, file_format: str, encoding: str) -> Iterator[tuple[int, list[Any]]]:
    """The file's non-empty rows as (row number as the file shows it, cells), header first:
    a CSV row's number is the line it starts on, an XLSX row's its sheet row. Raises
    ValidationError, naming the line where it can, when the file cannot be read or passes
    the limits; rows before that have been yielded already."""
    rows = _xlsx_rows(content) if file_format == "xlsx" else _csv_rows(content, encoding)
    for count, (number, cells) in enumerate(rows, start=1):
        if count > MAX_ROWS + 1:
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
    if encoding not in READABLE:
        encoding = resolve_encoding(content, AUTO)[0]
    text = io.TextIOWrapper(
        io.BytesIO(content),
        encoding="utf-8-sig" if encoding == "utf-8" else encoding,
        errors="surrogateescape",
        newline="",
    )
    lines = _decoded_lines(text, encoding)
    header = next(lines, "")
    reader = csv.reader(_chain(header, lines), delimiter=_delimiter(header), strict=True)
    line = 0
    try:
        # A row is numbered by the file line it starts on (a quoted cell may span lines).
        for cells in reader:
            yield line + 1, cells
            line = reader.line_num
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
                    % {"encoding": dict(ENCODINGS).get(encoding, encoding.upper()), "line": line_number}
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
        # Not data_only: a formula is seen as a formula (its cached result may be stale or
        # missing), to be reported rather than read as if it were a value.
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
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
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            values = [_cell_value(cell) for cell in cells]
            while values and values[-1] in (None, ""):
                values.pop()
            yield number, values
    finally:
        workbook.close()


def _cell_value(cell: Any) -> Any:
    data_type = getattr(cell, "data_type", None)
    if data_type == "f":
        return SheetCell("formula", str(getattr(cell.value, "text", None) or cell.value))
    if data_type == "e":
        return SheetCell("error", str(cell.value))
    return cell.value

"""Imports that cannot exhaust a worker: the upload is read no further than its size
limit, rows and columns are counted while they are read, and a spreadsheet's claimed size
is checked before any row is read."""

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from kuulo.feedback import import_files
from kuulo.feedback.models import ResponseImport, SurveyPublication
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World

from .importing import counting_rows, refusal, signed_in, upload, xlsx

pytestmark = pytest.mark.usefixtures("english")  # conftest.py: messages in English


def test_a_file_larger_than_the_limit_is_refused_without_reading_past_the_limit(
    world: World, publication: SurveyPublication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_files, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(import_files, "READ_CHUNK", 64)
    client = signed_in(world, Role.CX_LEAD)
    response = upload(client, publication, b"csat\n" + b"5\n" * 5000)
    assert response.status_code == 200
    assert "The file is larger than 50 MB" in response.content.decode()
    assert not ResponseImport.objects.exists()  # nothing of it is stored
    # The upload is read in chunks, and no further than one byte past the limit.
    file = io.BytesIO(b"5\n" * 100_000)
    with pytest.raises(ValidationError, match="larger than"):
        import_files.read_upload(file)
    assert file.tell() == 1001
    # A file of exactly the limit is taken.
    exactly = b"csat\n" + b"5\n" * 497 + b"\n"
    assert len(exactly) == 1000 and upload(client, publication, exactly).status_code == 302


def test_reading_stops_at_the_first_row_past_the_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_files, "MAX_ROWS", 5)
    handed_out = counting_rows(monkeypatch, "_csv_rows")
    rows = import_files.read_rows(b"csat\n" + b"5\n" * 100_000, "csv", "utf-8")
    with pytest.raises(ValidationError, match="more than 5 rows"):
        for _row in rows:
            pass
    assert handed_out == [1, 2, 3, 4, 5, 6, 7]  # the header, five rows, and the one too many
    # Five rows are fine; blank lines count as the file numbers them.
    assert len(list(import_files.read_rows(b"csat\n" + b"5\n" * 5, "csv", "utf-8"))) == 6
    with pytest.raises(ValidationError, match="more than 5 rows"):
        list(import_files.read_rows(b"csat\n5\n\n\n\n\n5\n", "csv", "utf-8"))


def xlsx_claiming(dimension: str, far_row: int | None = None) -> bytes:
    """A small workbook whose sheet claims another size, or has one cell far below the rest."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([["csat", "open"], [5, "ok"], [4, "hyvä"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data)
                if far_row:
                    far = f'<row r="{far_row}"><c r="A{far_row}" t="n"><v>5</v></c></row></sheetData>'
                    data = data.replace(b"</sheetData>", far.encode())
            target.writestr(info, data)
    return buffer.getvalue()


def counting_sheet_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows openpyxl hands out, claimed ones included."""
    handed_out = [0]
    cells_by_row = ReadOnlyWorksheet._cells_by_row  # type: ignore[attr-defined]  # what iter_rows uses

    def counted(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for row in cells_by_row(*args, **kwargs):
            handed_out[0] += 1
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counted)
    return handed_out


@pytest.mark.parametrize(
    ("dimension", "message"),
    [("A1:B1048576", "more than 200000 rows"), ("A1:XFD3", "more than 1000 columns")],
)
def test_an_xlsx_sheet_claiming_a_huge_size_is_refused_before_any_row_is_read(
    monkeypatch: pytest.MonkeyPatch, dimension: str, message: str
) -> None:
    handed_out = counting_sheet_rows(monkeypatch)
    rows = import_files.read_rows(xlsx_claiming(dimension), "xlsx", "")
    with pytest.raises(ValidationError, match=message):
        next(rows)
    assert handed_out == [0]


def test_an_xlsx_sheet_is_read_as_it_is_not_as_it_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    # Claiming fewer columns than it has does not hide a column.
    assert [cells for _n, cells in import_files.read_rows(xlsx_claiming("A1:A3"), "xlsx", "")] == [
        ["csat", "open"],
        [5, "ok"],
        [4, "hyvä"],
    ]
    # A cell a million rows down, under a claim of three rows: reading stops past the limit.
    monkeypatch.setattr(import_files, "MAX_ROWS", 30)
    handed_out = counting_sheet_rows(monkeypatch)
    with pytest.raises(ValidationError, match="more than 30 rows"):
        list(import_files.read_rows(xlsx_claiming("A1:B3", far_row=1_048_576), "xlsx", ""))
    assert handed_out == [32]


def test_a_file_with_more_rows_than_the_limit_is_refused_when_read(
    world: World, publication: SurveyPublication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_files, "MAX_ROWS", 5)
    handed_out = counting_rows(monkeypatch, "_csv_rows")
    client = signed_in(world, Role.CX_LEAD)
    upload(client, publication, b"csat\n" + b"5\n" * 100_000)
    assert "The file has more than 5 rows." in refusal(client, ResponseImport.objects.get())
    assert handed_out == [1, 2, 3, 4, 5, 6, 7]  # read up to the first row too many, no further


def test_an_xlsx_file_claiming_a_million_rows_is_refused_when_read(
    world: World, publication: SurveyPublication, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed_out = counting_sheet_rows(monkeypatch)
    client = signed_in(world, Role.CX_LEAD)
    upload(client, publication, xlsx_claiming("A1:XFD1048576", far_row=1_048_576), "export.xlsx")
    assert "more than 200000 rows" in refusal(client, ResponseImport.objects.get())
    assert handed_out == [0]

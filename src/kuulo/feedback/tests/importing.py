"""Helpers the import tests share: signing in, uploading and running an import as the
worker would, and building CSV and XLSX files."""

import csv
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from kuulo.feedback import import_files
from kuulo.feedback.models import (
    ImportStatus,
    ResponseImport,
    SurveyPublication,
)
from kuulo.organisations.testing import World, client_for


def counting_rows(monkeypatch: pytest.MonkeyPatch, reader: str) -> list[int]:
    """Row numbers as the file reader hands them out, to see how far a file was read."""
    handed_out: list[int] = []
    read = getattr(import_files, reader)

    def counted(*args: Any) -> Iterator[tuple[int, list[Any]]]:
        for number, cells in read(*args):
            handed_out.append(number)
            yield number, cells

    monkeypatch.setattr(import_files, reader, counted)
    return handed_out


def signed_in(world: World, role: str) -> Any:
    """A client for this role's user, who reads Kuulo in English (the assertions are in English)."""
    user = world.users[role]
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user)


def upload(
    client: Any, publication: SurveyPublication, content: bytes, name: str = "export.csv", **extra: Any
) -> Any:
    """Upload a file; the worker reads it once the upload is stored, as a worker would."""
    data = {"publication": publication.pk, "file": SimpleUploadedFile(name, content), "encoding": "utf-8"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/feedback/imports/", {**data, **extra})


def refusal(client: Any, job: ResponseImport) -> str:
    """The message a file was refused with when read, as the import's page shows it."""
    job.refresh_from_db()
    assert (job.status, job.columns, job.content) == (ImportStatus.REJECTED, [], b"")  # nothing kept
    page = client.get(f"/feedback/imports/{job.pk}/").content.decode()
    assert "Nothing was imported" in page and 'name="column_0"' not in page
    assert job.errors[0]["message"] in page
    return str(job.errors[0]["message"])


def import_file(
    client: Any,
    publication: SurveyPublication,
    content: bytes,
    captured: Any,
    name: str = "export.csv",
    **extra: Any,
) -> ResponseImport:
    """Upload, accept the guessed columns and run the import as the worker would."""
    response = upload(client, publication, content, name, **extra)
    assert response.status_code == 302, response.content.decode()
    job = ResponseImport.objects.latest("pk")
    mapping = {f"column_{index}": target for index, target in job.mapping.items()}
    with captured(execute=True):
        response = client.post(f"/feedback/imports/{job.pk}/", mapping)
    assert response.status_code == 302, response.content.decode()
    job.refresh_from_db()
    return job


def xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_csv(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows([[cell.replace("\n", newline) for cell in row] for row in rows])
    return buffer.getvalue()

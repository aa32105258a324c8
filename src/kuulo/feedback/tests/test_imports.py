"""Importing responses from CSV and XLSX exports: column choices, all-or-nothing checks
with errors by row and column, progress, and scope (re-imports: test_reimports.py)."""

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kuulo.feedback import imports, services
from kuulo.feedback.models import (
    Answer,
    Channel,
    Dimension,
    ImportStatus,
    ItemKind,
    Response,
    ResponseImport,
    SurveyPublication,
)
from kuulo.feedback.testing import make_publication, make_survey
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World

from .importing import counting_rows, import_file, refusal, signed_in, upload

pytestmark = pytest.mark.usefixtures("english")  # conftest.py: messages in English

HELSINKI = ZoneInfo("Europe/Helsinki")


GOOD_CSV = (
    "id;Date submitted;Language;csat;open;Campus\n"
    "17;2026-03-02 09:15;fi;5;Kiitos avusta!;Pasila\n"
    "18;3.3.2026 14:05;svenska;4;;Vallila\n"
    '19;2026-03-04T10:00:00+02:00;EN;2;"Long queue,\nslow service";Pasila\n'
)


def test_a_good_csv_file_is_imported_with_its_times_languages_and_attributes(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    world.org.response_attributes = ["campus"]
    world.org.save()
    client = signed_in(world, Role.MANAGER)
    response = upload(client, publication, ("\ufeff" + GOOD_CSV).encode())
    job = ResponseImport.objects.get()
    assert response.url == f"/feedback/imports/{job.pk}/"
    # The column names were recognised: LimeSurvey's id and date, the item codes.
    assert job.mapping == {
        "0": "external_id",
        "1": "responded_at",
        "2": "language",
        "3": "q:csat",
        "4": "q:open",
    }
    page = client.get(f"/feedback/imports/{job.pk}/").content.decode()
    assert "Kiitos avusta!" in page  # the first rows are shown beside the column choices

    mapping = {f"column_{index}": target for index, target in job.mapping.items()} | {"column_5": "attribute"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/feedback/imports/{job.pk}/", mapping)
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.created_count, job.errors) == (ImportStatus.DONE, 3, 3, [])
    assert job.content == b""  # the file is not kept once imported

    stored = {r.source_key: r for r in Response.objects.filter(publication=publication)}
    assert set(stored) == {f"import:{publication.code}:{n}" for n in (17, 18, 19)}
    first, second, third = (stored[f"import:{publication.code}:{n}"] for n in (17, 18, 19))
    assert first.responded_at == datetime(2026, 3, 2, 9, 15, tzinfo=HELSINKI)
    assert second.responded_at == datetime(2026, 3, 3, 14, 5, tzinfo=HELSINKI)
    assert third.responded_at == datetime(2026, 3, 4, 8, 0, tzinfo=ZoneInfo("UTC"))
    assert [r.language for r in (first, second, third)] == ["fi", "sv", "en"]
    assert {r.channel for r in stored.values()} == {Channel.IMPORT}
    assert first.attributes == {"campus": "Pasila"}
    assert first.unit == world.unit and first.touchpoint == publication.survey.touchpoint
    answers = {(str(a.response.source_key)[-2:], a.item_version.item.code): a for a in Answer.objects.all()}
    assert answers[("17", "csat")].number == 5 and answers[("19", "open")].text == "Long queue,\nslow service"
    assert ("18", "open") not in answers  # an empty cell is an unanswered question


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # Out of scale, and a number that is not whole.
        (
            b"csat,open\n5,ok\n9,ok\n4.5,ok\n",
            [(3, "csat", "between 1 and 5"), (4, "csat", "not a whole number")],
        ),
        # A broken row: one cell too many (an unquoted comma in the comment).
        (b"csat,open\n5,ok\n4,slow, but friendly\n", [(3, "", "3 cells; the header has 2")]),
        # A time that is not a time, and one in the future.
        (
            b"csat,date\n5,yesterday\n4,2099-01-01 10:00\n",
            [(2, "date", "not a date and time"), (3, "date", "in the future")],
        ),
        # A language we do not serve, and the same response id twice.
        (
            b"id,csat,language\n1,5,de\n1,4,fi\n",
            [(2, "language", "fi, sv or en"), (3, "id", "on line 2 too")],
        ),
        # A row without any answer.
        (b"id,csat,open\n1,5,ok\n2,,\n", [(3, "", "at least one question")]),
    ],
)
def test_a_file_with_bad_rows_is_rejected_with_row_and_column_errors_and_nothing_stored(
    world: World,
    publication: SurveyPublication,
    django_capture_on_commit_callbacks: Any,
    content: bytes,
    expected: list[tuple[int, str, str]],
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    job = import_file(client, publication, content, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.REJECTED
    found = [(e["row"], e["column"], e["message"]) for e in job.errors]
    assert len(found) == len(expected) == job.error_count, found
    for (row, column, message), (want_row, want_column, want_text) in zip(found, expected, strict=True):
        assert (row, column) == (want_row, want_column) and want_text in message, found
    assert Response.objects.count() == 0 and Answer.objects.count() == 0
    page = client.get(f"/feedback/imports/{job.pk}/").content.decode()
    assert "Nothing was imported" in page and expected[0][2] in page
    assert 'name="column_0"' in page  # the column choices can be changed and the import run again


def test_one_bad_row_at_the_end_of_a_long_file_keeps_the_whole_file_out(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [f"{n % 5 + 1},Rivi {n}" for n in range(2500)] + ["6,Liian suuri"]
    content = ("csat,open\n" + "\n".join(rows) + "\n").encode()
    job = import_file(
        signed_in(world, Role.CX_LEAD), publication, content, django_capture_on_commit_callbacks
    )
    assert (job.status, job.total_rows, job.checked_rows) == (ImportStatus.REJECTED, 2501, 2501)
    assert [(e["row"], e["column"]) for e in job.errors] == [(2502, "csat")]
    assert Response.objects.count() == 0


def test_a_file_in_the_wrong_encoding_is_refused_with_its_line(
    world: World, publication: SurveyPublication
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    content = "csat,open\n5,Hyvä\n4,Kiitos\n".encode("cp1252")
    assert upload(client, publication, content).status_code == 302
    assert "line 2 has bytes that cannot be read" in refusal(client, ResponseImport.objects.get())
    # Told the right encoding, the same file is read correctly.
    assert upload(client, publication, content, encoding="cp1252").status_code == 302
    job = ResponseImport.objects.latest("pk")
    assert (job.status, job.total_rows, job.samples[0]) == (ImportStatus.MAPPING, 2, ["5", "Hyvä"])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("export.xlsx", b"not a workbook", "not a readable XLSX workbook"),
        ("export.csv", b"\n\n", "The file is empty."),
        ("export.csv", b"csat,open\n\n", "no rows under the header"),
        ("export.csv", b'csat,open\n5,"never closed\n', "cannot be read"),
    ],
)
def test_files_that_cannot_be_read_are_refused(
    world: World, publication: SurveyPublication, name: str, content: bytes, message: str
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    assert upload(client, publication, content, name).status_code == 302
    assert message in refusal(client, ResponseImport.objects.get())
    assert Response.objects.count() == 0


def test_a_file_that_is_no_csv_or_xlsx_is_refused_at_upload(
    world: World, publication: SurveyPublication
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    response = upload(client, publication, b"\xd0\xcf\x11\xe0", "export.xls")
    assert "Save older Excel files (.xls) as XLSX" in response.content.decode()
    assert not ResponseImport.objects.exists()


def test_the_upload_only_stores_the_file_and_the_worker_reads_it(
    world: World,
    publication: SurveyPublication,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    content = GOOD_CSV.encode()
    read_in_request = counting_rows(monkeypatch, "_csv_rows")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/feedback/imports/",
            {
                "publication": publication.pk,
                "file": SimpleUploadedFile("export.csv", content),
                "encoding": "utf-8",
            },
        )
    job = ResponseImport.objects.get()
    assert response.url == f"/feedback/imports/{job.pk}/"
    assert read_in_request == []  # not a row read in the web request
    assert (job.status, job.content, job.columns, job.mapping) == (ImportStatus.READING, content, [], {})
    progress = client.get(f"/feedback/imports/{job.pk}/progress/").json()
    assert progress == {"running": True, "percent": 0, "text": "Reading the file"}
    page = client.get(f"/feedback/imports/{job.pk}/").content.decode()
    assert '<progress id="import-progress"' in page and 'name="column_0"' not in page

    for callback in callbacks:  # the worker reads the file
        callback()
    job.refresh_from_db()
    assert read_in_request == [1, 2, 3, 4]
    assert (job.status, job.total_rows) == (ImportStatus.MAPPING, 3)
    assert job.columns == ["id", "Date submitted", "Language", "csat", "open", "Campus"]
    assert job.mapping["0"] == "external_id" and job.mapping["3"] == "q:csat"
    assert job.samples[2] == [
        "19",
        "2026-03-04T10:00:00+02:00",
        "EN",
        "2",
        "Long queue,\nslow service",
        "Pasila",
    ]
    progress = client.get(f"/feedback/imports/{job.pk}/progress/").json()
    assert progress == {"running": False, "percent": 0, "text": "Waiting for column choices"}
    page = client.get(f"/feedback/imports/{job.pk}/").content.decode()
    assert 'name="column_0"' in page and "Kiitos avusta!" in page
    imports.read_file(job.pk)  # a second run of the task changes nothing
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING


def test_the_column_choices_are_checked_against_the_survey(
    world: World, publication: SurveyPublication
) -> None:
    question = publication.survey.questions.get(item_version__item__code="csat")
    question.required = True
    question.save()
    client = signed_in(world, Role.CX_LEAD)
    upload(client, publication, b"Arvosana,Kommentti,Toinen\n5,ok,x\n")
    job = ResponseImport.objects.get()
    assert job.mapping == {}  # nothing recognised
    page = client.post(
        f"/feedback/imports/{job.pk}/", {"column_1": "q:open", "column_2": "q:open"}
    ).content.decode()
    assert "The file has no column for the required question" in page
    assert "Only one column can hold" in page and "Kommentti, Toinen" in page
    page = client.post(f"/feedback/imports/{job.pk}/", {"column_0": "q:nps"}).content.decode()
    assert "Select a valid choice" in page  # not a question of this survey
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING


def test_an_xlsx_file_with_spreadsheet_dates_and_labels_is_imported(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    item = services.create_item(
        organisation=world.org,
        code="channel-used",
        kind=ItemKind.MULTIPLE_CHOICE,
        dimension=Dimension.OTHER,
        text_fi="Mitä kanavia käytit?",
        choices=[
            {"value": "web", "fi": "Verkkosivut", "sv": "Webbplatsen", "en": "Website"},
            {"value": "phone", "fi": "Puhelin", "sv": "Telefon", "en": "Phone"},
        ],
    )
    survey = make_survey(world.org, items=("nps", "resolved"))
    services.add_question(survey, item.versions.get())
    publication = services.publish_survey(survey, [world.unit])[0]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Vastausaika", "nps", "resolved", "Mitä kanavia käytit?", "Vastaaja", "Ikäryhmä"])
    sheet.append([datetime(2026, 5, 4, 12, 30), 9, "kyllä", "Puhelin; website", "Opiskelija", "18–29"])
    sheet.append([datetime(2026, 5, 5, 8, 0), 10.0, 0, "phone", "employer", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = signed_in(world, Role.CX_LEAD)
    upload(client, publication, buffer.getvalue(), "webropol.xlsx")
    job = ResponseImport.objects.get()
    assert job.mapping == {
        "0": "responded_at",
        "1": "q:nps",
        "2": "q:resolved",
        "3": "q:channel-used",
        "4": "respondent_type",
        "5": "age_band",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/feedback/imports/{job.pk}/", {f"column_{i}": t for i, t in job.mapping.items()})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    first = Response.objects.get(responded_at=datetime(2026, 5, 4, 12, 30, tzinfo=HELSINKI))
    assert (first.respondent_type, first.age_band) == ("student", "18-29")
    values = {a.item_version.item.code: a for a in first.answers.all()}
    assert values["nps"].number == 9 and values["resolved"].number == 1
    assert values["channel-used"].choices == ["phone", "web"]


def test_progress_is_reported_while_queued_and_when_done(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    upload(client, publication, b"csat\n5\n4\n")
    job = ResponseImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"/feedback/imports/{job.pk}/", {"column_0": "q:csat"})
    progress = client.get(f"/feedback/imports/{job.pk}/progress/").json()
    assert progress == {"running": True, "percent": 0, "text": "Queued"}
    page = client.get(f"/feedback/imports/{job.pk}/").content.decode()
    assert '<progress id="import-progress" max="100" value="0"' in page
    for callback in callbacks:  # the worker picks the import up
        callback()
    progress = client.get(f"/feedback/imports/{job.pk}/progress/").json()
    assert progress == {"running": False, "percent": 100, "text": "Imported"}
    imports.run_import(job.pk)  # a second run of the same task does nothing
    assert Response.objects.count() == 2


def test_imports_stay_within_the_users_units(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    sibling_publication = make_publication(world.sibling)
    manager = signed_in(world, Role.MANAGER)  # manages the area, not the sibling unit
    form_page = manager.get("/feedback/imports/").content.decode()
    assert f'value="{publication.pk}"' in form_page and f'value="{sibling_publication.pk}"' not in form_page
    response = upload(manager, sibling_publication, b"csat\n5\n")
    assert response.status_code == 200 and not ResponseImport.objects.exists()

    cx_lead = signed_in(world, Role.CX_LEAD)
    upload(cx_lead, sibling_publication, b"csat\n5\n")
    job = ResponseImport.objects.get()
    assert manager.get(f"/feedback/imports/{job.pk}/").status_code == 404
    assert manager.get(f"/feedback/imports/{job.pk}/progress/").status_code == 404
    assert manager.post(f"/feedback/imports/{job.pk}/", {"column_0": "q:csat"}).status_code == 404
    assert signed_in(world, "other_admin").get(f"/feedback/imports/{job.pk}/").status_code == 404
    assert signed_in(world, Role.STAFF).get("/feedback/imports/").status_code == 403
    assert job.file_name not in manager.get("/feedback/imports/").content.decode()


def test_an_import_stops_when_its_uploader_lost_the_right_meanwhile(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    manager = world.users[Role.MANAGER]
    upload(signed_in(world, Role.MANAGER), publication, b"csat\n5\n")
    job = ResponseImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        imports.set_mapping(job, {"0": "q:csat"})
    manager.membership.roles.all().delete()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == ImportStatus.REJECTED and "no longer" in job.errors[0]["message"]
    assert Response.objects.count() == 0


def test_an_undeclared_attribute_column_is_refused_by_column(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    response = upload(client, publication, b"csat;Henkilotunnus\n5;131052-308T\n")
    assert response.status_code == 302
    job = ResponseImport.objects.get()
    mapping = {f"column_{index}": target for index, target in job.mapping.items()} | {"column_1": "attribute"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/feedback/imports/{job.pk}/", mapping)
    job.refresh_from_db()
    assert job.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "Henkilotunnus")]
    assert "declare it" in job.errors[0]["message"] and not Response.objects.exists()

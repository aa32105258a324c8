"""Importing what LimeSurvey and Webropol really export: a LimeSurvey structure file made
into a survey, then responses exported by each tool (answer codes and labels, "can't
say", unfinished rows, comments over several lines, `,` and `;`, UTF-8 with a BOM and
Excel's Windows-1252, XLSX), through the command line and the pages. The figures Kuulo
computes from them must equal those counted by hand from the files (fixtures/figures.json)."""

import json
from datetime import datetime
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models import Sum

from kuulo.feedback import imports
from kuulo.feedback.limesurvey import read_structure
from kuulo.feedback.models import (
    Answer,
    AnswerValueMap,
    ImportStatus,
    ItemKind,
    ItemVersion,
    Response,
    ResponseImport,
    Survey,
    SurveyPublication,
)
from kuulo.feedback.services import publish_survey
from kuulo.feedback.services.survey_import import import_survey
from kuulo.feedback.testing import LIMESURVEY_3_STRUCTURE, make_publication
from kuulo.insights.models import DailyChoiceCount, DailyItemStats
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World

from .importing import signed_in, upload

pytestmark = pytest.mark.usefixtures("english")

FIXTURES = Path(__file__).parent / "fixtures"
FIGURES = json.loads((FIXTURES / "figures.json").read_text())
HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture(autouse=True)
def english_users(world: World) -> None:
    """The commands speak their user's language: English here (the assertions are)."""
    for user in world.users.values():
        user.language = "en"
        user.save(update_fields=["language"])


def command(name: str, *args: str) -> str:
    output = StringIO()
    call_command(name, *args, stdout=output, stderr=output)
    return output.getvalue()


def imported_survey(world: World) -> Survey:
    structure = read_structure((FIXTURES / "opiskelijapalaute.lss").read_bytes())
    return import_survey(world.users[Role.CX_LEAD], structure, unit=world.unit).survey


def items_by_source(survey: Survey) -> dict[str, Any]:
    """LimeSurvey question code → the item version the survey asks for it, in the survey's
    order (the value maps have none: PostgreSQL may give them in any)."""
    codes = dict(AnswerValueMap.objects.filter(survey=survey).values_list("item_id", "source_code"))
    return {
        codes[q.item_version.item_id]: q.item_version
        for q in survey.ordered_questions()
        if q.item_version.item_id in codes
    }


def figures(survey: Survey, **where: Any) -> dict[str, dict[str, Any]]:
    """What Kuulo computes (its aggregates, as the dashboards read them) per LimeSurvey code."""
    found: dict[str, dict[str, Any]] = {}
    for code, version in items_by_source(survey).items():
        rows = DailyItemStats.objects.filter(item_version_id=version.pk, **where)
        sums = rows.aggregate(n=Sum("n"), total=Sum("total"), texts=Sum("texts"), **{
            f"c{i}": Sum(f"c{i}") for i in range(11)
        })  # fmt: skip
        entry: dict[str, Any] = {"n": sums["n"] or 0, "sum": sums["total"] or 0, "texts": sums["texts"] or 0}
        if version.item.kind == ItemKind.NUMBER:  # kept in steps of its last decimal
            entry["sum"] = entry["sum"] / 10**version.decimals
        if version.scale_min is not None:
            entry["counts"] = {str(version.scale_min + i): sums[f"c{i}"] or 0 for i in range(11)}
        choices = DailyChoiceCount.objects.filter(item_version_id=version.pk, **where)
        entry["choices"] = {c["choice"]: c["n"] for c in choices.values("choice").annotate(n=Sum("count"))}
        entry["n"] = entry["n"] or sum(entry["choices"].values())
        found[code] = entry
    return found


def assert_figures(found: dict[str, dict[str, Any]], expected: dict[str, Any]) -> None:
    for code, want in expected.items():
        if code.startswith("_") or code == "responses":
            continue
        got = found[code]
        if "texts" in want:
            assert got["texts"] == want["texts"], code
            continue
        assert got["n"] == want["n"], (code, got, want)
        if "sum" in want:
            assert got["sum"] == want["sum"], (code, got, want)
            assert round(got["sum"] / got["n"], 3) == want["mean"] if "mean" in want else True, code
        for value, count in want.get("counts", {}).items():
            assert got["counts"][value] == count, (code, value, got["counts"])
        if "choices" in want:
            assert got["choices"] == want["choices"], code
        if "nps" in want:
            counts = {int(value): count for value, count in got["counts"].items()}
            promoters = counts[9] + counts[10]
            detractors = sum(counts[n] for n in range(7))
            assert (promoters, detractors) == (want["promoters"], want["detractors"]), code
            assert round(100 * (promoters - detractors) / got["n"], 1) == want["nps"], code


def test_a_limesurvey_structure_file_becomes_a_survey_from_the_command_line(world: World) -> None:
    cx_lead = world.users[Role.CX_LEAD]
    output = command(
        "import_survey",
        str(FIXTURES / "opiskelijapalaute.lss"),
        "--unit",
        world.unit.code,
        "--user",
        cx_lead.username,
        "--publish",
    )
    survey = Survey.objects.get()
    publication = SurveyPublication.objects.get(survey=survey, unit=world.unit)
    assert f"Link code: {publication.code}" in output
    assert (survey.name_fi, survey.name_sv, survey.name_en) == (
        "Opiskelijapalaute 2026",
        "Studeranderespons 2026",
        "Student feedback 2026",
    )
    asked = items_by_source(survey)
    # Wording of standard items (in any language, HTML removed) asks the standard items.
    assert {code: asked[code].item.code for code in ("Q1", "Q2", "Q3[SQ001]", "Q3[SQ002]", "Q5", "Q8")} == {
        "Q1": "csat",
        "Q2": "nps",
        "Q3[SQ001]": "thl-respect",
        "Q3[SQ002]": "thl-timely",
        "Q5": "resolved",
        "Q8": "open",
    }
    assert "Q1 → csat (standard item)" in output
    kinds = {code: (v.item.kind, v.scale_min, v.scale_max) for code, v in asked.items()}
    assert kinds["Q3[SQ003]"] == (ItemKind.AGREEMENT, 1, 5)  # an array's statement
    assert kinds["Q4"] == (ItemKind.LIKERT, 1, 5)  # a 5-point choice
    statement = asked["Q3[SQ003]"]
    assert (statement.text_fi, statement.text_sv, statement.text_en) == (
        "Opetus oli laadukasta.",
        "Undervisningen höll hög kvalitet.",
        "The teaching was of high quality.",
    )
    campus = asked["Q7"]
    assert campus.item.kind == ItemKind.SINGLE_CHOICE
    assert campus.choices[2] == {
        "value": "AO03",
        "fi": "Verkko-opinnot",
        "sv": "Nätstudier",
        "en": "Online studies",
    }
    # Codes and labels in every language, "can't say" as not answered, kept as the value map.
    values = AnswerValueMap.objects.get(survey=survey, source_code="Q1").values
    assert values["ao05"] == values["erittäin tyytyväinen"] == values["mycket nöjd"] == "5"
    assert values["ao06"] == values["en osaa sanoa"] == values["don't know"] == ""
    assert AnswerValueMap.objects.get(survey=survey, source_code="Q2").values["ao11"] == "10"
    q6 = ItemVersion.objects.get(item__code__endswith="q6")
    assert (q6.item.kind, q6.lower, q6.upper, q6.decimals) == (ItemKind.NUMBER, 0, 10_000, 2)
    services_used = asked["Q9"]  # a multiple choice: each option its own column in exports
    assert services_used.item.kind == ItemKind.MULTIPLE_CHOICE
    assert services_used.choices == [
        {"value": "SQ001", "fi": "Kirjasto", "sv": "Bibliotek", "en": "Library"},
        {"value": "SQ002", "fi": "Opintotoimisto", "sv": "Studiebyrå", "en": "Student office"},
    ]
    assert "was skipped" not in output
    assert not any(q.required for q in survey.ordered_questions())  # LimeSurvey's conditions are not imported


def test_limesurvey_and_webropol_exports_give_the_figures_counted_by_hand(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    survey = imported_survey(world)
    limesurvey_link, webropol_link = publish_survey(survey, [world.unit, world.sibling])
    cx_lead = world.users[Role.CX_LEAD]

    # LimeSurvey: answer codes, `,`, a BOM, unfinished rows left out, from the command line.
    output = command(
        "import_responses",
        str(FIXTURES / "limesurvey_codes.csv"),
        "--publication",
        limesurvey_link.code,
        "--user",
        cx_lead.username,
    )
    assert "6 responses stored, 0 had been stored before." in output
    assert "2 responses were never finished (no submit time) and were left out: line 6, 10." in output
    assert "Q1: 1 answer (“AO06”) says “can't say”" in output
    assert "Q3[SQ002]: 1 answer (“A6”)" in output
    comment = Answer.objects.get(
        response__source_key=f"import:{limesurvey_link.code}:6", text__contains="auttoivat"
    )
    assert comment.text == 'Opettajat "oikeasti" auttoivat.\nKiitos!'
    first = Response.objects.get(source_key=f"import:{limesurvey_link.code}:1")
    assert first.responded_at == datetime(2026, 11, 2, 9, 12, 40, tzinfo=HELSINKI)
    assert Response.objects.get(source_key=f"import:{limesurvey_link.code}:3").language == "sv"

    # Webropol: an XLSX with question texts as headings and labels as answers, in the app.
    client = signed_in(world, Role.CX_LEAD)
    upload(client, webropol_link, (FIXTURES / "webropol.xlsx").read_bytes(), "webropol.xlsx")
    job = ResponseImport.objects.latest("pk")
    assert job.mapping["0"] == "external_id"  # Vastaaja: the respondent number
    assert len(job.mapping) == 12  # every column, the minutes too
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/feedback/imports/{job.pk}/", {f"column_{i}": t for i, t in job.mapping.items()})
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportStatus.DONE, 6), job.errors

    assert_figures(figures(survey, unit_id=world.unit.pk), FIGURES["limesurvey"])
    assert_figures(figures(survey, unit_id=world.sibling.pk), FIGURES["webropol"])
    assert_figures(figures(survey), FIGURES["both"])
    assert Response.objects.count() == FIGURES["both"]["responses"]

    # The same responses exported again: LimeSurvey's full answers with `;`, Webropol's sheet
    # saved by Excel as CSV in Windows-1252. Nothing is stored twice; the figures stay.
    again = command(
        "import_responses",
        str(FIXTURES / "limesurvey_labels_semicolon.csv"),
        "--publication",
        limesurvey_link.code,
        "--user",
        cx_lead.username,
    )
    assert "0 responses stored, 6 had been stored before." in again
    again = command(
        "import_responses",
        str(FIXTURES / "webropol_excel.csv"),
        "--publication",
        webropol_link.code,
        "--user",
        cx_lead.username,
    )
    assert "0 responses stored, 6 had been stored before." in again
    assert_figures(figures(survey), FIGURES["both"])


def test_unfinished_responses_can_be_imported_dated_by_their_own_start(world: World) -> None:
    survey = imported_survey(world)
    link = publish_survey(survey, [world.unit])[0]
    output = command(
        "import_responses",
        str(FIXTURES / "limesurvey_codes.csv"),
        "--publication",
        link.code,
        "--user",
        world.users[Role.CX_LEAD].username,
        "--partial",
        "import",
    )
    assert "8 responses stored" in output
    assert_figures(figures(survey), FIGURES["limesurvey_with_unfinished"])
    unfinished = Response.objects.get(source_key=f"import:{link.code}:4")
    assert unfinished.responded_at == datetime(
        2026, 11, 3, 12, 0, 5, tzinfo=HELSINKI
    )  # never the import's time


def test_the_command_line_dry_run_and_errors_store_nothing(world: World, tmp_path: Path) -> None:
    survey = imported_survey(world)
    link = publish_survey(survey, [world.unit])[0]
    user = world.users[Role.CX_LEAD].username
    file = str(FIXTURES / "limesurvey_codes.csv")
    output = command("import_responses", file, "--publication", link.code, "--user", user, "--dry-run")
    assert "Dry run: 6 responses would be stored, 0 were stored before." in output
    assert "Q3[SQ001] → I was treated with respect." in output and "Q6 → not imported" not in output
    assert not Response.objects.exists() and not ResponseImport.objects.exists()

    broken = tmp_path / "broken.csv"
    broken.write_text(
        '"id","submitdate","Q1","Q2"\n'
        '"1","2026-11-02 09:12:40","AO09","AO11"\n'
        '"2","2026-11-02 09:13:00"\n'
        '"1","2026-11-02 09:14:00","AO01","AO02"\n'
    )
    errors = StringIO()
    with pytest.raises(CommandError, match="Nothing was stored: the file has 4 errors"):
        call_command(
            "import_responses",
            str(broken),
            "--publication",
            link.code,
            "--user",
            user,
            stdout=StringIO(),
            stderr=errors,
        )
    report = errors.getvalue()
    assert "Line 2, column Q1: “AO09” is neither a number nor one of this question's answer labels." in report
    assert "Line 3: The row is cut short after 2 of the header's 4 cells: “Q1”, “Q2” missing." in report
    assert "Line 3: Answer at least one question." in report
    assert "Line 4, column id: The response id 1 is on line 2 too." in report
    assert not Response.objects.exists() and not ResponseImport.objects.exists()

    # The guessed columns can be changed: here the comments are left out, Q4 read as Q1.
    output = command(
        "import_responses", file, "--publication", link.code, "--user", user, "--dry-run",
        "--column", "Q8=", "--column", "Q1=", "--column", "Q4=csat",
    )  # fmt: skip
    assert "Q8 → not imported" in output and "Q4 → How satisfied were you" in output
    with pytest.raises(CommandError, match="no column “Q99”"):
        command("import_responses", file, "--publication", link.code, "--user", user, "--column", "Q99=csat")


def test_a_survey_built_by_hand_learns_the_codes_from_a_structure_file(world: World) -> None:
    link = make_publication(world.unit, items=("csat", "nps", "open"))
    output = command(
        "import_responses",
        str(FIXTURES / "limesurvey_codes.csv"),
        "--publication",
        link.code,
        "--user",
        world.users[Role.CX_LEAD].username,
        "--structure",
        str(FIXTURES / "opiskelijapalaute.lss"),
    )
    assert "6 responses stored" in output
    assert Answer.objects.filter(item_version__item__code="csat").count() == 5
    assert AnswerValueMap.objects.filter(survey=link.survey).count() == 3


def test_a_survey_is_made_of_a_structure_file_in_the_app(world: World) -> None:
    client = signed_in(world, Role.CX_LEAD)
    page = client.get("/feedback/surveys/").content.decode()
    assert 'href="/feedback/surveys/import/"' in page
    structure = SimpleUploadedFile("opiskelijapalaute.lss", (FIXTURES / "opiskelijapalaute.lss").read_bytes())
    response = client.post(
        "/feedback/surveys/import/", {"structure": structure, "unit": world.unit.pk, "publish": "on"}
    )
    survey = Survey.objects.get()
    assert response.url == f"/feedback/surveys/{survey.pk}/"
    page = client.get(response.url).content.decode()
    assert "published (link code" in page and "was skipped" not in page
    assert survey.questions.count() == 11 and survey.publications.get().unit == world.unit
    # Not a structure file: said on the form, nothing made.
    response = client.post(
        "/feedback/surveys/import/",
        {"structure": SimpleUploadedFile("x.lss", b"csat;open\n5;ok\n"), "unit": world.unit.pk},
    )
    assert "not a LimeSurvey structure file" in response.content.decode() and Survey.objects.count() == 1
    # Only those who build surveys may: a unit manager may import responses, not surveys.
    assert signed_in(world, Role.MANAGER).get("/feedback/surveys/import/").status_code == 403


def test_values_the_survey_cannot_read_are_chosen_in_the_mapping_step_and_remembered(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    content = "csat;open\nMelko tyytyväinen;Hyvä\nErittäin tyytyväinen;\nEOS;\n9;Ok\n".encode()
    upload(client, publication, content)
    job = ResponseImport.objects.get()
    page = client.get(f"/feedback/imports/{job.pk}/").content.decode()
    # The survey's own labels (Erittäin tyytyväinen) are read; the rest is asked about.
    assert "“Melko tyytyväinen” in the column “csat”" in page and "“9” in the column “csat”" in page
    assert "“Erittäin tyytyväinen” in the column" not in page and "“EOS”" not in page  # can't say
    fields = {value: name for name, (_index, value) in _value_fields(job).items()}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/feedback/imports/{job.pk}/",
            {"column_0": "q:csat", "column_1": "q:open", fields["Melko tyytyväinen"]: "4",
             fields["9"]: "cant-say"},
        )  # fmt: skip
    job.refresh_from_db()
    assert (job.status, job.created_count, job.skipped_count) == (ImportStatus.DONE, 3, 1), job.errors
    numbers = Answer.objects.filter(item_version__item__code="csat").values_list("number", flat=True)
    assert sorted(n or 0 for n in numbers) == [4, 5]
    page = client.get(f"/feedback/imports/{job.pk}/").content.decode()
    assert "2 answers (“9”, “EOS”)" in page
    assert "1 response answered every question “can&#x27;t say” and was left out: line 4." in page
    # The next file of the same survey is read with what was chosen, without asking.
    upload(client, publication, "csat;open\nMelko tyytyväinen;Taas\n9;\n".encode())
    job = ResponseImport.objects.latest("pk")
    assert imports.unread_values(job) == {}


def _value_fields(job: ResponseImport) -> dict[str, tuple[str, str]]:
    from kuulo.feedback.forms import ImportMappingForm

    form = ImportMappingForm(
        columns=job.columns,
        mapping=job.mapping,
        questions=job.publication.survey.ordered_questions(),
        samples=job.samples,
        unread=imports.unread_values(job),
    )
    return form.value_fields


@pytest.mark.parametrize(
    ("content", "chosen", "read_as", "note"),
    [
        # Excel's CSV in Windows-1252, told nothing: detected.
        ("csat;open\n5;Hyvä palvelu – kiitos\n".encode("cp1252"), "auto", "cp1252", ""),
        # UTF-8 with a BOM, Windows-1252 picked by mistake: the BOM wins and says so.
        (b"\xef\xbb\xbfid;csat;open\n1;5;Hyv\xc3\xa4\n", "cp1252", "utf-8", "byte order mark"),
        # UTF-8 without a BOM, Windows-1252 picked by mistake: read as UTF-8 and said so.
        ("id;csat;open\n1;5;Hyvä\n".encode(), "cp1252", "utf-8", "is UTF-8 text"),
    ],
)
def test_the_encoding_is_detected_and_a_wrong_choice_never_mangles_a_column(
    world: World, publication: SurveyPublication, content: bytes, chosen: str, read_as: str, note: str
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    upload(client, publication, content, encoding=chosen)
    job = ResponseImport.objects.get()
    assert (job.status, job.encoding) == (ImportStatus.MAPPING, read_as)
    assert job.columns[0] in ("csat", "id") and job.samples[0][-1].startswith("Hyvä")
    assert (note in job.notes[0]["message"]) if note else job.notes == []
    if note:
        assert note in client.get(f"/feedback/imports/{job.pk}/").content.decode()


def test_formulas_and_error_cells_of_a_workbook_are_reported_by_sheet_row_and_column(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["csat", "open", "notes"])
    sheet.append([5, "Hyvä", "=1/0"])  # a formula in a column not imported: no matter
    sheet.append(["=2+3", "Ok"])
    sheet.append([4, "#N/A"])
    sheet["B4"].data_type = "e"
    buffer = BytesIO()
    workbook.save(buffer)
    client = signed_in(world, Role.CX_LEAD)
    upload(client, publication, buffer.getvalue(), "export.xlsx")
    job = ResponseImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/feedback/imports/{job.pk}/", {"column_0": "q:csat", "column_1": "q:open"})
    job.refresh_from_db()
    assert job.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "csat"), (4, "open")]
    assert "holds a formula (=2+3)" in job.errors[0]["message"]
    assert "spreadsheet error #N/A" in job.errors[1]["message"]
    page = client.get(f"/feedback/imports/{job.pk}/").content.decode()
    assert '<th scope="col">Sheet row</th>' in page and not Response.objects.exists()


def test_a_limesurvey_3_structure_with_its_wording_in_each_row_is_read(world: World) -> None:
    structure = read_structure(LIMESURVEY_3_STRUCTURE)
    assert (structure.survey_id, structure.titles) == (
        "111111",
        {"fi": "Asiointikysely", "sv": "Ärendeenkät"},
    )
    result = import_survey(world.users[Role.CX_LEAD], structure, unit=world.unit)
    asked = items_by_source(result.survey)
    assert list(asked) == ["Q2", "Q1"]  # in LimeSurvey's order
    rating, text = asked["Q2"], asked["Q1"]
    assert (rating.item.kind, rating.scale_min, rating.scale_max) == (ItemKind.LIKERT, 1, 3)
    assert rating.anchors["points"]["3"] == {"fi": "Hyvä", "sv": "Bra"}
    assert (text.text_fi, text.text_sv) == ("Mitä haluat kertoa?", "Vad vill du berätta?")
    values = AnswerValueMap.objects.get(survey=result.survey, source_code="Q2").values
    assert (values["3"], values["bra"], values["9"], values["kan inte säga"]) == ("3", "3", "", "")

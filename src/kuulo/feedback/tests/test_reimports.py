"""Re-importing: the same responses from the same or another export of them are stored
once, keyed on the source's id (a respondent number too) or on their normalised content;
an id stored before with other answers is refused with its row."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kuulo.feedback import imports, services
from kuulo.feedback.models import (
    Answer,
    ImportStatus,
    Response,
    SurveyPublication,
)
from kuulo.feedback.testing import make_survey
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World

from .importing import as_csv, import_file, signed_in, xlsx

pytestmark = pytest.mark.usefixtures("english")  # conftest.py: messages in English

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_importing_the_same_file_again_stores_nothing_twice(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    content = b"csat,open\n5,Hyvin meni\n3,\n"  # no response id: rows are known by what they say
    first = import_file(client, publication, content, django_capture_on_commit_callbacks)
    again = import_file(client, publication, content, django_capture_on_commit_callbacks)
    assert (first.created_count, first.duplicate_count) == (2, 0)
    assert (again.status, again.created_count, again.duplicate_count) == (ImportStatus.DONE, 0, 2)
    assert Response.objects.count() == 2
    page = client.get(f"/feedback/imports/{again.pk}/").content.decode()
    assert "2 rows had been imported before and were skipped." in page


# Responses without an id: two people gave the same answers (rows 4 and 5).
EXPORTED = [
    ["csat", "open", "date"],
    ["5", "Hyvä palvelu, kiitos", "2.3.2026 9.15"],
    ["3", "Jono oli pitkä,\nmutta apu hyvää", "2026-03-02 10:00"],
    ["4", "Ok", ""],
    ["4", "Ok", ""],
]


@pytest.mark.parametrize(
    ("name", "content", "encoding", "new_rows"),
    [
        ("export.csv", as_csv(EXPORTED, newline="\r\n").encode(), "utf-8", []),
        ("export.csv", ("\ufeff" + as_csv([[r[2], r[1], r[0]] for r in EXPORTED])).encode(), "utf-8", []),
        ("export.csv", as_csv([EXPORTED[0], *reversed(EXPORTED[1:])]).encode(), "utf-8", []),
        ("export.csv", as_csv(EXPORTED, ";", "\r\n").encode("cp1252"), "cp1252", []),
        (
            "export.xlsx",
            xlsx(
                [
                    EXPORTED[0],
                    [5, "Hyvä palvelu, kiitos", datetime(2026, 3, 2, 9, 15)],
                    [3.0, "Jono oli pitkä,\nmutta apu hyvää", datetime(2026, 3, 2, 10, 0)],
                    [4, "Ok"],
                    [4, "Ok", None],
                ]
            ),
            "utf-8",
            [],
        ),
        ("export.csv", as_csv([*EXPORTED, ["2", "Ei", "2026-03-03 12:00"]]).encode(), "utf-8", ["Ei"]),
        ("export.csv", as_csv([*EXPORTED, ["4", "Ok", ""]], newline="\r\n").encode(), "utf-8", ["Ok"]),
    ],
    ids=["crlf", "reordered-bom", "rows-moved", "cp1252-semicolons", "xlsx", "extra-row", "third-alike"],
)
def test_a_re_exported_file_stores_only_the_rows_not_imported_before(
    world: World,
    publication: SurveyPublication,
    django_capture_on_commit_callbacks: Any,
    name: str,
    content: bytes,
    encoding: str,
    new_rows: list[str],
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    first = import_file(client, publication, as_csv(EXPORTED).encode(), django_capture_on_commit_callbacks)
    assert (first.status, first.created_count) == (ImportStatus.DONE, 4), first.errors
    assert Answer.objects.filter(text="Ok").count() == 2  # two people who answered alike
    last_before = Response.objects.latest("pk").pk
    again = import_file(
        client, publication, content, django_capture_on_commit_callbacks, name, encoding=encoding
    )
    assert (again.status, again.duplicate_count) == (ImportStatus.DONE, 4), again.errors
    assert again.created_count == len(new_rows)
    new_answers = Answer.objects.filter(response__pk__gt=last_before, item_version__item__code="open")
    assert [a.text for a in new_answers] == new_rows
    assert Response.objects.count() == 4 + len(new_rows)
    # A comment over two lines is the same text whatever the file's line breaks.
    assert Answer.objects.filter(text="Jono oli pitkä,\nmutta apu hyvää").count() == 1


@pytest.mark.parametrize(
    ("header", "values", "target"),
    [
        ("Vastaajanumero", [17, 18], "external_id"),
        ("Respondentnummer", [17, 18], "external_id"),
        ("Respondent number", ["17", "18"], "external_id"),
        ("Respondent ID", ["17", "18"], "external_id"),
        ("Vastaaja", [1, 2.0], "external_id"),  # Webropol's respondent number
        ("Respondent", ["1", "2"], "external_id"),
        ("Vastaaja", ["Opiskelija", "employer"], "respondent_type"),  # a group column named by hand
        ("Vastaajaryhmä", ["Opiskelija", "employer"], "respondent_type"),
    ],
)
def test_a_respondent_number_column_is_taken_for_the_response_id(
    header: str, values: list[Any], target: str
) -> None:
    samples = [[value, 5] for value in values]
    assert imports.guess_mapping([header, "csat"], [], samples) == {"0": target}


def test_a_webropol_export_is_keyed_on_its_respondent_number(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    survey = make_survey(world.org, items=("nps", "resolved"))
    publication = services.publish_survey(survey, [world.unit])[0]
    content = xlsx(
        [
            ["Vastaaja", "Vastausaika", "nps", "resolved"],
            [1, datetime(2026, 5, 4, 12, 30), 9, "Kyllä"],
            [2, datetime(2026, 5, 4, 12, 41), 9, "Kyllä"],
        ]
    )
    client = signed_in(world, Role.CX_LEAD)
    job = import_file(client, publication, content, django_capture_on_commit_callbacks, "webropol.xlsx")
    assert job.mapping == {"0": "external_id", "1": "responded_at", "2": "q:nps", "3": "q:resolved"}
    assert (job.status, job.created_count) == (ImportStatus.DONE, 2), job.errors
    keys = set(Response.objects.values_list("source_key", flat=True))
    assert keys == {f"import:{publication.code}:1", f"import:{publication.code}:2"}
    # The same respondents exported again as CSV (Webropol's other header), with a third one.
    again = import_file(
        client,
        publication,
        b"Vastaajanumero;Vastausaika;nps;resolved\n1;4.5.2026 12.30;9;Kyll\xc3\xa4\n"
        b"2;4.5.2026 12.41;9;Kyll\xc3\xa4\n3;4.5.2026 13.05;10;Ei\n",
        django_capture_on_commit_callbacks,
    )
    assert (again.status, again.created_count, again.duplicate_count) == (ImportStatus.DONE, 1, 2)


def test_a_row_id_imported_before_with_other_answers_is_refused_with_its_row(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(world, Role.CX_LEAD)
    import_file(client, publication, b"id;csat\n17;5\n18;4\n", django_capture_on_commit_callbacks)
    changed = import_file(client, publication, b"id;csat\n19;5\n17;2\n", django_capture_on_commit_callbacks)
    assert changed.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"]) for e in changed.errors] == [(3, "id")]
    assert "different response" in changed.errors[0]["message"]
    assert Response.objects.count() == 2  # row 19 was not stored either: all or nothing
    assert [a.number for a in Response.objects.get(source_key__endswith=":17").answers.all()] == [5]

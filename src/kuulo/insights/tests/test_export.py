"""Exports of the overview: the same scope, filters and suppression as the page, formula
injection neutralised, numbers kept as numbers, and every export in the audit log."""

import csv
import io
from datetime import timedelta
from typing import Any

import openpyxl
from django.test import TestCase
from django.utils import timezone, translation

from kuulo.audit.exports import safe_cell
from kuulo.audit.models import AuditEvent
from kuulo.feedback import ingest
from kuulo.feedback.testing import make_publication, send_answers, standard_version
from kuulo.insights.figures import Figure, why_hidden
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for, make_unit


def send(world: World, unit: Any, answers: list[dict[str, Any]]) -> None:
    publication = make_publication(unit, items=("csat", "nps"))
    when = timezone.now() - timedelta(days=1)
    send_answers(world.users[Role.ADMIN], publication, answers, when=when)


def test_csv_export_matches_the_page_and_hides_small_groups(world: World) -> None:
    world.unit.name_en = world.unit.name_fi = '=HYPERLINK("http://evil.example")'
    world.unit.save()
    send(world, world.unit, [{"csat": 4, "nps": 10}] * 8)
    send(world, world.sibling, [{"csat": 2}] * 3)
    send(world, make_unit(world.org, parent=world.root, code="a-third"), [{"csat": 3}] * 6)
    response = client_for(world.users[Role.ADMIN]).get("/dashboards/export/?download=csv&period=7")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="kuulo-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    by_code = {row[1]: row for row in rows[1:]}
    assert by_code["a-unit"][0].startswith("'=HYPERLINK")  # not a formula when opened
    # Counts and NPS without decimals, means with one: as the page shows them.
    assert by_code["a-unit"][2] == "8" and by_code["a-unit"][4] == "4,0" and by_code["a-unit"][5] == "100"
    # The sibling's three on one day are a small group: the sibling, and the root holding it,
    # are shown for whole months (or longer) only; the third unit is not touched by them.
    with translation.override("fi"):  # the admin's language
        hidden = [why_hidden(Figure(shown_for=level), 5)[0] for level in ("months", "quarters", "years")]
    assert hidden[0] == "kokonaiset kuukaudet"
    assert by_code["a-sibling"][2] in hidden and by_code["a-sibling"][4] == by_code["a-sibling"][2]
    assert by_code["a-root"][2] in hidden and "17" not in response.content.decode()
    assert by_code["a-third"][2] == "6"
    event = AuditEvent.objects.get(action="data.exported")
    assert event.details["view"] == "overview" and event.details["rows"] == len(rows) - 1


def test_xlsx_export_keeps_numbers_and_the_users_scope(world: World) -> None:
    send(world, world.unit, [{"csat": 5, "nps": 0}] * 6)
    send(world, world.sibling, [{"csat": 1}] * 6)
    response = client_for(world.users[Role.MANAGER]).get("/dashboards/export/?download=xlsx&period=7")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert {row[1] for row in rows[1:]} == {"a-area", "a-unit"}  # the manager's units only
    unit = next(row for row in rows if row[1] == "a-unit")
    assert unit[2] == 6 and unit[4] == 5.0 and unit[5] == -100  # numbers, not text
    assert client_for(world.users[Role.MANAGER]).get("/dashboards/export/?download=pdf").status_code == 404


def test_text_that_would_run_as_a_formula_is_neutralised() -> None:
    assert [safe_cell(v) for v in ["=1+1", "+A1", "-2+3", "@SUM(A1)", "\tx", "ok", -2, 3.5, None]] == [
        "'=1+1", "'+A1", "'-2+3", "'@SUM(A1)", "'\tx", "ok", -2, 3.5, None,
    ]  # fmt: skip
    # A plain number written as text, such as the age group "-17", is a label, not a formula.
    assert [safe_cell(v) for v in ["-17", "65-", "+358", "-1,5"]] == ["-17", "65-", "+358", "-1,5"]


def export_responses(client: Any, query: str = "period=7", fmt: str = "csv") -> Any:
    """Ask for single responses as the overview's button does; the background job makes the
    file (at once in tests), and the page it leads to offers it."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        asked = client.post(f"/dashboards/responses/export/?{query}", {"download": fmt})
    assert asked.status_code == 302, asked
    page = client.get(asked["Location"])
    assert page.status_code == 200 and 'download/" download' in page.content.decode(), page.content.decode()
    return client.get(asked["Location"] + "download/")


def test_single_responses_export_for_permitted_roles_only_and_redacted(world: World) -> None:
    publication = make_publication(world.unit, items=("csat", "open"))
    yesterday = timezone.now() - timedelta(days=1)
    comments = ["Soita 040 1234567"] + [f"Kommentti {n}" for n in range(9)]  # a day's group of 10
    ingest.ingest(
        world.users[Role.ADMIN],
        [
            ingest.IncomingResponse(
                link=publication.code,
                answers={"csat": 4, "open": text},
                responded_at=yesterday,
                respondent_type="employer",
            )
            for text in comments
        ],
    )
    other = make_publication(world.other_org_unit, items=("csat",))
    ingest.ingest(
        world.users["other_admin"],
        [ingest.IncomingResponse(link=other.code, answers={"csat": 1}, responded_at=yesterday)] * 10,
    )
    with translation.override("fi"):
        csat, open_text = (standard_version(code).text for code in ("csat", "open"))
    response = export_responses(client_for(world.users[Role.CX_LEAD]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(body) == 10  # only the organisation's own responses
    values = [dict(zip(header, row, strict=True)) for row in body]  # the questions head their columns
    assert {row[2] for row in body} == {"a-unit"} and {v[csat] for v in values} == {"4"}
    assert "Soita [PHONE]" in {v[open_text] for v in values}  # redacted when stored, exported as stored
    # The row-level policy: the day only, and no respondent group or age group.
    assert {row[0] for row in body} == {timezone.localtime(yesterday).date().isoformat()}
    assert "employer" not in response.content.decode("utf-8-sig")
    assert AuditEvent.objects.filter(action="data.exported", details__view="responses").exists()
    assert client_for(world.users[Role.MANAGER]).post("/dashboards/responses/export/").status_code == 403
    assert client_for(world.users[Role.VIEWER]).post("/dashboards/responses/export/").status_code == 403


def test_single_responses_come_only_from_days_and_units_with_a_large_enough_group(world: World) -> None:
    """Before: any group, with minute timestamps — one answer of a quiet day was one person."""
    big, small = (
        make_publication(world.unit, items=("csat",)),
        make_publication(world.sibling, items=("csat",)),
    )
    yesterday = timezone.now() - timedelta(days=1)
    sender = world.users[Role.ADMIN]
    send_answers(sender, big, [{"csat": 5}] * 10, when=yesterday)
    send_answers(sender, small, [{"csat": 1}] * 9, when=yesterday)  # one short of the comment threshold
    send_answers(sender, big, [{"csat": 3}] * 12)  # today: the day is not over
    response = export_responses(client_for(world.users[Role.CX_LEAD]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))[1:]
    assert len(rows) == 10 and {row[2] for row in rows} == {"a-unit"}
    assert {row[-1] for row in rows} == {"5"}

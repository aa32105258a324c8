"""No view, export or API response reveals a group of fewer respondents than the threshold,
under any filters the dashboards accept, from one period or by putting two side by side,
read on the same day or on the next.

For random responses (units across the tree, touchpoints of two paths, channels,
languages, days around a month's, quarter's or year's end, some of them today) and random
filters (any period, and none or one of touchpoint, channel and language: the filter form
takes one split at a time), read on a chosen day:

1. every page, export and API answer shows the cells of the one table (`table.build`),
   shown or hidden alike everywhere, so views put side by side tell no more than the table;
2. with a second period (nested in the first, shifted by a day, the same rolling window
   read on the next day, or the period up to today read today and tomorrow), for each kind
   of figure with answers (CSAT, NPS, responses): every shown figure has no respondents or
   at least the threshold, and over the (unit's own respondents × value of the split × day)
   variables, for someone who sees every cell of both tables (the coarser cells are what
   less filtered views show) and knows which variables are empty:
   - the classes of variables by the shown cells holding them have no respondents or at
     least the threshold (whatever is worked out is a sum of whole classes), and
   - exact linear algebra finds no group of 1 to threshold − 1 respondents determined: of
     one unit's own respondents with one value, its days in one period and not the other,
     in both, or on any single day.

`test_the_pair_check_finds_what_the_old_rule_gave_away` runs the same check on what the
dashboards showed before (any cell of no respondents or at least the threshold, today
included) and finds a day's respondent given away. docs/adr/0005-suppression.md.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

# The URL configuration (and the API schemas it imports) loads before any clock is frozen:
# pydantic cannot build a schema of freezegun's datetime.
from kuulo import urls  # noqa: F401
from kuulo.feedback import services as feedback_services
from kuulo.feedback.models import Channel, Survey, SurveyPublication, Touchpoint
from kuulo.feedback.testing import make_survey, send_answers
from kuulo.insights import metrics
from kuulo.insights.figures import Figure, Filters, headline_measures
from kuulo.insights.table import Table, Tree, build
from kuulo.insights.tests.test_privacy import _in_row_space, _reduced
from kuulo.organisations import services as org_services
from kuulo.organisations.access import Permission
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for

DAYS = 45  # responses fall on the last 45 days, today included
NPS_ITEM = ("nps", "nps", "thl-nps")  # by touchpoint
# Days to read on: around the end of a month, a quarter and a year, and in between.
TODAYS = [date(2026, 1, 2), date(2025, 12, 31), date(2026, 4, 1), date(2026, 3, 31), date(2026, 7, 15)]
KINDS = ("csat", "nps", "responses")  # the figures the random responses have answers for

Var = tuple[int, Any, date]  # (unit, value of the split or None, day): that unit's own respondents


@dataclass
class Setting:
    world: World
    touchpoints: list[Touchpoint]
    publications: dict[tuple[int, int], SurveyPublication]  # (unit index, touchpoint index)
    api: Client


@pytest.fixture
def setting(world: World) -> Setting:
    path = feedback_services.create_service_path(
        organisation=world.org,
        code="studies",
        name_fi="Opinnot",
        touchpoints=[("apply", "Hakeminen", "", ""), ("start", "Aloitus", "", "")],
    )
    other = feedback_services.create_service_path(
        organisation=world.org, code="other", name_fi="Muu", touchpoints=[("visit", "Käynti", "", "")]
    )
    touchpoints = [*path.touchpoints.order_by("order"), other.touchpoints.get()]
    units = [world.root, world.area, world.unit, world.sibling]
    publications = {}
    for t, touchpoint in enumerate(touchpoints):
        # The last touchpoint asks NPS with the THL set's item: the headline NPS is then two
        # item versions, each shown only where its own figure could be (ADR 0010).
        survey = make_survey(world.org, items=("csat", NPS_ITEM[t]), touchpoint=touchpoint)
        for u, publication in enumerate(feedback_services.publish_survey(survey, units)):
            publications[(u, t)] = publication
    _, secret = org_services.create_api_key(
        organisation=world.org, name="BI", permissions=[Permission.VIEW_INSIGHTS], units=[world.root]
    )
    return Setting(world, touchpoints, publications, Client(headers={"authorization": f"Bearer {secret}"}))


RESPONSES = st.lists(
    st.tuples(
        st.integers(0, 3),  # unit: root, area, unit (below area), sibling
        st.integers(0, 2),  # touchpoint
        st.sampled_from([Channel.QR, Channel.LINK]),
        st.sampled_from(["fi", "sv"]),
        st.integers(0, DAYS - 1),  # days ago (0: today)
        st.integers(1, 5),  # CSAT
        st.one_of(st.none(), st.integers(0, 10)),  # NPS, not always answered
        st.integers(1, 4),  # how many alike
    ),
    max_size=14,
)
# One split at a time (or none), as the filter form allows: see ADR 0005.
FILTERS = st.tuples(
    st.integers(0, DAYS - 1),  # start, days ago
    st.integers(0, DAYS - 1),  # length
    st.one_of(
        st.tuples(st.none(), st.just(""), st.just("")),
        st.tuples(st.integers(0, 2), st.just(""), st.just("")),  # a touchpoint
        st.tuples(st.none(), st.sampled_from([Channel.QR, Channel.LINK]), st.just("")),
        st.tuples(st.none(), st.just(""), st.sampled_from(["fi", "sv"])),
    ),
)
PAIRS = st.sampled_from(["nested", "shifted", "next day", "today"])


# No shrinking: each example loads a dozen pages, and a failure prints its data anyway.
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.reuse, Phase.generate],
)
@given(
    responses=RESPONSES,
    chosen=FILTERS,
    pair=PAIRS,
    today=st.sampled_from(TODAYS),
    threshold=st.integers(3, 6),
)
def test_no_view_export_or_api_reveals_a_small_group(
    setting: Setting,
    responses: list[tuple[Any, ...]],
    chosen: tuple[Any, ...],
    pair: str,
    today: date,
    threshold: int,
) -> None:
    with freeze_time(datetime(today.year, today.month, today.day, 10)), transaction.atomic():
        check(setting, responses, chosen, pair, threshold)
        transaction.set_rollback(True)  # the next example starts from no responses


def check(
    setting: Setting, responses: list[tuple[Any, ...]], chosen: tuple[Any, ...], pair: str, threshold: int
) -> None:
    """Store the responses, then check the tables of both periods and every view of the first."""
    world = setting.world
    world.org.reporting_threshold = threshold
    world.org.save(update_fields=["reporting_threshold"])
    today = timezone.localdate()
    for unit, touchpoint, channel, language, ago, csat, nps, alike in responses:
        answers = {"csat": csat} | ({NPS_ITEM[touchpoint]: nps} if nps is not None else {})
        send_answers(
            world.users[Role.ADMIN],
            setting.publications[(unit, touchpoint)],
            [answers] * alike,
            when=timezone.now() - timedelta(days=ago),
            channel=channel,
            language=language,
        )
    ago, length, (touchpoint, channel, language) = chosen
    start = today - timedelta(days=ago)
    filters = Filters(
        start=start,
        end=min(start + timedelta(days=length), today),
        touchpoint_id=setting.touchpoints[touchpoint].pk if touchpoint is not None else None,
        channel=channel,
        language=language,
        organisation_id=world.org.pk,
    )
    tree = Tree.of(world.org.pk)
    first = build(tree, filters, threshold, headline_measures(tree.organisation_id))
    period, read_on = other_period(filters, pair, today)
    second = build(tree, period, threshold, headline_measures(tree.organisation_id), today=read_on)
    counts = respondents(setting, responses, first.dimensions, today)
    check_pair(first, second, counts, threshold)
    check_views(setting, filters, first, threshold)


def other_period(filters: Filters, pair: str, today: date) -> tuple[Filters, date]:
    """The period to put beside the first, and the day it is read on."""
    day = timedelta(days=1)
    if pair == "nested":
        quarter = timedelta(days=filters.days // 4)
        return replace(filters, start=filters.start + quarter, end=filters.end - quarter), today
    if pair == "shifted":
        return replace(filters, start=filters.start + day, end=filters.end + day), today
    if pair == "next day":  # the same rolling window, read again tomorrow
        return replace(filters, start=filters.start + day, end=filters.end + day), today + day
    return replace(filters, end=today), today + day  # up to today, read tomorrow


def respondents(
    setting: Setting, responses: list[tuple[Any, ...]], dimensions: tuple[str, ...], today: date
) -> dict[str, dict[Var, int]]:
    """Respondents per kind of figure and (unit, value of the table's split, day), from the
    responses as sent."""
    units = [setting.world.root, setting.world.area, setting.world.unit, setting.world.sibling]
    found: dict[str, defaultdict[Var, int]] = {kind: defaultdict(int) for kind in KINDS}
    for unit, touchpoint, channel, language, ago, _csat, nps, alike in responses:
        values = {
            "touchpoint_id": setting.touchpoints[touchpoint].pk,
            "channel": channel,
            "language": language,
        }
        var = (units[unit].pk, values[dimensions[0]] if dimensions else None, today - timedelta(days=ago))
        found["csat"][var] += alike
        found["responses"][var] += alike
        if nps is not None:
            found["nps"][var] += alike
    return {kind: dict(counts) for kind, counts in found.items()}


def figure_of(row: Any, kind: str) -> Figure:
    return getattr(row, kind) if kind == "responses" else row.metrics[kind]


def shown_sets(
    table: Table, kind: str, counts: dict[Var, int], threshold: int, old_rule: bool = False
) -> list[frozenset[Var]]:
    """The variables each shown cell of the table sums (those with respondents: the others
    are known to be empty). `old_rule`: what the dashboards showed before, for comparison."""
    filters = table.filters
    found = []
    for (unit_id, values), row in table.cells.items():
        figure = figure_of(row, kind)
        cell = frozenset(
            var
            for var in counts
            if unit_id in table.tree.ancestors[var[0]]
            and filters.start <= var[2] <= filters.end
            and (values == (None,) * len(values) or var[1] == values[0])
        )
        n = sum(counts[var] for var in cell)
        assert figure.n == n  # the table counts what was sent, today's answers only once over
        shown = (n == 0 or n >= threshold) if old_rule else not figure.hidden
        if shown:
            assert n == 0 or n >= threshold
            found.append(cell)
    return found


def leaks(
    first: Table, second: Table, counts: dict[str, dict[Var, int]], threshold: int, old_rule: bool = False
) -> list[tuple[str, int, list[Var]]]:
    """Groups of 1 to threshold − 1 respondents that the cells of both tables determine."""
    found = []
    days_of = [
        {var[2] for var in counts["responses"] if table.filters.start <= var[2] <= table.filters.end}
        for table in (first, second)
    ]
    for kind in KINDS:
        cells = [
            *shown_sets(first, kind, counts[kind], threshold, old_rule),
            *shown_sets(second, kind, counts[kind], threshold, old_rule),
        ]
        found += [(kind, n, group) for n, group in determined(cells, counts[kind], days_of, threshold)]
    return found


def determined(
    cells: list[frozenset[Any]], counts: dict[Any, int], days_of: list[set[date]], threshold: int
) -> list[tuple[int, list[Any]]]:
    """Groups of 1 to threshold − 1 respondents that shown cells (each the set of variables
    it sums; a variable's last part is its day) determine: a class of variables held by the
    same cells, or, by exact linear algebra, the days of one unit's own respondents with one
    value in one period and not the other (`days_of`), in both, or on a single day."""
    found = []
    unknowns = sorted({var for cell in cells for var in cell}, key=repr)
    # Classes: variables held by the same shown cells. A sum of whole classes is all
    # anyone can work out.
    classes: defaultdict[frozenset[int], set[Any]] = defaultdict(set)
    for var in unknowns:
        classes[frozenset(i for i, cell in enumerate(cells) if var in cell)].add(var)
    found += [
        (n, sorted(members, key=repr))
        for members in classes.values()
        if 0 < (n := sum(counts[var] for var in members)) < threshold
    ]
    basis = _reduced(unknowns, [dict.fromkeys(cell, 1) for cell in cells if cell])
    atoms = {var[:-1] for var in unknowns}
    for atom in sorted(atoms, key=repr):
        mine = {var for var in unknowns if var[:-1] == atom}
        groups = [
            {var for var in mine if var[-1] in days_of[0] - days_of[1]},
            {var for var in mine if var[-1] in days_of[1] - days_of[0]},
            {var for var in mine if var[-1] in days_of[0] & days_of[1]},
            *({var} for var in mine),
        ]
        for group in groups:
            n = sum(counts[var] for var in group)
            if 0 < n < threshold and _in_row_space(basis, dict.fromkeys(group, 1)):
                found.append((n, sorted(group, key=repr)))
    return found


def check_pair(first: Table, second: Table, counts: dict[str, dict[Var, int]], threshold: int) -> None:
    assert not leaks(first, second, counts, threshold)


def query(filters: Filters) -> str:
    params = {
        "period": "custom",
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "touchpoint": filters.touchpoint_id or "",
        "channel": filters.channel,
        "language": filters.language,
    }
    return "&".join(f"{key}={value}" for key, value in params.items())


def cell_of(table: Table, unit_id: int) -> dict[str, Figure]:
    row = table.row(unit_id)
    return {"responses": row.responses, "verbal": row.verbal, "complaints": row.complaints, **row.metrics}


def same(shown: Figure, cell: Figure, threshold: int) -> None:
    assert shown.n == 0 or shown.n >= threshold or not shown.shown
    assert shown.hidden == cell.hidden and shown.value == cell.value


def check_views(setting: Setting, filters: Filters, table: Table, threshold: int) -> None:
    world = setting.world
    admin, manager = client_for(world.users[Role.ADMIN]), client_for(world.users[Role.MANAGER])
    for client in (admin, manager):
        page = client.get(f"/dashboards/?{query(filters)}")
        assert page.status_code == 200
        for row in page.context["rows"]:
            cell = cell_of(table, row.unit.pk)
            for name in ("responses", "verbal", "complaints"):
                same(getattr(row, name), cell[name], threshold)
            for code, figure in row.metrics.items():
                same(figure, cell[code], threshold)
    exported = admin.get(f"/dashboards/export/?download=csv&{query(filters)}")
    for line in csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"):
        unit = next(u for u in table.tree.active.values() if u.code == line[list(line)[1]])
        cell = cell_of(table, unit.pk)
        written = [line[key] for key in list(line)[2:3] + list(line)[4:7]]
        figures = [cell[name] for name in ("responses", "csat", "nps", "ces")]
        for text, figure in zip(written, figures, strict=True):
            assert (text in ("", "0") or text[0].isdigit() or text[0] == "-") == (not figure.hidden)
    if not filters.touchpoint_id and not filters.language:  # what the API can filter by
        api = setting.api.get(
            f"/api/v1/insights/units?start={filters.start}&end={filters.end}&channel={filters.channel}"
        ).json()
        for row in api["units"]:
            unit = next(u for u in table.tree.active.values() if u.code == row["unit"])
            cell = cell_of(table, unit.pk)
            for code, figure in row["metrics"].items():
                shown = cell[code].value  # the API rounds as the pages show it
                value = None if shown is None else round(shown, metrics.DECIMALS[cell[code].kind])
                assert figure["hidden"] == cell[code].hidden and figure["value"] == value
    for unit in table.tree.active.values():
        page = admin.get(f"/dashboards/units/{unit.pk}/?{query(filters)}")
        for change in page.context["changes"]:
            assert change.after.n >= threshold and change.before.n >= threshold
        for card in page.context["cards"]:
            for figure in [*card.windows.values(), card.baseline]:
                assert not figure.shown or figure.n == 0 or figure.n >= threshold
        versions = [card.version for card in page.context["cards"]]
        trends = metrics.trends(unit, [card.measure for card in page.context["cards"]], filters, threshold)
        points = [
            build(
                table.tree,
                replace(filters, start=point.start, end=point.end),
                threshold,
                headline_measures(table.tree.organisation_id),
            )
            for point in metrics.buckets(table.filters)
        ]
        for version in versions:
            code = version.item.code
            # Each point of a trend is the cell every view shows for that day, week or month.
            assert trends[version.pk].values == [point.row(unit.pk).metrics[code].value for point in points]
            assert (trends[version.pk].distribution != []) == (
                table.row(unit.pk).metrics[code].shown and table.row(unit.pk).metrics[code].n > 0
            )
        for client, visible in ((admin, True), (manager, unit.pk in {world.area.pk, world.unit.pk})):
            page = client.get(f"/dashboards/units/{unit.pk}/compare/?{query(filters)}")
            if not visible:
                assert page.status_code == 404
                continue
            for item in page.context["items"]:
                for figure in (item.unit, item.peers, item.organisation):
                    assert not figure.shown or figure.n == 0 or figure.n >= threshold
    for path in {touchpoint.service_path for touchpoint in setting.touchpoints}:
        page = admin.get(f"/dashboards/paths/{path.pk}/?{query(replace(filters, touchpoint_id=None))}")
        in_path = replace(filters, touchpoint_id=None, channel="", language="")  # split by touchpoint only
        for row in page.context["rows"]:
            split = build(
                table.tree,
                replace(in_path, touchpoint_id=row.touchpoint.pk),
                threshold,
                headline_measures(table.tree.organisation_id),
            )
            cell = cell_of(split, world.root.pk)
            same(row.responses, cell["responses"], threshold)
            for code, figure in row.metrics.items():
                same(figure, cell[code], threshold)
    # A survey's results are the cells of its touchpoint's split, for the unit and those below.
    in_path = replace(filters, touchpoint_id=None, channel="", language="")
    for survey in Survey.objects.filter(touchpoint__in=setting.touchpoints):
        page = admin.get(f"/dashboards/surveys/{survey.pk}/?{query(in_path)}")
        split = build(
            table.tree,
            replace(in_path, touchpoint_id=survey.touchpoint_id),
            threshold,
            {f"item {q.item_version_id}": q.item_version for q in survey.questions.all()},
            counts=False,
        )
        for result, _trend, _distribution, _crosstab in page.context["rows"]:
            key = f"item {result.version.pk}"
            assert result.figure is not None  # every question here has a scale
            same(result.figure, split.row(page.context["unit"].pk).metrics[key], threshold)
            for child, figure in result.by_unit:
                same(figure, split.row(child.pk).metrics[key], threshold)
            assert (result.distribution != []) == (result.figure.shown and result.figure.n > 0)


def test_the_pair_check_finds_what_the_old_rule_gave_away(setting: Setting) -> None:
    """Five respondents on Monday, one on Tuesday: the periods Monday and Monday–Tuesday
    were both shown before (5 and 6), and their difference was Tuesday's one. Now the
    second period cuts the unit's month at Tuesday, and is hidden."""
    world = setting.world
    with freeze_time(datetime(2026, 3, 18, 10)), transaction.atomic():
        monday, tuesday = date(2026, 3, 9), date(2026, 3, 10)
        sent = [(2, 0, Channel.QR, "fi", 9, 4, None, 5), (2, 0, Channel.QR, "fi", 8, 2, None, 1)]
        for unit, touchpoint, channel, language, ago, csat, _nps, alike in sent:
            send_answers(
                world.users[Role.ADMIN],
                setting.publications[(unit, touchpoint)],
                [{"csat": csat}] * alike,
                when=timezone.now() - timedelta(days=ago),
                channel=channel,
                language=language,
            )
        tree = Tree.of(world.org.pk)
        counts = respondents(setting, sent, (), timezone.localdate())
        one, two = (
            build(tree, Filters(start=monday, end=end), 5, headline_measures(tree.organisation_id))
            for end in (monday, tuesday)
        )
        found = leaks(one, two, counts, 5, old_rule=True)
        assert ("csat", 1, [(world.unit.pk, None, tuesday)]) in found
        assert not leaks(one, two, counts, 5)
        assert (
            two.row(world.unit.pk).responses.hidden and two.row(world.unit.pk).responses.shown_for == "months"
        )
        transaction.set_rollback(True)

"""No view, export or API response reveals an aggregate of fewer respondents than the
threshold, under any filters the dashboards accept.

For random responses (units across the tree, touchpoints of two paths, channels,
languages, days) and random filters (any period, and none or one of touchpoint, channel
and language: the filter form takes one split at a time), every page,
export and API answer is read back as the user gets it:

1. every figure shown rests on no respondents or at least `threshold` of them;
2. every unit's figure is the cell of the one suppressed table (`table.build`), shown or
   hidden alike on every page, export and API answer, so views put side by side tell no
   more than the table;
3. no small group can be worked out from the table: neither a hidden cell, nor a unit's
   own respondents outside its children, from the equations "a unit = its children +
   its own part" (along the unit tree, within every combination of filter values) and
   "a cell = its parts by one more filter + a rest" — for someone who sees every figure
   every view shows under these filters (and, through the coarser cells, without them),
   and knows which units have no respondents of their own. Own parts and rests
   of splits are never shown, so they count as unknown unless the unit has no own
   respondents at all, or (rests) they are empty. (`test_privacy` also grants knowledge
   of every own part that is not small, for the unit tree alone.)

Not covered (docs/adr/0005-suppression.md): differences between overlapping periods.
"""

import csv
import io
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import product
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kuulo.feedback import services as feedback_services
from kuulo.feedback.models import Channel, SurveyPublication, Touchpoint
from kuulo.feedback.testing import make_survey, send_answers
from kuulo.insights import metrics
from kuulo.insights.figures import Figure, Filters, headline_versions
from kuulo.insights.table import Table, Tree, build
from kuulo.insights.tests.test_privacy import determined
from kuulo.organisations import services as org_services
from kuulo.organisations.access import Permission
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for

DAYS = 10  # responses fall on the last ten days


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
        survey = make_survey(world.org, items=("csat", "nps"), touchpoint=touchpoint)
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
        st.integers(0, DAYS - 1),  # days ago
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


# No shrinking: each example loads a dozen pages, and a failure prints its data anyway.
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.reuse, Phase.generate],
)
@given(responses=RESPONSES, chosen=FILTERS, threshold=st.integers(3, 6))
def test_no_view_export_or_api_reveals_a_small_group(
    setting: Setting, responses: list[tuple[Any, ...]], chosen: tuple[Any, ...], threshold: int
) -> None:
    with transaction.atomic():
        check(setting, responses, chosen, threshold)
        transaction.set_rollback(True)  # the next example starts from no responses


def check(
    setting: Setting, responses: list[tuple[Any, ...]], chosen: tuple[Any, ...], threshold: int
) -> None:
    """Store the responses, then check the table and every view under the chosen filters."""
    world = setting.world
    world.org.reporting_threshold = threshold
    world.org.save(update_fields=["reporting_threshold"])
    today = timezone.localdate()
    for unit, touchpoint, channel, language, ago, csat, nps, alike in responses:
        answers = {"csat": csat} | ({"nps": nps} if nps is not None else {})
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
    table = build(Tree.of(world.org.pk), filters, threshold, headline_versions())
    check_table(table, threshold)
    check_views(setting, filters, table, threshold)


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
        hidden_in_file = [line[key].startswith("<") for key in list(line)[2:3] + list(line)[4:7]]
        expected = [cell[name].hidden for name in ("responses", "csat", "nps", "ces")]
        assert hidden_in_file == expected
    if not filters.touchpoint_id and not filters.language:  # what the API can filter by
        api = setting.api.get(
            f"/api/v1/insights/units?start={filters.start}&end={filters.end}&channel={filters.channel}"
        ).json()
        for row in api["units"]:
            unit = next(u for u in table.tree.active.values() if u.code == row["unit"])
            cell = cell_of(table, unit.pk)
            for code, figure in row["metrics"].items():
                assert figure["hidden"] == cell[code].hidden and figure["value"] == cell[code].value
    for unit in table.tree.active.values():
        page = admin.get(f"/dashboards/units/{unit.pk}/?{query(filters)}")
        for change in page.context["changes"]:
            assert change.after.n >= threshold and change.before.n >= threshold
        for card in page.context["cards"]:
            for figure in [*card.windows.values(), card.baseline]:
                assert not figure.shown or figure.n >= threshold
        versions = [card.version for card in page.context["cards"]]
        trends = metrics.trends(unit, versions, filters, threshold)
        points = [
            build(
                table.tree, replace(filters, start=point.start, end=point.end), threshold, headline_versions()
            )
            for point in metrics.buckets(filters)
        ]
        for version in versions:
            code = version.item.code
            # Each point of a trend is the cell every view shows for that day, week or month.
            assert trends[version.pk].values == [point.row(unit.pk).metrics[code].value for point in points]
            assert (trends[version.pk].distribution != []) == table.row(unit.pk).metrics[code].shown
        for client, visible in ((admin, True), (manager, unit.pk in {world.area.pk, world.unit.pk})):
            page = client.get(f"/dashboards/units/{unit.pk}/compare/?{query(filters)}")
            if not visible:
                assert page.status_code == 404
                continue
            for item in page.context["items"]:
                for figure in (item.unit, item.peers, item.organisation):
                    assert not figure.shown or figure.n >= threshold
    for path in {touchpoint.service_path for touchpoint in setting.touchpoints}:
        page = admin.get(f"/dashboards/paths/{path.pk}/?{query(replace(filters, touchpoint_id=None))}")
        in_path = replace(filters, touchpoint_id=None, channel="", language="")  # split by touchpoint only
        for row in page.context["rows"]:
            split = build(
                table.tree, replace(in_path, touchpoint_id=row.touchpoint.pk), threshold, headline_versions()
            )
            cell = cell_of(split, world.root.pk)
            same(row.responses, cell["responses"], threshold)
            for code, figure in row.metrics.items():
                same(figure, cell[code], threshold)


def check_table(table: Table, threshold: int) -> None:
    """Nothing small is shown, and nothing small can be worked out (see the docstring)."""
    dimensions = table.dimensions
    active = table.tree.active
    kids = {pk: [k for k, unit in active.items() if unit.parent_id == pk] for pk in active}
    combos = [
        values
        for values in product(*({key[1][i] for key in table.cells} | {None} for i in range(len(dimensions))))
        if any(key[1] == values for key in table.cells)
    ]
    for kind in cell_of(table, next(iter(active))):
        unsplit_only = kind == "complaints"

        def figure(unit_id: int, values: tuple[Any, ...], kind: str = kind) -> Figure:
            row = table.cells.get((unit_id, values))
            if row is None:
                return Figure(n=0, value=0.0)
            return {"responses": row.responses, "verbal": row.verbal, "complaints": row.complaints}.get(
                kind
            ) or row.metrics[kind]

        def own_at_all(unit_id: int) -> bool:
            """Whether the unit has respondents of its own: if not, none of its own parts
            under any filter has any, which anyone may know."""
            unsplit = (None,) * len(dimensions)
            return figure(unit_id, unsplit).n > sum(figure(k, unsplit).n for k in kids[unit_id])

        unknowns: list[Any] = []
        equations: list[dict[Any, int]] = []
        small: set[Any] = set()
        for values in combos:
            if unsplit_only and any(v is not None for v in values):
                continue
            for pk in active:
                here = figure(pk, values)
                assert not here.shown or here.n == 0 or here.n >= threshold
                if here.hidden:
                    unknowns.append((pk, values))
                    if 0 < here.n < threshold:
                        small.add((pk, values))
                # A unit = its children + its own part (as in test_privacy: a unit without
                # children is all own part, which no one knows beside the table).
                if not kids[pk]:
                    continue
                own = here.n - sum(figure(k, values).n for k in kids[pk])
                terms: dict[Any, int] = {(pk, values): 1} | {(k, values): -1 for k in kids[pk]}
                if own or own_at_all(pk):
                    unknowns.append(("own", pk, values))
                    terms[("own", pk, values)] = -1
                    if 0 < own < threshold:
                        small.add(("own", pk, values))
                equations.append(terms)
                # A cell = its parts by one dimension + the rest.
                for i, value in enumerate(values):
                    if value is None or unsplit_only:
                        continue
                    whole = (*values[:i], None, *values[i + 1 :])
                    siblings = [v for v in combos if v[:i] == values[:i] and v[i + 1 :] == values[i + 1 :]]
                    parts = [(pk, v) for v in siblings if v[i] is not None]
                    if parts[0] != (pk, values):
                        continue  # one equation per split
                    terms = {(pk, whole): 1} | {part: -1 for part in parts}
                    rest = figure(pk, whole).n - sum(figure(*part).n for part in parts)
                    if rest:
                        unknowns.append(("rest", pk, values, i))
                        terms[("rest", pk, values, i)] = -1
                    equations.append(terms)
        unknown = set(unknowns)
        known_free = [{k: c for k, c in eq.items() if k in unknown} for eq in equations]
        assert not small & determined(list(dict.fromkeys(unknowns)), [eq for eq in known_free if eq])

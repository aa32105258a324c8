"""One unit's dashboard: windows against baseline and target, trends with gaps where
figures are hidden, distributions, significant changes only, comments behind their own
threshold, and the chart component's drawing and data table."""

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pytest
from django.utils import timezone, translation
from freezegun import freeze_time

# The URL configuration (and the API schemas it imports) loads before any clock is frozen:
# pydantic cannot build a schema of freezegun's datetime.
from kuulo import urls  # noqa: F401
from kuulo.feedback.models import SurveyPublication
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.insights import charts, metrics
from kuulo.organisations import services as org_services
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def send(
    world: World, publication: SurveyPublication, answers: list[dict[str, Any]], days_ago: float
) -> None:
    when = timezone.now() - timedelta(days=days_ago)
    send_answers(world.users[Role.ADMIN], publication, answers, when=when)


@pytest.fixture
def publication(world: World) -> SurveyPublication:
    return make_publication(world.unit, items=("csat", "resolved", "open"))


def page_for(world: World, role: str, unit_id: int, query: str = "") -> Any:
    user = world.users[role]
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user).get(f"/dashboards/units/{unit_id}/{query}")


def test_windows_compare_with_the_units_own_baseline(world: World, publication: SurveyPublication) -> None:
    send(world, publication, [{"csat": 3}] * 30, days_ago=60)  # the baseline: 90 days before the last 28
    send(world, publication, [{"csat": 5}] * 6, days_ago=1)  # yesterday
    send(world, publication, [{"csat": 4}] * 6, days_ago=5)
    page = page_for(world, Role.MANAGER, world.area.pk)
    assert page.status_code == 200
    csat = next(card for card in page.context["cards"] if card.code == "csat")
    assert csat.baseline.value == 3.0
    assert csat.windows["yesterday"].value == 5.0 and csat.windows["yesterday"].significant
    assert csat.windows["week"].value == 4.5 and csat.windows["month"].value == 4.5
    assert csat.windows["week"].change == 1.5


@freeze_time("2026-06-08 12:00:00")
def test_trend_has_a_gap_where_a_day_cuts_a_small_group(world: World, publication: SurveyPublication) -> None:
    """Two answers on 30 May are a small group: May is cut there, and its end block (30–31
    May, six answers) is shown whole or not at all. The 28th is a day of its own."""
    for day, answers in ((28, [{"csat": 4}] * 6), (30, [{"csat": 2}] * 2), (31, [{"csat": 4}] * 4)):
        when = timezone.now().replace(month=5, day=day, hour=12)
        send_answers(world.users[Role.ADMIN], publication, answers, when=when)
    version = metrics.headline_measures(world.org.pk)["csat"].version
    days = metrics.Filters(start=date(2026, 5, 25), end=date(2026, 6, 7))
    values = metrics.trends(world.unit, [version], days, threshold=5)[version.pk].values
    assert len(values) == len(metrics.buckets(days)) == 14
    assert values[3] == 4.0 and values.count(None) == 13  # the 28th; the 30th and 31st only together
    weekly = metrics.Filters(start=date(2026, 4, 10), end=date(2026, 6, 7))
    values = metrics.trends(world.unit, [version], weekly, threshold=5)[version.pk].values
    assert [v for v in values if v is not None] == [pytest.approx((24 + 4 + 16) / 12)]  # 25–31 May
    assert metrics.trends(world.unit, [version], days, threshold=5)[version.pk].distribution == [
        0, pytest.approx(100 * 2 / 12), 0, pytest.approx(100 * 10 / 12), 0,
    ]  # fmt: skip
    assert metrics.trends(world.sibling, [version], days, threshold=5)[version.pk].distribution == []


def test_only_changes_beyond_chance_are_listed(world: World, publication: SurveyPublication) -> None:
    send(
        world, publication, [{"csat": 2, "resolved": 0}] * 20 + [{"csat": 3, "resolved": 1}] * 20, days_ago=40
    )
    send(
        world, publication, [{"csat": 5, "resolved": 0}] * 20 + [{"csat": 4, "resolved": 1}] * 20, days_ago=3
    )
    changes = page_for(world, Role.ADMIN, world.unit.pk).context["changes"]
    assert [change.version.item.code for change in changes] == ["csat"]  # "resolved" did not move
    assert changes[0].before.value == 2.5 and changes[0].after.value == 4.5


def test_comments_need_a_larger_group_than_figures(world: World, publication: SurveyPublication) -> None:
    send(world, publication, [{"csat": 4, "open": "Hyvää palvelua, soita 040 1234567"}] * 6, days_ago=1)
    page = page_for(world, Role.STAFF, world.unit.pk)
    assert page.context["comments"] is None  # 6 responses < the default comment threshold of 10
    assert "so that no comment reveals who wrote it" in page.content.decode()
    send(world, publication, [{"csat": 5}] * 4, days_ago=1)
    page = page_for(world, Role.STAFF, world.unit.pk)
    assert page.context["comments"] is None  # 10 responses, but 6 comments: those are the group
    send(world, publication, [{"csat": 5, "open": "Kiitos"}] * 4, days_ago=1)
    page = page_for(world, Role.STAFF, world.unit.pk)
    texts = [answer.text for answer in page.context["comments"]]
    assert len(texts) == 10 and sum("[PHONE]" in text for text in texts) == 6  # redacted when stored
    send(world, publication, [{"csat": 5, "open": "Tänään"}] * 12, days_ago=0)
    texts = [answer.text for answer in page_for(world, Role.STAFF, world.unit.pk).context["comments"]]
    assert "Tänään" not in texts  # today's group is still growing: tomorrow


def test_a_unit_outside_ones_roles_is_not_found(world: World, publication: SurveyPublication) -> None:
    assert page_for(world, Role.MANAGER, world.sibling.pk).status_code == 404
    assert page_for(world, Role.STAFF, world.area.pk).status_code == 404
    assert page_for(world, "other_admin", world.unit.pk).status_code == 404
    assert page_for(world, Role.VIEWER, world.unit.pk).status_code == 200


def test_the_chart_draws_gaps_and_a_table_of_the_same_numbers() -> None:
    with translation.override("fi"):  # numbers are written the reader's way
        finnish = charts.Chart(
            title="x", labels=["a"], series=[charts.Series("s", [4.25])], decimals=2
        ).layout()
    assert finnish.table_rows[0].values == ["4,25"]
    with translation.override("en"):
        chart = charts.Chart(
            title="CSAT",
            labels=["1.", "2.", "3.", "4."],
            series=[charts.Series("CSAT", [4.0, None, 3.5, 4.5])],
            low=1,
            high=5,
            target=4.2,
        ).layout()
        assert [len(line.split()) for line in chart.lines[0].polylines] == [1, 2]  # the gap splits the line
        assert [tick.label for tick in chart.ticks] == ["1", "2", "3", "4", "5"]
        assert chart.target_y is not None and chart.ticks[-1].y < chart.target_y < chart.ticks[-2].y
        assert [row.values for row in chart.table_rows] == [["4.0"], ["–"], ["3.5"], ["4.5"]]
        bars = charts.Chart(
            title="x", labels=["a", "b"], series=[charts.Series("s", [10.0, 30.0])], kind="bar"
        ).layout()
        assert bars.bars[0].h < bars.bars[1].h and bars.bars[0].y > bars.bars[1].y


def test_done_actions_are_marked_on_the_trend_with_before_and_after(
    world: World, publication: SurveyPublication
) -> None:
    from kuulo.feedback.models import Item
    from kuulo.improvements import services as improvements
    from kuulo.improvements.models import Action

    send(world, publication, [{"csat": 2}] * 10, days_ago=15)
    send(world, publication, [{"csat": 5}] * 10, days_ago=3)
    action = improvements.save_action(
        Action(),
        user=world.users[Role.ADMIN],
        unit=world.unit,
        title="Ajanvaraus verkkoon",
        item=Item.objects.get(organisation=None, code="csat"),
        status="done",
    )
    action.done_on = timezone.localdate() - timedelta(days=8)
    action.save()
    improvements.save_action(
        Action(), user=world.users[Role.ADMIN], unit=world.sibling, title="Muualla", status="done"
    )
    page = page_for(world, Role.MANAGER, world.area.pk)
    (effect,) = page.context["effects"]  # the sibling's action is not the area's
    assert (effect.action, effect.before.value, effect.after.value) == (action, 2.0, 5.0)
    assert effect.after.change == 3.0 and effect.after.significant
    csat_trend = next(chart for chart in page.context["trend_charts"] if chart.id == "trend-csat")
    assert csat_trend.markers == [(effect.bucket, "1")] and effect.bucket is not None
    assert "Ajanvaraus verkkoon" in page.content.decode() and 'class="chart__marker"' in page.content.decode()


def test_each_commenting_unit_must_reach_the_comment_threshold(
    world: World, publication: SurveyPublication
) -> None:
    send(world, publication, [{"csat": 4, "open": "Iso ryhmä"}] * 12, days_ago=1)
    tiny = make_publication(world.sibling, items=("csat", "open"))
    send(world, tiny, [{"csat": 1, "open": "Yksin sanottu"}] * 2, days_ago=1)
    texts = {answer.text for answer in page_for(world, Role.ADMIN, world.root.pk).context["comments"]}
    assert texts == {"Iso ryhmä"}  # the sibling's two comments would name a group of two


def test_an_archived_unit_reads_as_empty_and_counts_in_its_parent(
    world: World, publication: SurveyPublication
) -> None:
    send(world, publication, [{"csat": 4}] * 6, days_ago=1)
    org_services.archive_unit(world.unit)
    page = page_for(world, Role.ADMIN, world.unit.pk)
    assert page.status_code == 200  # its page may still be opened: no figures of its own
    csat = next(card for card in page.context["cards"] if card.code == "csat")
    assert csat.windows["week"].n == 0 and csat.windows["week"].value is None
    area = next(
        card for card in page_for(world, Role.ADMIN, world.area.pk).context["cards"] if card.code == "csat"
    )
    assert area.windows["week"].n == 6 and area.windows["week"].value == 4.0


@pytest.mark.parametrize("points", [12, 13, 14, 30])
def test_the_last_label_never_touches_the_one_before(points: int) -> None:
    chart = charts.Chart(
        title="t",
        labels=[f"{n:02d}/2026" for n in range(points)],
        series=[charts.Series("s", [1.0] * points)],
    ).layout()
    xs = [mark.x for mark in chart.x_labels]
    assert chart.x_labels[-1].label == f"{points - 1:02d}/2026" and chart.x_labels[0].label == "00/2026"
    gaps = [b - a for a, b in pairwise(xs)]
    assert 2 * min(gaps) > max(gaps)  # no two labels closer than half the regular spacing

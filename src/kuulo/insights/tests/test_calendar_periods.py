"""Periods people use: last month and quarter, the last 12 whole months, the school year
(1 August – 31 July) and its terms, the last calendar year — whole months, so that the
period rule can show them for units with small days."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kuulo.feedback.models import Touchpoint
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.insights import metrics
from kuulo.insights.forms import DashboardFilterForm
from kuulo.insights.periods import CALENDAR_PERIODS, calendar_period
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World

CASES = {
    date(2026, 12, 7): {
        "month": (date(2026, 11, 1), date(2026, 11, 30)),
        "quarter": (date(2026, 7, 1), date(2026, 9, 30)),
        "months12": (date(2025, 12, 1), date(2026, 11, 30)),
        "term": (date(2026, 8, 1), date(2026, 11, 30)),
        "school_year": (date(2026, 8, 1), date(2026, 11, 30)),
        "last_school_year": (date(2025, 8, 1), date(2026, 7, 31)),
        "year": (date(2025, 1, 1), date(2025, 12, 31)),
    },
    # In a term's first month nothing of it is whole yet: the term and year before.
    date(2026, 8, 15): {
        "term": (date(2026, 1, 1), date(2026, 7, 31)),
        "school_year": (date(2025, 8, 1), date(2026, 7, 31)),
        "last_school_year": (date(2024, 8, 1), date(2025, 7, 31)),
    },
    date(2026, 1, 10): {
        "month": (date(2025, 12, 1), date(2025, 12, 31)),
        "quarter": (date(2025, 10, 1), date(2025, 12, 31)),
        "term": (date(2025, 8, 1), date(2025, 12, 31)),
        "year": (date(2025, 1, 1), date(2025, 12, 31)),
    },
}


@pytest.mark.parametrize("today", list(CASES))
def test_calendar_periods_are_whole_months_over_before_today(today: date) -> None:
    for key, expected in CASES[today].items():
        assert calendar_period(key, today) == expected, key
    for key, _label in CALENDAR_PERIODS:
        start, end = calendar_period(key, today)
        assert start.day == 1 and (end + timedelta(days=1)).day == 1 and end < today


def test_last_month_is_shown_where_the_last_28_days_are_not(world: World) -> None:
    """A unit with a small day in the month: a window that cuts the month is hidden, the
    whole month is shown."""
    today = timezone.localdate()
    start, end = calendar_period("month", today)
    publication = make_publication(world.unit, items=("csat",))
    admin = world.users[Role.ADMIN]
    noon = timezone.localtime().replace(hour=12, minute=0)  # local noon: today is the local day
    for day, count in ((start, 6), (start + timedelta(days=9), 2), (end, 6)):
        send_answers(
            admin, publication, [{"csat": 4}] * count, when=noon - timedelta(days=(today - day).days)
        )
    form = DashboardFilterForm({"period": "month"}, touchpoints=Touchpoint.objects.none())
    filters = form.filters(today)
    assert (filters.start, filters.end) == (start, end)
    whole = metrics.unit_rows([world.unit], filters, threshold=5)[0].metrics["csat"]
    assert whole.shown and whole.n == 14
    cut = metrics.Filters(start=start, end=end - timedelta(days=1))  # cuts the small day's block
    assert metrics.unit_rows([world.unit], cut, threshold=5)[0].metrics["csat"].hidden
    # The unit page and the home page show the last whole month beside the rolling windows.
    card = next(card for card in metrics.item_cards(world.unit, today, threshold=5) if card.code == "csat")
    assert card.windows["whole_month"].shown and card.windows["whole_month"].n == 14


def test_changes_can_be_measured_from_the_same_days_a_year_earlier(world: World) -> None:
    publication = make_publication(world.unit, items=("csat",))
    admin, now = world.users[Role.ADMIN], timezone.now()
    send_answers(admin, publication, [{"csat": 4}] * 6, when=now - timedelta(days=3))
    send_answers(admin, publication, [{"csat": 2}] * 6, when=now - timedelta(days=368))  # a year earlier
    send_answers(admin, publication, [{"csat": 5}] * 6, when=now - timedelta(days=40))  # the month before
    form = DashboardFilterForm({"period": "28", "compare": "year"}, touchpoints=Touchpoint.objects.none())
    filters = form.filters(timezone.localdate())
    assert filters.previous().start == filters.start.replace(year=filters.start.year - 1)
    row = metrics.unit_rows([world.unit], filters, threshold=5)[0]
    assert row.metrics["csat"].change == 2.0  # from 2 a year earlier, not from 5 the month before
    plain = DashboardFilterForm({"period": "28"}, touchpoints=Touchpoint.objects.none()).filters(
        timezone.localdate()
    )
    assert metrics.unit_rows([world.unit], plain, threshold=5)[0].metrics["csat"].change == -1.0  # from 5


def test_the_day_a_year_before_a_leap_day() -> None:
    from kuulo.insights.figures import year_before

    assert year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert year_before(date(2026, 12, 7)) == date(2025, 12, 7)

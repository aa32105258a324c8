"""Due dates count Finnish working days: weekends and public holidays are skipped,
Midsummer Eve and Christmas Eve among them."""

from datetime import date

import pytest

from kuulo.followups.workdays import add_working_days, is_working_day


@pytest.mark.parametrize(
    ("asked", "days", "due"),
    [
        (date(2026, 11, 2), 5, date(2026, 11, 9)),  # Monday: the next Monday
        (date(2026, 11, 7), 5, date(2026, 11, 13)),  # Saturday: counting starts on Monday
        (date(2026, 11, 6), 1, date(2026, 11, 9)),  # Friday + 1: Monday
        # Midsummer 2026: Eve on Friday 19 June, the day itself on Saturday.
        (date(2026, 6, 15), 5, date(2026, 6, 23)),
        (date(2026, 6, 18), 1, date(2026, 6, 22)),
        # Christmas 2026: Eve Thursday, Christmas Day Friday, St Stephen's Day Saturday.
        (date(2026, 12, 21), 5, date(2026, 12, 30)),
        # Over the new year: 1 January 2027 is a Friday, Epiphany a Wednesday.
        (date(2026, 12, 30), 5, date(2027, 1, 8)),
        # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
        (date(2027, 3, 24), 2, date(2027, 3, 30)),
        # Independence Day 2027 is a Monday.
        (date(2027, 12, 3), 1, date(2027, 12, 7)),
    ],
)
def test_due_dates_skip_weekends_and_finnish_holidays(asked: date, days: int, due: date) -> None:
    assert add_working_days(asked, days) == due


def test_holidays_are_not_working_days() -> None:
    for day in [
        date(2026, 6, 19),
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 5, 1),
        date(2026, 5, 14),
    ]:
        assert not is_working_day(day), day
    assert is_working_day(date(2026, 6, 22))

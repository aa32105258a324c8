"""Working days in Finland: Monday to Friday, less the public holidays (and the eves of
Midsummer and Christmas, when public offices are closed), from the `holidays` package."""

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FI", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The `days`th working day after `start` (a request on Monday with a promise of five
    working days is due the next Monday; one on Saturday, the Friday after)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day

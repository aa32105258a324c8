"""Which periods dashboards, reports and the insights API accept.

One check for every entry point, so a typed year 1 or 99999 gets the same clear
message everywhere instead of an overflow deep in the figures (every figure is also
compared with the period before it, which must still be a real date)."""

from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
MAX_DAYS = 3 * 366


def period_error(start: date, end: date) -> str | None:
    """Why the period from `start` to `end` (both included) cannot be shown, or None."""
    if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
        return _("Choose days between %(earliest)s and %(latest)s.") % {
            "earliest": EARLIEST.isoformat(),
            "latest": LATEST.isoformat(),
        }
    if start > end:
        return _("The first day must come before the last.")
    if (end - start).days >= MAX_DAYS:
        return _("Choose at most three years.")
    return None


# Periods of whole calendar months, which the period rule (ADR 0005) can show even for
# units with small days: (key, label). A school year runs 1 August – 31 July, its
# autumn term to 31 December and its spring term from 1 January.
CALENDAR_PERIODS = [
    ("month", gettext_lazy("Last month")),
    ("quarter", gettext_lazy("Last quarter")),
    ("months12", gettext_lazy("Last 12 whole months")),
    ("term", gettext_lazy("This term, whole months")),
    ("school_year", gettext_lazy("This school year, whole months")),
    ("last_school_year", gettext_lazy("Last school year")),
    ("year", gettext_lazy("Last calendar year")),
]


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of the month `months_back` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def calendar_period(key: str, today: date) -> tuple[date, date]:
    """The first and last day of a calendar period, all of it over before `today`. A term
    or school year in its first month (nothing whole yet) is the one before."""
    this_month = month_start(today)
    last_day = this_month - timedelta(days=1)  # the end of the last whole month
    if key == "month":
        return month_start(today, 1), last_day
    if key == "quarter":
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return month_start(quarter_start, 3), quarter_start - timedelta(days=1)
    if key == "months12":
        return month_start(today, 12), last_day
    if key == "year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    school_start = date(last_day.year if last_day.month >= 8 else last_day.year - 1, 8, 1)
    if key == "school_year":
        return school_start, last_day
    if key == "last_school_year":
        return date(school_start.year - 1, 8, 1), date(school_start.year, 7, 31)
    if key == "term":
        term_start = date(last_day.year, 8, 1) if last_day.month >= 8 else date(last_day.year, 1, 1)
        return term_start, last_day
    raise ValueError(f"no calendar period {key!r}")

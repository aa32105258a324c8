"""Which periods dashboards, reports and the insights API accept.

One check for every entry point, so a typed year 1 or 99999 gets the same clear
message everywhere instead of an overflow deep in the figures (every figure is also
compared with the period before it, which must still be a real date)."""

from datetime import date

from django.utils.translation import gettext as _

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

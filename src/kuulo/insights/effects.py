"""When an action's effect counts as measured: its 28 days after it was done are over,
and its metric is shown, through the one suppressed table, both before and after
(`metrics.action_effects`, the before-and-after the unit page and PDF reports show)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kuulo.improvements.models import Action

from . import metrics
from .figures import Filters


def why_not_measured(action: Action) -> str | None:
    """None when the effect is measured; otherwise why it is not yet (improvements' check)."""
    done = action.done_on
    if done is None:
        return _("Mark the action done first: its effect is measured from the day it was done.")
    ready_on = done + timedelta(days=metrics.EFFECT_DAYS)
    if ready_on > timezone.localdate():
        return _(
            "The effect can be measured from %(day)s, once %(days)s days have passed since the "
            "action was done."
        ) % {"day": date_format(ready_on, "SHORT_DATE_FORMAT"), "days": metrics.EFFECT_DAYS}
    unit = action.unit
    effects = metrics.action_effects(
        unit,
        Filters(start=done, end=done, organisation_id=unit.organisation_id),
        unit.organisation.reporting_threshold,
        [],
    )
    effect = next((effect for effect in effects if effect.action.pk == action.pk), None)
    if effect is None or not all(
        figure.shown and figure.value is not None for figure in (effect.before, effect.after)
    ):
        return _(
            "Too few responses to measure the effect: its metric must be shown for the %(days)s days "
            "before the action was done and the %(days)s days after."
        ) % {"days": metrics.EFFECT_DAYS}
    return None

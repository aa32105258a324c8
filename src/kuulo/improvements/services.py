"""Every write to improvement actions: checked against the user's units, audited."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.core.redaction import redact
from kuulo.feedback.models import Response
from kuulo.organisations.access import Permission, has_permission
from kuulo.organisations.models import Unit

from .models import STAGES, Action, ActionStatus
from .signals import action_changed

MANAGE = Permission.MANAGE_ACTIONS
FIELDS = {"unit", "touchpoint", "item", "title", "description", "owner", "due_date", "status"}
FIELDS |= {"public", "public_text"}
DONE = {ActionStatus.DONE, ActionStatus.MEASURED}

# Whether an action's effect can be told yet is for the app that reads the figures
# (insights, above this one) to say: it adds its check here when Django starts. A check
# returns None when the effect is measured, or why it cannot be yet.
EFFECT_CHECKS: list[Callable[[Action], str | None]] = []


def why_not_measured(action: Action) -> str | None:
    """None when the action may be marked "effect measured": done, and its measurement
    window over, with enough responses before and after (every registered check)."""
    if action.status not in DONE or action.done_on is None:
        return _("Mark the action done first: its effect is measured from the day it was done.")
    if not EFFECT_CHECKS:
        return _("No figures can measure the effect of this action.")
    return next((reason for check in EFFECT_CHECKS if (reason := check(action))), None)


@transaction.atomic
def save_action(
    action: Action, *, user: Any, responses: Any = None, request: HttpRequest | None = None, **fields: Any
) -> Action:
    """Create or change an action. The user must manage actions in the unit it is in now
    (the stored one, not what a form put on the instance) and in the unit it goes to."""
    if unexpected := set(fields) - FIELDS:
        raise TypeError(f"save_action cannot set {sorted(unexpected)}")
    creating = action.pk is None
    stored = None if creating else Action.objects.select_related("unit").get(pk=action.pk)
    if stored is not None and not has_permission(user, MANAGE, stored.unit):
        raise ValidationError(_("You cannot change this action."))
    for name, value in fields.items():
        setattr(action, name, value)
    unit = action.unit
    if not has_permission(user, MANAGE, unit):
        raise ValidationError({"unit": _("You cannot plan actions for this unit.")})
    action.organisation_id = unit.organisation_id
    errors = {}
    if (
        action.touchpoint is not None
        and action.touchpoint.service_path.organisation_id != unit.organisation_id
    ):
        errors["touchpoint"] = _("The touchpoint belongs to another organisation.")
    if action.item is not None and action.item.organisation_id not in (None, unit.organisation_id):
        errors["item"] = _("The item belongs to another organisation.")
    owner_membership = getattr(action.owner, "membership", None) if action.owner else None
    if action.owner is not None and (
        owner_membership is None or owner_membership.organisation_id != unit.organisation_id
    ):
        errors["owner"] = _("Choose a person of your organisation.")
    # Every text about what is done with feedback is redacted before it is stored: titles
    # reach the audit log and webhooks, public texts the anonymous "you said, we did" page.
    action.title = redact(action.title.strip())
    action.description = redact(action.description.strip())
    action.public_text = redact(action.public_text.strip())
    if action.public and not action.public_text:
        errors["public_text"] = _("Write what was done, in plain words, before showing it to the public.")
    if errors:
        raise ValidationError(errors)
    _set_done_on(action)
    if creating:
        action.created_by = user
    action.full_clean()
    action.save()
    newly_measured = stored is None or stored.status != ActionStatus.MEASURED
    # Checked on the row just saved (this transaction's), so the figures are read for it.
    if action.status == ActionStatus.MEASURED and newly_measured and (reason := why_not_measured(action)):
        raise ValidationError({"status": reason})
    if responses is not None:
        wanted = {response.pk for response in responses}
        allowed = list(Response.objects.filter(pk__in=wanted, unit__in=Unit.objects.subtree_of(unit)))
        if len(allowed) != len(wanted):
            raise ValidationError({"responses": _("Link only feedback given to this unit.")})
        action.responses.set(allowed)
    action_changed.send(sender=Action, action=action, created=creating)
    record("action.saved", request=request, actor=user, target=action, details={"status": action.status})
    return action


@transaction.atomic
def move_action(action: Action, *, user: Any, step: int, request: HttpRequest | None = None) -> Action:
    """One stage to the right (+1) or left (−1) on the board."""
    index = STAGES.index(ActionStatus(action.status)) + step
    if not 0 <= index < len(STAGES):
        raise ValidationError(_("The action is already at the end of the board."))
    if not has_permission(user, MANAGE, action.unit):
        raise ValidationError(_("You cannot change this action."))
    if STAGES[index] == ActionStatus.MEASURED and (reason := why_not_measured(action)):
        raise ValidationError(reason)
    action.status = STAGES[index]
    _set_done_on(action)
    action.save(update_fields=["status", "done_on", "updated_at"])
    action_changed.send(sender=Action, action=action, created=False)
    record("action.moved", request=request, actor=user, target=action, details={"status": action.status})
    return action


def _set_done_on(action: Action) -> None:
    """Done actions remember the day: the dashboard compares before and after it."""
    if action.status in DONE and action.done_on is None:
        action.done_on = timezone.localdate()
    elif action.status not in DONE:
        action.done_on = None

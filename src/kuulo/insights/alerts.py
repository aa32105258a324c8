"""Alerts and digests: telling unit managers what they would want to know, in time.

Once a day (`run_daily`, from the `send_insights` command or its task) every
subscription is checked. A headline figure of the last 7 days that falls below the
unit's target, or drops from the unit's baseline by more than chance would explain,
becomes an alert; each alert is sent once a week at most. Digests summarise the unit's
figures every morning or every Monday.

What a notification says is read through `metrics` for the recipient: only units their
roles still cover, with every figure under the threshold hidden and comments only from
groups above the comment threshold. Nothing is sent about a unit the person can no
longer see.
"""

import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kuulo.organisations.access import Permission, has_permission

from . import comments, metrics
from .figures import why_hidden
from .models import AlertSubscription, Digest, Notification

logger = logging.getLogger(__name__)


def run_daily(today: date | None = None) -> int:
    """Check every subscription; returns how many notifications were created."""
    today = today or timezone.localdate()
    created = 0
    subscriptions = AlertSubscription.objects.select_related("user", "unit__organisation")
    for subscription in subscriptions:
        user = subscription.user
        if not user.is_active or not has_permission(user, Permission.VIEW_INSIGHTS, subscription.unit):
            continue  # roles change: never tell anyone about a unit they may not see
        with translation.override(user.language or settings.LANGUAGE_CODE):
            created += _alerts(subscription, today)
            if _digest_due(subscription.digest, today):
                created += _digest(subscription, today)
    return created


def _digest_due(digest: str, today: date) -> bool:
    return digest == Digest.DAILY or (digest == Digest.WEEKLY and today.weekday() == 0)


def _alerts(subscription: AlertSubscription, today: date) -> int:
    unit = subscription.unit
    threshold = unit.organisation.reporting_threshold
    week = today.isocalendar()
    created = 0
    for card in metrics.item_cards(unit, today, threshold):
        figure = card.windows["week"]
        if not figure.shown or figure.value is None:
            continue
        name = card.code.upper()
        value = _written(figure, threshold)
        if subscription.below_target and figure.meets_target is False and figure.target is not None:
            title = _("%(item)s below target in %(unit)s") % {"item": name, "unit": unit.name}
            body = _("%(item)s over the last 7 days: %(value)s. The target is %(target)s.") % {
                "item": name,
                "value": value,
                "target": number_format(figure.target, metrics.DECIMALS[figure.kind]),
            }
            key = f"alert:{unit.pk}:{card.code}:target:{week.year}-{week.week}"
            created += _notify(subscription, "alert", key, title, body)
        if subscription.significant_drop and figure.significant and (figure.change or 0) < 0:
            title = _("%(item)s dropped in %(unit)s") % {"item": name, "unit": unit.name}
            body = _(
                "%(item)s over the last 7 days: %(value)s, %(change)s from the unit's baseline. "
                "The drop is larger than chance would explain."
            ) % {
                "item": name,
                "value": value,
                "change": number_format(figure.change or 0, metrics.DECIMALS[figure.kind]),
            }
            key = f"alert:{unit.pk}:{card.code}:drop:{week.year}-{week.week}"
            created += _notify(subscription, "alert", key, title, body)
    return created


def _digest(subscription: AlertSubscription, today: date) -> int:
    unit = subscription.unit
    organisation = unit.organisation
    days = 1 if subscription.digest == Digest.DAILY else 7
    filters = metrics.Filters(start=today - timedelta(days=days), end=today - timedelta(days=1))
    rows = metrics.unit_rows([unit], filters, organisation.reporting_threshold, today)
    row = rows[0]
    threshold = organisation.reporting_threshold
    lines = [_("Responses: %(count)s") % {"count": _written(row.responses, threshold)}]
    for code, figure in row.metrics.items():
        line = f"{code.upper()}: {_written(figure, threshold)}"
        if figure.change is not None:
            change = number_format(figure.change, metrics.DECIMALS[figure.kind])
            line += f" ({'+' if figure.change > 0 else ''}{change})"
        lines.append(line)
    recent = comments.latest_comments(unit, filters, organisation.text_threshold, limit=3)
    if recent:
        lines.append("")
        lines.append(_("Recent comments:"))
        lines += [f"– {answer.text[:300]}" for answer in recent]
    period = _("yesterday") if days == 1 else _("the last 7 days")
    title = _("%(unit)s: %(period)s") % {"unit": unit.name, "period": period}
    return _notify(subscription, "digest", f"digest:{unit.pk}:{today}", title, "\n".join(lines))


def _written(figure: metrics.Figure, threshold: int) -> str:
    if figure.hidden and figure.shown_for:
        return why_hidden(figure, threshold)[1]
    if figure.hidden:  # says the threshold, never the small count itself
        return _("fewer than %(count)s, hidden") % {"count": threshold}
    if figure.value is None:
        return "–"
    return number_format(figure.value, metrics.DECIMALS[figure.kind])


def _notify(subscription: AlertSubscription, kind: str, key: str, title: str, body: str) -> int:
    url = reverse("insights:unit_detail", args=[subscription.unit_id])
    return notify(
        subscription.user,
        unit=subscription.unit,
        kind=kind,
        key=key,
        title=title,
        body=body,
        url=url,
        email=subscription.email,
    )


def notify(user: Any, *, unit: Any, kind: str, key: str, title: str, body: str, url: str, email: bool) -> int:
    """Store a notification in the person's list (once per key) and e-mail it after
    commit if they want e-mail; returns 1 when it is new. `unit` None: the organisation."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user, unit=unit, kind=kind, title=title[:200], body=body, url=url, key=key
            )
    except IntegrityError:
        return 0  # sent already
    if email and user.email:
        transaction.on_commit(lambda: _email(notification.pk))
    return 1


def _email(notification_id: int) -> None:
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    if notification.emailed_at is not None:
        return
    link = f"{settings.KUULO_PUBLIC_URL}{notification.url}"
    message = EmailMessage(
        subject=notification.title, body=f"{notification.body}\n\n{link}", to=[notification.user.email]
    )
    try:
        message.send()
    except Exception:  # one unreachable mailbox must not stop everyone else's alerts
        logger.exception("E-mail of notification %s failed", notification.pk)
        return
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())

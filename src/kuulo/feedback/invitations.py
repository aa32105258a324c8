"""Personal invitations by e-mail or text message: single-use links, one reminder, and
invited → opened → answered counts per link and day, so that response rates are known.

Nothing joins an invitation to its response (see models.Invitation): the flags carry no
time, the funnel is counted per day apart from the invitations, and the addresses are
forgotten once the reminder window has closed (`forget_addresses`)."""

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kuulo.audit.services import record

from .models import Channel, Invitation, InvitationDay, SurveyPublication, SurveyStatus
from .sms import send_sms

PHONE_RE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
MAX_RECIPIENTS = 5000
# Unanswered invitations get their one reminder this long after the invitation.
REMINDER_AFTER = timedelta(days=3)
# The addresses are kept this long after sending: for the reminder, and a few days more
# for a reminder run that was late. Then they are forgotten; the links keep working.
ADDRESSES_KEPT = timedelta(days=7)
FUNNEL = ("invited", "sent", "reminded", "opened", "answered")
_signer = signing.Signer(salt="kuulo-invitation")


def token_for(invitation: Invitation) -> str:
    return _signer.sign(str(invitation.pk))


def invitation_for_token(token: str) -> Invitation | None:
    try:
        pk = int(_signer.unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return Invitation.objects.select_related("publication__survey").filter(pk=pk).first()


def parse_recipients(text: str, channel: str) -> list[str]:
    """One address per line; every bad line is reported by its number, nothing is half-used."""
    recipients, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        address = line.strip()
        if not address:
            continue
        try:
            if channel == Channel.EMAIL:
                validate_email(address)
            elif not PHONE_RE.match(address):
                raise ValidationError("phone")
        except ValidationError:
            errors.append(
                _("Line %(number)s: “%(address)s” is not a valid address.")
                % {"number": number, "address": address}
            )
            continue
        recipients.append(address)
    if errors:
        raise ValidationError(errors)
    if not recipients:
        raise ValidationError(_("Give at least one address."))
    if len(recipients) > MAX_RECIPIENTS:
        raise ValidationError(_("At most %(max)s recipients at a time.") % {"max": MAX_RECIPIENTS})
    return list(dict.fromkeys(recipients))  # each address once


@transaction.atomic
def invite(
    publication: SurveyPublication,
    recipients: list[str],
    *,
    channel: str,
    language: str,
    remind: bool = False,
    request: HttpRequest | None = None,
) -> list[Invitation]:
    """Create invitations; they are sent in the background once committed. With `remind`,
    the one reminder is scheduled too (when the task backend can run tasks later)."""
    from .tasks import send_invitations, send_reminders

    if publication.survey.status != SurveyStatus.PUBLISHED or not publication.active:
        raise ValidationError(_("This survey is not open for answers."))
    created = Invitation.objects.bulk_create(
        Invitation(publication=publication, channel=channel, address=address, language=language)
        for address in recipients
    )
    ids = [invitation.pk for invitation in created]
    _count(publication.pk, "invited", len(created))
    transaction.on_commit(lambda: send_invitations.enqueue(ids))
    if remind:
        # A little after REMINDER_AFTER, so that the invitations sent just now are due by then.
        later = send_reminders.using(run_after=timezone.now() + REMINDER_AFTER + timedelta(hours=1))
        if later.get_backend().supports_defer:
            transaction.on_commit(lambda: later.enqueue(publication.pk))
    record(
        "invitations.created",
        request=request,
        target=publication.survey,
        organisation=publication.unit.organisation,
        details={"unit": publication.unit.code, "channel": channel, "count": len(created)},
    )
    return created


def _link(invitation: Invitation) -> str:
    return f"{settings.KUULO_PUBLIC_URL}{reverse('feedback:invitation', args=[token_for(invitation)])}"


def _deliver(invitation: Invitation, *, reminder: bool) -> None:
    survey = invitation.publication.survey
    with translation.override(invitation.language):
        organisation = survey.organisation.name_in(invitation.language)
        if reminder:
            text = _(
                "A reminder from %(organisation)s: your answers are still welcome. "
                "It takes about a minute: %(link)s"
            )
        else:
            text = _(
                "%(organisation)s asks how we did. Please answer a short survey, "
                "it takes about a minute: %(link)s"
            )
        body = text % {"organisation": organisation, "link": _link(invitation)}
        if invitation.channel == Channel.SMS:
            send_sms(invitation.address, body)
        else:
            subject = (
                _("A short question about our service") if not reminder else _("Reminder: a short question")
            )
            EmailMessage(subject=subject, body=body, to=[invitation.address]).send()


def send_pending(invitation_ids: list[int]) -> int:
    """Send the invitations among these not sent yet (safe to run twice)."""
    sent = 0
    for invitation in Invitation.objects.filter(pk__in=invitation_ids, sent_at__isnull=True).select_related(
        "publication__survey__organisation"
    ):
        _deliver(invitation, reminder=False)
        if Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(sent_at=timezone.now()):
            _count(invitation.publication_id, "sent")
        sent += 1
    return sent


def send_reminders(publication_id: int, *, now: Any = None) -> int:
    """One reminder to each unanswered invitation sent at least REMINDER_AFTER ago."""
    now = now or timezone.now()
    due = (
        Invitation.objects.filter(
            publication_id=publication_id,
            sent_at__lte=now - REMINDER_AFTER,
            reminded_at__isnull=True,
            answered=False,
        )
        .exclude(address="")
        .select_related("publication__survey__organisation")
    )
    count = 0
    for invitation in due:
        _deliver(invitation, reminder=True)
        if Invitation.objects.filter(pk=invitation.pk, reminded_at__isnull=True).update(reminded_at=now):
            _count(publication_id, "reminded")
        count += 1
    return count


def mark_opened(invitation: Invitation) -> None:
    if Invitation.objects.filter(pk=invitation.pk, opened=False).update(opened=True):
        _count(invitation.publication_id, "opened")


def claim(invitation_id: int) -> Invitation:
    """Use up an invitation for the response being stored (call inside its transaction)."""
    if not Invitation.objects.filter(pk=invitation_id, answered=False).update(answered=True):
        raise ValidationError(_("This invitation link has been used already. Thank you for answering!"))
    invitation = Invitation.objects.select_related("publication").get(pk=invitation_id)
    _count(invitation.publication_id, "answered")
    return invitation


def link_identified(invitation: Invitation, response: Any) -> None:
    """Join a response to its invitation: only where respondents agreed to be identified."""
    if invitation.publication.identified:
        Invitation.objects.filter(pk=invitation.pk).update(response=response)


def _count(publication_id: int, step: str, how_many: int = 1) -> None:
    """Add to one step of the link's funnel today (in the caller's transaction)."""
    if not how_many:
        return
    day = timezone.localdate()
    InvitationDay.objects.bulk_create(
        [InvitationDay(publication_id=publication_id, day=day)], ignore_conflicts=True
    )
    InvitationDay.objects.filter(publication_id=publication_id, day=day).update(**{step: F(step) + how_many})


def forget_addresses(*, now: Any = None, dry_run: bool = False) -> int:
    """Blank the addresses of invitations sent more than ADDRESSES_KEPT ago (and of those
    never sent after that long), except where respondents agreed to be identified. Returns
    how many were (or, with dry_run, would be) forgotten."""
    cutoff = (now or timezone.now()) - ADDRESSES_KEPT
    expired = (
        Invitation.objects.exclude(address="")
        .filter(created_at__lt=cutoff)
        .exclude(sent_at__gte=cutoff)
        .exclude(publication__identified=True)
    )
    return expired.count() if dry_run else expired.update(address="")


def funnel(publication_ids: list[int]) -> dict[int, dict[str, int]]:
    """Invited, sent, reminded, opened and answered per publication."""
    rows: Any = (
        InvitationDay.objects.filter(publication_id__in=publication_ids)
        .values("publication_id")
        .annotate(**{step: Sum(step) for step in FUNNEL})
    )
    return {row["publication_id"]: {step: row[step] for step in FUNNEL} for row in rows}

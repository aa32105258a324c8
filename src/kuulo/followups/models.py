"""The inner loop: a case for each respondent who asked to be contacted.

A case belongs to the unit the response was given to. The contact details themselves stay
in `feedback.ResponseContact` (one copy of them, erased in one place); a case holds what
was done about them: who handles it, when it is due, the replies and the outcome.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import TimestampedModel
from kuulo.organisations.models import Organisation, Unit

DEFAULT_PROMISE_DAYS = 5


class FollowUpSettings(TimestampedModel):
    """An organisation's promise to people who ask to be contacted."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="follow_up_settings"
    )
    promise_days = models.PositiveSmallIntegerField(
        _("reply within (working days)"),
        default=DEFAULT_PROMISE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "Weekends and Finnish public holidays are not counted. A new promise applies to "
            "requests that come in after it is saved."
        ),
    )
    alert_low_scores = models.BooleanField(
        _("alert case handlers about low scores"),
        default=True,
        help_text=_(
            "When a respondent who gave one of the lowest scores asks to be contacted, the "
            "unit's case handlers get a notification and an e-mail without the contact details."
        ),
    )

    access_organisation_field = "organisation"

    class Meta:
        verbose_name = _("follow-up settings")
        verbose_name_plural = _("follow-up settings")

    def __str__(self) -> str:
        return str(self.organisation)


class PreferredChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    EITHER = "either", _("E-mail or phone")


class ReplyChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("Text message")
    MEETING = "meeting", _("In person")
    NOT_REACHED = "not_reached", _("Tried, not reached")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    EXPLAINED = "explained", _("Explained, nothing to change")
    ACTION = "action", _("Led to an improvement action")
    REFERRED = "referred", _("Referred to another service")
    NOT_REACHED = "not_reached", _("Could not be reached")
    DECLINED = "declined", _("No longer wished to be contacted")


class FollowUpQuerySet(models.QuerySet["FollowUp"]):
    def open(self) -> "FollowUpQuerySet":
        return self.filter(closed_at__isnull=True)

    def closed(self) -> "FollowUpQuerySet":
        return self.filter(closed_at__isnull=False)


class FollowUp(TimestampedModel):
    """One respondent's request to be contacted, from the response to the closed case."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("unit")
    )
    # The case goes with its response (deleted as spam, by retention or on request).
    response = models.OneToOneField("feedback.Response", on_delete=models.CASCADE, related_name="follow_up")
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=PreferredChannel.choices
    )
    requested_at = models.DateTimeField(_("asked on"))
    due_on = models.DateField(_("due"))
    # One of the lowest answers on a scale came with the request (handlers were alerted).
    low_score = models.BooleanField(_("low score"), default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("handled by"),
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    closing_note = models.TextField(_("summary"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = FollowUpQuerySet.as_manager()

    access_unit_field = "unit"

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["unit", "closed_at", "due_on"])]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        # Never the person's name: this is what the audit log keeps of the case.
        return f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class FollowUpReply(models.Model):
    """One attempt to reach the person, or the reply given: how, and what was said."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="replies")
    channel = models.CharField(_("how"), max_length=12, choices=ReplyChannel.choices)
    text = models.TextField(_("what was said"), blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.follow_up_id}: {self.channel}"

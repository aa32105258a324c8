"""Responses and their answers: what customers said, at which touchpoint, through
which channel. Anonymous by design; contact details are a separate row kept only when
the respondent chose to leave them.

Also here: a kiosk's answers held until a CX lead decides (they were thanked for
already, so they are never dropped) and the public form's used start tokens (a second
post with one stores nothing).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import LanguageChoice
from kuulo.organisations.models import Organisation, Unit

from .catalogue import ItemVersion
from .channels import Channel, Kiosk
from .surveys import Survey, SurveyPublication, Touchpoint


class UsedStartToken(models.Model):
    """A public form's start token that has brought its response: one more post with it (a
    double click, back and send again) stores nothing. Kept as long as the token is valid."""

    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the signed token
    used_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.token_hash


class RespondentType(models.TextChoices):
    STUDENT = "student", _("Student")
    APPLICANT = "applicant", _("Applicant")
    EMPLOYER = "employer", _("Employer")
    PARTNER = "partner", _("Partner")
    CITIZEN = "citizen", _("Citizen")
    OTHER = "other", _("Other")


class AgeBand(models.TextChoices):
    UNDER_18 = "-17", _("under 18")
    AGE_18_29 = "18-29", _("18–29")
    AGE_30_49 = "30-49", _("30–49")
    AGE_50_64 = "50-64", _("50–64")
    AGE_65_UP = "65-", _("65 or over")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Response(models.Model):
    """One customer's feedback at one touchpoint. Anonymous: no IP address, no user agent."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="responses")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="responses")
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    publication = models.ForeignKey(
        SurveyPublication, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # When the customer answered (imported and late responses keep their own time).
    responded_at = models.DateTimeField(_("answered"), db_index=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    language = models.CharField(_("language"), max_length=2, choices=LanguageChoice.choices)
    respondent_type = models.CharField(
        _("respondent"), max_length=20, choices=RespondentType.choices, blank=True
    )
    age_band = models.CharField(_("age group"), max_length=10, choices=AgeBand.choices, blank=True)
    attributes = models.JSONField(_("other attributes"), default=dict, blank=True)
    # Set by the sender (API idempotency key, import row id, kiosk answer id): a retry
    # with the same key through the same survey link never creates a second response.
    source_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 (NULL = no key, not unique)
    # A digest of what was sent with the key: the same key with other content is refused.
    source_digest = models.CharField(max_length=64, blank=True, default="")
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    access_unit_field = "unit"

    class Meta:
        ordering = ["-responded_at"]
        constraints = [
            # Keys are the sender's own, per survey link: a kiosk re-created for the same
            # link and a file import for it share one scope, other links never collide.
            models.UniqueConstraint(
                fields=["publication", "source_key"],
                condition=Q(source_key__isnull=False),
                name="response_source_key_unique",
            )
        ]
        indexes = [
            models.Index(fields=["unit", "responded_at"]),
            # A survey's results split by the answer to one of its questions read that survey's
            # responses only (insights/answer_split.py).
            models.Index(fields=["survey", "responded_at"]),
        ]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.responded_at:%Y-%m-%d %H:%M}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(null=True, blank=True)
    # Free text is stored only after personal data has been redacted from it.
    text = models.TextField(blank=True)
    # "Can't say" on a scale that offers it (number is then empty).
    cant_say = models.BooleanField(default=False)
    # The answer to a number item (minutes, euros, count), within its bounds and decimals.
    amount = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item_version"], name="answer_once_per_item")
        ]

    def __str__(self) -> str:
        number = self.number if self.number is not None else self.amount
        value = number if number is not None else (self.choices or self.text or self.cant_say)
        return f"{self.item_version_id}: {value}"


class ResponseContact(models.Model):
    """Contact details a respondent chose to leave, with the consent they gave."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # How the respondent asked to be contacted: "email", "phone", or "" for either.
    preferred = models.CharField(_("contact by"), max_length=10, blank=True)
    consent_version = models.CharField(max_length=20)
    consented_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name or self.email or self.phone


class HeldAnswerStatus(models.TextChoices):
    HELD = "held", _("On hold")
    ACCEPTED = "accepted", _("Accepted")
    DISCARDED = "discarded", _("Discarded")


class HeldAnswer(models.Model):
    """An answer a kiosk sent that the server could not store (the survey was closed, the
    kiosk's unit archived…). The kiosk thanked the customer for it, so it is never dropped:
    it waits here, redacted like any answer, until a CX lead accepts or discards it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    publication = models.ForeignKey(SurveyPublication, on_delete=models.PROTECT, related_name="held_answers")
    kiosk = models.ForeignKey(Kiosk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The kiosk's own id for the answer: a resend is held once.
    source_key = models.CharField(max_length=200)
    # What was sent, with free text already redacted (see feedback.quarantine).
    payload = models.JSONField()
    reasons = models.JSONField(default=list)  # [{"field": …, "message": …}] in the receiver's words
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HeldAnswerStatus.choices, default=HeldAnswerStatus.HELD
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    access_unit_field = "unit"

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "source_key"], name="held_answer_once_per_key")
        ]
        verbose_name = _("answer on hold")
        verbose_name_plural = _("answers on hold")

    def __str__(self) -> str:
        return f"{self.publication_id}: {self.source_key}"

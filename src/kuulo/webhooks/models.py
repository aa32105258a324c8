"""Outbound webhooks: addresses of other systems and every delivery made to them."""

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import TimestampedModel
from kuulo.organisations.models import Organisation, Unit

# Plain http only to this machine, for trying a receiver out; anything else must be https.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def validate_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValidationError(_("Leave user names and passwords out of the address."))
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return
    raise ValidationError(_("The address must start with https://."))


class Topic(models.TextChoices):
    """What an endpoint can subscribe to. Each topic sends one or more events."""

    RESPONSES = "responses", _("Responses, once a day")
    COMPLAINTS = "complaints", _("Complaints and reminders registered or changed")
    ACTIONS = "actions", _("Improvement actions created or changed")


class Event(models.TextChoices):
    """The `X-Kuulo-Event` header and the payload's `event`."""

    RESPONSES_RELEASED = "responses.released", _("A day's responses")
    COMPLAINT_CREATED = "complaint.created", _("Complaint registered")
    COMPLAINT_UPDATED = "complaint.updated", _("Complaint changed")
    ACTION_CREATED = "action.created", _("Action created")
    ACTION_UPDATED = "action.updated", _("Action changed")
    PING = "ping", _("Test event")


class Endpoint(TimestampedModel):
    """An address in another system (Jira, Teams, Power BI…) that receives signed events."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints")
    name = models.CharField(_("name"), max_length=100, help_text=_("Which system receives the events."))
    url = models.URLField(
        _("address"),
        max_length=500,
        validators=[validate_webhook_url],
        help_text=_("Must start with https://. Kuulo posts each event to this address as JSON."),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        verbose_name=_("unit"),
        help_text=_("Only events of this unit and the units below it."),
    )
    topics = models.JSONField(_("events"), default=list)
    # Kept in clear: every delivery is signed with it (HMAC), so it cannot be a one-way hash.
    secret = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(_("active"), default=True, help_text=_("Switched off, nothing is sent."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    access_organisation_field = "organisation"

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name

    def topic_labels(self) -> list[str]:
        return [str(Topic(topic).label) for topic in self.topics if topic in Topic.values]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being sent")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    GIVEN_UP = "given_up", _("Given up")


class Delivery(models.Model):
    """One event to one endpoint: its payload as sent, and how the latest attempt went."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=30, choices=Event.choices)
    # The same event id on a redelivery: receivers use it to ignore what they already have.
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    payload = models.JSONField()
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # when a worker took the current attempt
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("error"), max_length=300, blank=True)
    response_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    access_organisation_field = "endpoint__organisation"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The retry sweep's query: what is due.
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=Q(status__in=["pending", "failed", "sending"]),
            ),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_log"),
            models.Index(fields=["created_at"], name="delivery_age"),  # pruning
        ]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"

    @property
    def can_redeliver(self) -> bool:
        return self.status in (DeliveryStatus.FAILED, DeliveryStatus.GIVEN_UP, DeliveryStatus.SUCCEEDED)

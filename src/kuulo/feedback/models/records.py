"""What is recorded beside survey answers: formal complaints and reminders (counted
beside the scores, never mixed into them) and the service's own daily numbers.

Verbal feedback written down by staff is a `Response` on the verbal channel.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import TimestampedModel, unique_with_optional
from kuulo.organisations.models import Organisation, Unit

from .surveys import Touchpoint


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Formal complaint (kantelu)")
    REMINDER = "reminder", _("Formal reminder (muistutus)")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("Being handled")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed")


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly", _("Partly upheld")
    NOT_UPHELD = "not_upheld", _("Not upheld")
    WITHDRAWN = "withdrawn", _("Withdrawn or not processed")


class Complaint(TimestampedModel):
    """A formal complaint or reminder. Counted beside survey results, never mixed into scores."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="complaints")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("unit")
    )
    kind = models.CharField(_("type"), max_length=10, choices=ComplaintKind.choices)
    case_number = models.CharField(_("case number"), max_length=50)
    received_on = models.DateField(_("received"))
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    # Personal data is redacted from the summary: the case itself lives in the case-management system.
    summary = models.TextField(_("summary"), blank=True)
    decided_on = models.DateField(_("decided"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=ComplaintOutcome.choices, blank=True)
    outcome_notes = models.TextField(_("what was done"), blank=True)

    access_unit_field = "unit"

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "case_number"],
                name="complaint_case_number_unique",
                violation_error_message=_("A case with this number is registered already."),
            )
        ]
        verbose_name = _("complaint or reminder")
        verbose_name_plural = _("complaints and reminders")

    def __str__(self) -> str:
        return f"{self.case_number} ({self.get_kind_display()})"

    def clean(self) -> None:
        if self.decided_on and self.decided_on < self.received_on:
            raise ValidationError({"decided_on": _("The decision cannot be earlier than the receipt.")})
        if self.status in (ComplaintStatus.DECIDED, ComplaintStatus.CLOSED) and not (
            self.decided_on and self.outcome
        ):
            raise ValidationError(_("A decided case needs its decision date and outcome."))


class ServiceVolume(TimestampedModel):
    """The service's own numbers for one unit (and touchpoint) on one day, read beside the
    experience: how many were served and offered the survey (so response rates can be
    computed), how long they waited, and how long their matter took."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="service_volumes")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="service_volumes", verbose_name=_("unit")
    )
    touchpoint = models.ForeignKey(
        Touchpoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_volumes",
        verbose_name=_("touchpoint"),
    )
    date = models.DateField(_("date"))
    customers_served = models.PositiveIntegerField(_("customers served"))
    customers_offered_survey = models.PositiveIntegerField(
        _("customers offered the survey"), null=True, blank=True
    )
    waiting_minutes = models.DecimalField(
        _("average waiting time (minutes)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    processing_days = models.DecimalField(
        _("average processing time (days)"), max_digits=7, decimal_places=1, null=True, blank=True
    )

    access_unit_field = "unit"

    class Meta:
        ordering = ["-date", "unit__path"]
        constraints = unique_with_optional(
            "unit",
            "date",
            optional="touchpoint",
            names=("volume_unit_day_unique", "volume_unit_touchpoint_day_unique"),
        )
        indexes = [models.Index(fields=["unit", "date"])]
        verbose_name = _("service volume")
        verbose_name_plural = _("service volumes")

    def __str__(self) -> str:
        return f"{self.unit} {self.date}: {self.customers_served}"

    def clean(self) -> None:
        if (
            self.customers_offered_survey is not None
            and self.customers_offered_survey > self.customers_served
        ):
            raise ValidationError(
                {
                    "customers_offered_survey": _(
                        "More customers cannot be offered the survey than were served."
                    )
                }
            )
        for name in ("waiting_minutes", "processing_days"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValidationError({name: _("A time cannot be negative.")})

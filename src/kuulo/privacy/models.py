"""How long an organisation keeps each kind of data (applied daily by `apply_retention`)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import TimestampedModel
from kuulo.organisations.models import Organisation


def _months(label: Any, default: int, help_text: Any, low: int = 1, high: int = 120) -> Any:
    return models.PositiveSmallIntegerField(
        label,
        default=default,
        validators=[MinValueValidator(low), MaxValueValidator(high)],
        help_text=help_text,
    )


class RetentionPolicy(TimestampedModel):
    """Every kind of data ends: nothing is kept "for now". Defaults protect respondents;
    an organisation may keep data longer (within bounds) if its own rules require it."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="retention")
    responses_months = _months(
        _("responses (months)"),
        60,
        _("Whole responses, their answers and what the dashboards count of them."),
    )
    free_text_months = _months(
        _("free-text answers (months)"),
        24,
        _("Comments are emptied earlier than the rest of a response: text can identify its writer."),
    )
    contact_requests_months = _months(
        _("contact requests (months)"),
        12,
        _("Contact details respondents left to be contacted; the anonymous answers stay."),
    )
    invitations_months = _months(
        _("invitations (months)"),
        12,
        _("Invitation records (their addresses are forgotten a week after sending); the counts stay."),
    )
    held_answers_months = _months(
        _("kiosk answers on hold (months)"),
        3,
        _("Kiosk answers on hold that were accepted, discarded or left."),
    )
    rejected_imports_days = _months(
        _("rejected import files (days)"), 30, _("Files whose import was refused or failed."), high=365
    )
    webhook_deliveries_days = _months(
        _("webhook deliveries (days)"),
        30,
        _("The log of events sent to other systems, with their payloads."),
        high=365,
    )
    audit_log_months = _months(
        _("audit log (months)"),
        36,
        _("Who did what and when; deleting old events is itself recorded."),
        low=12,
    )

    access_organisation_field = "organisation"

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return str(self.organisation)

    def clean(self) -> None:
        if self.free_text_months > self.responses_months:
            raise ValidationError(
                {"free_text_months": _("Free text cannot be kept longer than the responses it belongs to.")}
            )
        if self.contact_requests_months > self.responses_months:
            raise ValidationError(
                {
                    "contact_requests_months": _(
                        "Contact requests cannot outlive the responses they came with."
                    )
                }
            )

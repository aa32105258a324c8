"""Closing the loop: what was done about the feedback, and whether it helped."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import TimestampedModel
from kuulo.organisations.models import Organisation, Unit


class ActionStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    MEASURED = "measured", _("Effect measured")


STAGES = list(ActionStatus)  # the board's columns, left to right


class Action(TimestampedModel):
    """An improvement a unit makes because of what customers said."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="actions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="actions", verbose_name=_("unit"))
    touchpoint = models.ForeignKey(
        "feedback.Touchpoint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("touchpoint"),
    )
    item = models.ForeignKey(
        "feedback.Item",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("metric it should move"),
        help_text=_("Its results before and after the action are compared on the dashboard."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_actions",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("stage"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.IDEA
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    public = models.BooleanField(_("show on the unit's public “you said, we did” page"), default=False)
    public_text = models.TextField(
        _("what we did, for customers"),
        blank=True,
        help_text=_("Plain words for the public page. Never names or other personal data."),
    )
    responses = models.ManyToManyField(
        "feedback.Response", blank=True, related_name="actions", verbose_name=_("feedback it answers")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    access_unit_field = "unit"

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def __str__(self) -> str:
        return self.title

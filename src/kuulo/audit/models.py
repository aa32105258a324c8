"""The audit log: who did what, when, to what. Rows are only ever added."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

# Every action the log knows, with the label administrators see.
ACTIONS: dict[str, StrOrPromise] = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Failed sign-in"),
    "auth.locked_out": _("Sign-in locked out"),
    "user.created": _("User created"),
    "user.updated": _("User updated"),
    "user.activated": _("User activated"),
    "user.deactivated": _("User deactivated"),
    "role.granted": _("Role granted"),
    "role.revoked": _("Role revoked"),
    "organisation.updated": _("Organisation settings changed"),
    "unit.created": _("Unit created"),
    "unit.updated": _("Unit updated"),
    "unit.moved": _("Unit moved"),
    "unit.archived": _("Unit archived"),
    "unit.restored": _("Unit restored"),
    "unit.deleted": _("Unit deleted"),
    "unit_type.created": _("Unit type created"),
    "unit_type.updated": _("Unit type updated"),
    "data.exported": _("Data exported"),
    "api_key.created": _("API key created"),
    "api_key.revoked": _("API key revoked"),
    "item.created": _("Catalogue item created"),
    "item.revised": _("Catalogue item revised"),
    "target.set": _("Target set"),
    "service_path.created": _("Service path created"),
    "service_path.updated": _("Service path updated"),
    "survey.created": _("Survey created"),
    "survey.updated": _("Survey updated"),
    "survey.published": _("Survey published"),
    "survey.closed": _("Survey closed"),
    "invitations.created": _("Invitations sent"),
    "feedback.recorded": _("Verbal feedback recorded"),
    "complaint.registered": _("Complaint registered"),
    "complaint.updated": _("Complaint updated"),
    "import.uploaded": _("Response file uploaded"),
    "responses.deleted": _("Responses deleted"),
    "action.saved": _("Improvement action saved"),
    "action.moved": _("Improvement action moved on the board"),
    "import.finished": _("Responses imported"),
    "held_answer.accepted": _("Kiosk answer on hold accepted"),
    "retention.updated": _("Retention periods changed"),
    "retention.applied": _("Data past its retention period deleted"),
    "data_subject.exported": _("Personal data of a person exported"),
    "data_subject.erased": _("Personal data of a person erased"),
    "held_answer.discarded": _("Kiosk answer on hold discarded"),
    "report.requested": _("PDF report requested"),
    "report.scheduled": _("Monthly PDF report subscribed"),
    "report.unscheduled": _("Monthly PDF report cancelled"),
    "webhook.created": _("Webhook created"),
    "webhook.updated": _("Webhook changed"),
    "webhook.deleted": _("Webhook deleted"),
    "webhook.secret_rotated": _("Webhook secret renewed"),
    "webhook.tested": _("Webhook test event sent"),
    "webhook.redelivered": _("Webhook event sent again"),
}


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # Kept as text so the log still reads right after a user or object is renamed or removed.
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=50, db_index=True)
    target_type = models.CharField(_("target type"), max_length=50, blank=True)
    target_id = models.CharField(_("target id"), max_length=50, blank=True)
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    access_organisation_field = "organisation"

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-occurred_at"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    @property
    def action_label(self) -> str:
        return str(ACTIONS.get(self.action, self.action))

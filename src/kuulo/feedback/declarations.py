"""What the feedback app adds to the whole (core/registry.py)."""

from django.utils.translation import gettext_lazy as _

from kuulo.core.registry import audit_action, navigation, permission
from kuulo.organisations.access import Permission
from kuulo.organisations.models import Role

permission(Permission.CONFIGURE_FEEDBACK, roles=(Role.CX_LEAD,))
permission(Permission.SUBMIT_RESPONSES, api_key_label=_("Send responses"))
permission(Permission.RECORD_FEEDBACK, roles=(Role.CX_LEAD, Role.MANAGER, Role.STAFF))
permission(Permission.MANAGE_COMPLAINTS, roles=(Role.CX_LEAD, Role.MANAGER))
permission(
    Permission.RECORD_VOLUMES,
    roles=(Role.CX_LEAD, Role.MANAGER),
    api_key_label=_("Send service volumes and waiting times"),
)
permission(Permission.IMPORT_RESPONSES, roles=(Role.CX_LEAD, Role.MANAGER))

for code, label in [
    ("item.created", _("Catalogue item created")),
    ("item.revised", _("Catalogue item revised")),
    ("target.set", _("Target set")),
    ("service_path.created", _("Service path created")),
    ("service_path.updated", _("Service path updated")),
    ("survey.created", _("Survey created")),
    ("survey.updated", _("Survey updated")),
    ("survey.published", _("Survey published")),
    ("survey.closed", _("Survey closed")),
    ("invitations.created", _("Invitations sent")),
    ("feedback.recorded", _("Verbal feedback recorded")),
    ("complaint.registered", _("Complaint registered")),
    ("complaint.updated", _("Complaint updated")),
    ("import.uploaded", _("Response file uploaded")),
    ("import.finished", _("Responses imported")),
    ("responses.deleted", _("Responses deleted")),
    ("held_answer.accepted", _("Kiosk answer on hold accepted")),
    ("held_answer.discarded", _("Kiosk answer on hold discarded")),
]:
    audit_action(code, label)

navigation(
    _("Surveys"),
    "feedback:survey_list",
    Permission.CONFIGURE_FEEDBACK,
    order=50,
    # The survey settings' subnav: its pages keep Surveys marked.
    section=(
        "feedback:service_path_list",
        "feedback:item_list",
        "feedback:question_set_list",
        "feedback:target_list",
        "feedback:held_answer_list",
    ),
)
navigation(_("Verbal feedback"), "feedback:verbal_feedback", Permission.RECORD_FEEDBACK, order=60)
navigation(_("Complaints and reminders"), "feedback:complaint_list", Permission.MANAGE_COMPLAINTS, order=70)
navigation(_("Service volumes"), "feedback:service_volumes", Permission.RECORD_VOLUMES, order=80)
navigation(_("Imports"), "feedback:import_list", Permission.IMPORT_RESPONSES, order=90)

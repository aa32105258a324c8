"""What the privacy app adds to the whole (core/registry.py)."""

from django.utils.translation import gettext_lazy as _

from kuulo.core.registry import audit_action, permission, settings_page
from kuulo.organisations.access import Permission

# Organisation admins only.
permission(Permission.MANAGE_PRIVACY)

audit_action("retention.updated", _("Retention periods changed"))
audit_action("retention.applied", _("Data past its retention period deleted"))
audit_action("data_subject.exported", _("Personal data of a person exported"))
audit_action("data_subject.erased", _("Personal data of a person erased"))

settings_page(_("Retention"), "privacy:retention", "retention", Permission.MANAGE_PRIVACY, order=50)
settings_page(
    _("Personal data requests"), "privacy:data_subject", "data_subject", Permission.MANAGE_PRIVACY, order=60
)

"""What the organisations app adds to the whole (core/registry.py)."""

from django.utils.translation import gettext_lazy as _

from kuulo.core.registry import audit_action, navigation, permission, settings_page

from .access import Permission
from .models import Role

EVERY_ROLE = (Role.CX_LEAD, Role.MANAGER, Role.STAFF, Role.ACCOUNT_MANAGER, Role.VIEWER)

permission(Permission.MANAGE_ORGANISATION)
permission(Permission.VIEW_UNITS, roles=EVERY_ROLE, api_key_label=_("Read the unit tree"))

for code, label in [
    ("user.created", _("User created")),
    ("user.updated", _("User updated")),
    ("user.activated", _("User activated")),
    ("user.deactivated", _("User deactivated")),
    ("role.granted", _("Role granted")),
    ("role.revoked", _("Role revoked")),
    ("organisation.updated", _("Organisation settings changed")),
    ("unit.created", _("Unit created")),
    ("unit.updated", _("Unit updated")),
    ("unit.moved", _("Unit moved")),
    ("unit.archived", _("Unit archived")),
    ("unit.restored", _("Unit restored")),
    ("unit.deleted", _("Unit deleted")),
    ("unit_type.created", _("Unit type created")),
    ("unit_type.updated", _("Unit type updated")),
    ("api_key.created", _("API key created")),
    ("api_key.revoked", _("API key revoked")),
]:
    audit_action(code, label)

navigation(_("Units"), "organisations:unit_list", Permission.VIEW_UNITS, order=40)
navigation(_("People"), "organisations:people_list", Permission.MANAGE_ORGANISATION, order=100)
navigation(_("Settings"), "organisations:settings", Permission.MANAGE_ORGANISATION, order=120)
settings_page(
    _("Organisation"), "organisations:settings", "organisation", Permission.MANAGE_ORGANISATION, order=10
)
settings_page(
    _("Unit types"), "organisations:unit_type_list", "unit_types", Permission.MANAGE_ORGANISATION, order=20
)
settings_page(
    _("API keys"), "organisations:api_key_list", "api_keys", Permission.MANAGE_ORGANISATION, order=30
)

"""What the accounts app adds to the whole (core/registry.py)."""

from django.utils.translation import gettext_lazy as _

from kuulo.core.registry import audit_action

audit_action("auth.login", _("Signed in"))
audit_action("auth.logout", _("Signed out"))
audit_action("auth.login_failed", _("Failed sign-in"))
audit_action("auth.locked_out", _("Sign-in locked out"))

"""What the import commands share: the person on whose behalf a command acts."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from kuulo.organisations.access import organisation_for


def acting_user(username: str) -> Any:
    """The user whose rights a command uses and whose name the audit log records."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or organisation_for(user) is None:
        raise CommandError(_("No active user “%(name)s” in an organisation.") % {"name": username})
    return user

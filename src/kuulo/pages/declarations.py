"""What the pages app adds to the whole (core/registry.py)."""

from django.utils.translation import gettext_lazy as _

from kuulo.core.registry import navigation

navigation(_("Home"), "pages:home", None, order=0)

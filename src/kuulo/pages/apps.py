from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    """The site's own pages: home, accessibility statement, language switch, health check,
    the API reference, and the navigation every page shows."""

    name = "kuulo.pages"
    label = "pages"
    verbose_name = _("Pages")

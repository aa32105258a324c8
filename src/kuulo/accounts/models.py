"""Staff user accounts. Customers never have accounts: feedback is anonymous."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import LanguageChoice


class User(AbstractUser):
    """A member of staff. What they may see is decided by organisations.access."""

    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=LanguageChoice.choices,
        blank=True,
        help_text=_("The language of the user interface. Empty: follow the browser."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

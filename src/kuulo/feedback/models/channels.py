"""How responses arrive (`Channel`), and the channels that keep rows of their own:
kiosks, personal invitations and the invitations' daily funnel.

The public form's and widget's limits live on the publication (`SurveyPublication`)
and in `feedback/abuse.py`; the start tokens it has used up are kept with the responses.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import LanguageChoice, TimestampedModel

from .surveys import SurveyPublication


class Channel(models.TextChoices):
    LINK = "link", _("Link")
    QR = "qr", _("QR code")
    WIDGET = "widget", _("Website widget")
    KIOSK = "kiosk", _("Kiosk")
    VERBAL = "verbal", _("Verbal feedback")
    EMAIL = "email", _("E-mail invitation")
    SMS = "sms", _("Text message")
    API = "api", _("Other system (API)")
    IMPORT = "import", _("Import")


class Kiosk(TimestampedModel):
    """A tablet at a service point that asks one-tap questions for one publication.

    It authenticates as its own API key (limited to its unit and to sending responses),
    so it needs no person signed in and can be switched off by revoking the key."""

    publication = models.ForeignKey(SurveyPublication, on_delete=models.PROTECT, related_name="kiosks")
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Where the kiosk stands, e.g. Lobby, B building.")
    )
    api_key = models.OneToOneField("organisations.ApiKey", on_delete=models.PROTECT, related_name="kiosk")

    access_unit_field = "publication__unit"

    class Meta:
        ordering = ["name"]
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.api_key.revoked_at is None


class Invitation(models.Model):
    """A personal, single-use invitation to answer a survey, sent by e-mail or text message.

    The recipient's address is kept only to send the invitation and one reminder, and is
    forgotten when the reminder window closes. Nothing joins an invitation to its response:
    "opened" and "answered" are flags without a time (a time could be matched with the
    response's), the response stores no invitation, and the funnel is counted per link
    and day (`InvitationDay`). The one exception is a link whose respondents agreed to be
    identified (`SurveyPublication.identified`). The link's token is the invitation id
    signed with the secret key, so any worker can rebuild it and nobody can guess another."""

    publication = models.ForeignKey(SurveyPublication, on_delete=models.CASCADE, related_name="invitations")
    channel = models.CharField(
        max_length=10, choices=[(Channel.EMAIL, Channel.EMAIL.label), (Channel.SMS, Channel.SMS.label)]
    )
    address = models.CharField(_("address"), max_length=254, blank=True)  # "" once forgotten
    language = models.CharField(_("language"), max_length=2, choices=LanguageChoice.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    opened = models.BooleanField(default=False)
    answered = models.BooleanField(default=False)
    # Only for a link whose respondents agreed to be identified.
    response = models.OneToOneField(
        "Response", on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation"
    )

    access_unit_field = "publication__unit"

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["publication", "answered"])]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}"


class InvitationDay(models.Model):
    """The invitation funnel of one link on one day: how many were invited, sent, reminded,
    opened and answered. Counted here, not read from invitations, so that invitations
    carry no times that could be matched with responses and can lose their addresses."""

    publication = models.ForeignKey(SurveyPublication, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    invited = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    reminded = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publication", "day"], name="invitation_day_unique")]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.day}"

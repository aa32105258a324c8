"""Service paths and their touchpoints, surveys, their questions and publications.

Surveys are short ordered sets of item versions for one touchpoint of a service
path, published per unit; each publication is the public link (and QR code) that
responses arrive through.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import TimestampedModel, TranslatedNameModel, in_language, translations
from kuulo.organisations.models import Organisation, Unit

from .catalogue import ItemVersion, QuestionSet


class ServicePath(TimestampedModel, TranslatedNameModel):
    """A customer's journey through the service as ordered touchpoints. A path may be the
    whole organisation's or one unit's: a unit's path is seen by that unit, the units above
    it and the units below it, and its surveys are published only in its subtree."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="service_paths")
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_paths",
        verbose_name=_("unit"),
        help_text=_("Empty: a path shared by the whole organisation."),
    )
    code = models.SlugField(_("code"), max_length=60)

    # A unit's path belongs to that unit; a path without a unit to the organisation.
    # `listed` names both to the units below their own (organisations/access.py).
    access_unit_field = "unit"
    access_organisation_field = "organisation"
    access_shared_below = True

    class Meta:
        ordering = ["name_fi"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                name="service_path_code_unique",
                violation_error_message=_("A service path with this code already exists."),
            )
        ]
        verbose_name = _("service path")
        verbose_name_plural = _("service paths")


class Touchpoint(TimestampedModel, TranslatedNameModel):
    service_path = models.ForeignKey(ServicePath, on_delete=models.CASCADE, related_name="touchpoints")
    code = models.SlugField(_("code"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"))

    access_unit_field = "service_path__unit"
    access_organisation_field = "service_path__organisation"
    access_shared_below = True

    class Meta:
        ordering = ["service_path", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_path", "code"],
                name="touchpoint_code_unique",
                violation_error_message=_("A touchpoint with this code already exists on this path."),
            )
        ]
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


# People answer short surveys; past this many questions, the editor warns.
RECOMMENDED_MAX_QUESTIONS = 7


class Survey(TimestampedModel, TranslatedNameModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="surveys")
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("touchpoint")
    )
    standard_set = models.ForeignKey(
        QuestionSet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name=_("standard question set"),
        help_text=_("The survey must then contain the set's questions unmodified."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    intro_fi = models.TextField(_("introduction in Finnish"), blank=True)
    intro_sv = models.TextField(_("introduction in Swedish"), blank=True)
    intro_en = models.TextField(_("introduction in English"), blank=True)

    access_organisation_field = "organisation"

    class Meta:
        ordering = ["name_fi"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    @property
    def intro(self) -> str:
        return in_language(translations(self, "intro"))

    def ordered_questions(self) -> list["SurveyQuestion"]:
        """The questions in the order they are asked, with their item versions and items."""
        return list(self.questions.select_related("item_version__item").order_by("order"))


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    item_version = models.ForeignKey(
        ItemVersion, on_delete=models.PROTECT, related_name="survey_questions", verbose_name=_("question")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    required = models.BooleanField(_("required"), default=False)
    # Show-if: ask this question only when the answer to `show_if_question` is one of `show_if_values`.
    show_if_question = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dependants",
        verbose_name=_("show only if the answer to"),
    )
    show_if_values = models.JSONField(_("is one of"), default=list, blank=True)

    class Meta:
        ordering = ["survey", "order"]
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")

    def __str__(self) -> str:
        return str(self.item_version)


class SurveyPublication(TimestampedModel):
    """A survey published for one unit: its public link, QR code, widget and kiosk point here."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="publications")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="survey_publications")
    code = models.CharField(_("link code"), max_length=12, unique=True)
    active = models.BooleanField(_("active"), default=True)
    # The one exception to anonymous invitations: respondents of this link agreed to be
    # identified (a key-account or panel survey), are told so on the form, and their
    # response is linked to their invitation.
    identified = models.BooleanField(
        _("respondents are identified"),
        default=False,
        help_text=_(
            "Only for surveys whose respondents agreed to it, such as key-account surveys: "
            "each invited person's answers are linked to them, and the form says so."
        ),
    )
    # Answers from one address within the rate window (ten minutes, sliding): past the soft
    # limit the browser must do a short check first, past the hard one answers are refused
    # for a while. Empty: the site's defaults. A kiosk or an event may need more.
    address_soft_limit = models.PositiveIntegerField(
        _("answers from one address before a browser check"), null=True, blank=True
    )
    address_hard_limit = models.PositiveIntegerField(
        _("answers from one address before refusing"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )

    access_unit_field = "unit"

    class Meta:
        ordering = ["survey", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "unit"], name="publication_survey_unit_unique"),
            models.CheckConstraint(
                condition=Q(address_soft_limit__isnull=True)
                | Q(address_hard_limit__isnull=True)
                | Q(address_hard_limit__gte=F("address_soft_limit")),
                name="publication_hard_limit_above_soft",
                violation_error_message=_(
                    "The limit for refusing must be at least the one for a browser check."
                ),
            ),
        ]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self) -> str:
        return f"{self.survey} · {self.unit}"

    def address_limits(self) -> tuple[int, int]:
        """(soft, hard): answers from one address within the rate window before a browser
        check and before refusing, the site's defaults where the publication sets none."""
        soft = self.address_soft_limit
        hard = self.address_hard_limit
        soft = settings.KUULO_RESPOND_RATE_IP_SOFT if soft is None else soft
        hard = settings.KUULO_RESPOND_RATE_IP_HARD if hard is None else hard
        return soft, max(soft, hard, 1)

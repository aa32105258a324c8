"""Uniform metrics and the feedback they collect.

The metric catalogue holds items (CSAT, NPS, CES, driver statements, custom
questions). An item's wording and scale live in immutable versions: changing
either creates a new version, and every answer points at the exact version it
answered, so results of different versions are never silently mixed.

Surveys are short ordered sets of item versions for one touchpoint of a service
path, published per unit; each publication is the public link (and QR code) that
responses arrive through.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import (
    LanguageChoice,
    TimestampedModel,
    TranslatedNameModel,
    in_language,
    translations,
    unique_with_optional,
)
from kuulo.organisations.models import Organisation, Unit


class ItemKind(models.TextChoices):
    CSAT = "csat", _("Satisfaction (CSAT, 1–5)")
    NPS = "nps", _("Likelihood to recommend (NPS, 0–10)")
    CES = "ces", _("Customer effort (CES, 1–7)")
    AGREEMENT = "agreement", _("Agreement statement (1–5)")
    LIKERT = "likert", _("Custom rating scale")
    YES_NO = "yes_no", _("Yes / no")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    TEXT = "text", _("Open text")


# Kinds whose scale is fixed, so that results are comparable everywhere.
FIXED_SCALES: dict[str, tuple[int, int]] = {
    ItemKind.CSAT: (1, 5),
    ItemKind.NPS: (0, 10),
    ItemKind.CES: (1, 7),
    ItemKind.AGREEMENT: (1, 5),
    ItemKind.YES_NO: (0, 1),
}
RATING_KINDS = {ItemKind.CSAT, ItemKind.NPS, ItemKind.CES, ItemKind.AGREEMENT, ItemKind.LIKERT}
CHOICE_KINDS = {ItemKind.SINGLE_CHOICE, ItemKind.MULTIPLE_CHOICE}


class Dimension(models.TextChoices):
    """What an item measures, so that dashboards can group comparable items."""

    SATISFACTION = "satisfaction", _("Satisfaction")
    RECOMMENDATION = "recommendation", _("Recommendation")
    EFFORT = "effort", _("Effort")
    TRUST = "trust", _("Trust")
    EASE = "ease", _("Ease")
    EFFICIENCY = "efficiency", _("Efficiency and speed")
    QUALITY = "quality", _("Quality")
    EQUITY = "equity", _("Equity and transparency")
    HELPFULNESS = "helpfulness", _("Employee helpfulness")
    INFORMATION = "information", _("Information")
    SAFETY = "safety", _("Safety")
    OTHER = "other", _("Other")


class Item(TimestampedModel):
    """A catalogue entry. Standard items (organisation=None) ship with Kuulo and are locked."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="feedback_items"
    )
    code = models.SlugField(_("code"), max_length=60)
    kind = models.CharField(_("type"), max_length=20, choices=ItemKind.choices)
    dimension = models.CharField(
        _("dimension"), max_length=20, choices=Dimension.choices, default=Dimension.OTHER
    )
    locked = models.BooleanField(_("locked wording"), default=False)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    access_organisation_field = "organisation"
    access_includes_shared = True

    class Meta:
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                name="item_code_unique",
                violation_error_message=_("An item with this code already exists."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organisation__isnull=True),
                name="standard_item_code_unique",
            ),
        ]
        verbose_name = _("item")
        verbose_name_plural = _("items")

    def __str__(self) -> str:
        version = self.latest_version()
        return version.text if version else self.code

    @property
    def is_standard(self) -> bool:
        return self.organisation_id is None

    def latest_version(self) -> "ItemVersion | None":
        return self.versions.order_by("-number").first()


class ItemVersionQuerySet(models.QuerySet["ItemVersion"]):
    def latest_of(self, items: models.QuerySet[Item]) -> "ItemVersionQuerySet":
        """The newest version of each of these items, in one query."""
        newest = ItemVersion.objects.filter(item=OuterRef("item")).order_by("-number").values("pk")[:1]
        return self.filter(item__in=items, pk=Subquery(newest))


class ItemVersion(models.Model):
    """The wording and scale of an item at one point in time. Never edited once created."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    text_fi = models.CharField(_("question in Finnish"), max_length=500)
    text_sv = models.CharField(_("question in Swedish"), max_length=500, blank=True)
    text_en = models.CharField(_("question in English"), max_length=500, blank=True)
    scale_min = models.SmallIntegerField(_("scale minimum"), null=True, blank=True)
    scale_max = models.SmallIntegerField(_("scale maximum"), null=True, blank=True)
    # {"low": {"fi": ..., "sv": ..., "en": ...}, "high": {...}}: the words at the scale's ends.
    anchors = models.JSONField(_("scale labels"), default=dict, blank=True)
    # [{"value": "a", "fi": ..., "sv": ..., "en": ...}, ...] for choice items.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ItemVersionQuerySet.as_manager()

    class Meta:
        ordering = ["item", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="item_version_unique")]
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")

    def __str__(self) -> str:
        return f"{self.text} (v{self.number})"

    @property
    def text(self) -> str:
        return in_language(translations(self, "text"))

    @property
    def kind(self) -> str:
        return self.item.kind

    @property
    def anchor_low(self) -> str:
        return in_language(self.anchors.get("low", {}))

    @property
    def anchor_high(self) -> str:
        return in_language(self.anchors.get("high", {}))

    def scale_values(self) -> list[int]:
        if self.scale_min is None or self.scale_max is None:
            return []
        return list(range(self.scale_min, self.scale_max + 1))

    def choice_values(self) -> list[str]:
        return [str(choice["value"]) for choice in self.choices]

    def content(self) -> dict[str, Any]:
        """Everything that defines this version: two versions with equal content are the same question."""
        return {
            "text": translations(self, "text"),
            "scale": [self.scale_min, self.scale_max],
            "anchors": self.anchors,
            "choices": self.choices,
        }

    def clean(self) -> None:
        kind = self.item.kind
        if kind in FIXED_SCALES and (self.scale_min, self.scale_max) != FIXED_SCALES[kind]:
            low, high = FIXED_SCALES[kind]
            raise ValidationError(
                _("This item type always uses the scale %(low)s–%(high)s.") % {"low": low, "high": high}
            )
        scale_ok = (
            self.scale_min is not None
            and self.scale_max is not None
            and 2 <= self.scale_max - self.scale_min <= 10
        )
        if kind == ItemKind.LIKERT and not scale_ok:
            raise ValidationError(_("A rating scale needs between 3 and 11 points."))
        if kind in CHOICE_KINDS:
            values = self.choice_values()
            if len(values) < 2 or len(set(values)) != len(values):
                raise ValidationError(_("Give at least two choices, each with its own value."))
            if any(not choice.get("fi") for choice in self.choices):
                raise ValidationError(_("Every choice needs a Finnish label."))


class QuestionSet(TimestampedModel, TranslatedNameModel):
    """A standard question set (OMB A-11 §280, THL national client feedback, GOV.UK).
    A survey that claims a set must contain its items unmodified."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    source = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(_("source address"), blank=True)
    description_fi = models.TextField(blank=True)
    description_sv = models.TextField(blank=True)
    description_en = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("standard question set")
        verbose_name_plural = _("standard question sets")

    @property
    def description(self) -> str:
        return in_language(translations(self, "description"))


class QuestionSetItem(models.Model):
    question_set = models.ForeignKey(QuestionSet, on_delete=models.CASCADE, related_name="entries")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField()
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["question_set", "order"]
        constraints = [
            models.UniqueConstraint(fields=["question_set", "order"], name="question_set_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question_set.code} #{self.order}"


class TargetMeasure(models.TextChoices):
    MEAN = "mean", _("Mean")
    TOP_BOX = "top_box", _("Share of the top two answers (%)")
    NPS = "nps", _("Net Promoter Score")


class Target(TimestampedModel):
    """A target level (tavoitetaso) for an item: the organisation's default, or a unit's own."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="targets")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="targets", verbose_name=_("item"))
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("unit"),
        help_text=_("Empty: the organisation's default target."),
    )
    measure = models.CharField(_("measure"), max_length=10, choices=TargetMeasure.choices)
    value = models.DecimalField(_("target level"), max_digits=6, decimal_places=2)

    access_organisation_field = "organisation"

    class Meta:
        ordering = ["item", "unit__path"]
        constraints = unique_with_optional(
            "organisation",
            "item",
            optional="unit",
            names=("target_default_unique", "target_unit_unique"),
            messages=(
                _("The organisation already has a default target for this item."),
                _("This unit already has a target for this item."),
            ),
        )
        verbose_name = _("target level")
        verbose_name_plural = _("target levels")

    def __str__(self) -> str:
        return f"{self.item}: {self.get_measure_display()} {self.value}"


class ServicePath(TimestampedModel, TranslatedNameModel):
    """A customer's journey through the service as ordered touchpoints."""

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

    access_organisation_field = "organisation"

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

    access_organisation_field = "service_path__organisation"

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


class UsedStartToken(models.Model):
    """A public form's start token that has brought its response: one more post with it (a
    double click, back and send again) stores nothing. Kept as long as the token is valid."""

    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the signed token
    used_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.token_hash


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


class RespondentType(models.TextChoices):
    STUDENT = "student", _("Student")
    APPLICANT = "applicant", _("Applicant")
    EMPLOYER = "employer", _("Employer")
    PARTNER = "partner", _("Partner")
    CITIZEN = "citizen", _("Citizen")
    OTHER = "other", _("Other")


class AgeBand(models.TextChoices):
    UNDER_18 = "-17", _("under 18")
    AGE_18_29 = "18-29", _("18–29")
    AGE_30_49 = "30-49", _("30–49")
    AGE_50_64 = "50-64", _("50–64")
    AGE_65_UP = "65-", _("65 or over")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Response(models.Model):
    """One customer's feedback at one touchpoint. Anonymous: no IP address, no user agent."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="responses")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="responses")
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    publication = models.ForeignKey(
        SurveyPublication, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # When the customer answered (imported and late responses keep their own time).
    responded_at = models.DateTimeField(_("answered"), db_index=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    language = models.CharField(_("language"), max_length=2, choices=LanguageChoice.choices)
    respondent_type = models.CharField(
        _("respondent"), max_length=20, choices=RespondentType.choices, blank=True
    )
    age_band = models.CharField(_("age group"), max_length=10, choices=AgeBand.choices, blank=True)
    attributes = models.JSONField(_("other attributes"), default=dict, blank=True)
    # Set by the sender (API idempotency key, import row id, kiosk answer id): a retry
    # with the same key through the same survey link never creates a second response.
    source_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 (NULL = no key, not unique)
    # A digest of what was sent with the key: the same key with other content is refused.
    source_digest = models.CharField(max_length=64, blank=True, default="")
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    access_unit_field = "unit"

    class Meta:
        ordering = ["-responded_at"]
        constraints = [
            # Keys are the sender's own, per survey link: a kiosk re-created for the same
            # link and a file import for it share one scope, other links never collide.
            models.UniqueConstraint(
                fields=["publication", "source_key"],
                condition=Q(source_key__isnull=False),
                name="response_source_key_unique",
            )
        ]
        indexes = [models.Index(fields=["unit", "responded_at"])]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.responded_at:%Y-%m-%d %H:%M}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(null=True, blank=True)
    # Free text is stored only after personal data has been redacted from it.
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item_version"], name="answer_once_per_item")
        ]

    def __str__(self) -> str:
        value = self.number if self.number is not None else (self.choices or self.text)
        return f"{self.item_version_id}: {value}"


class ResponseContact(models.Model):
    """Contact details a respondent chose to leave, with the consent they gave."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    consent_version = models.CharField(max_length=20)
    consented_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name or self.email or self.phone


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Formal complaint (kantelu)")
    REMINDER = "reminder", _("Formal reminder (muistutus)")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("Being handled")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed")


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly", _("Partly upheld")
    NOT_UPHELD = "not_upheld", _("Not upheld")
    WITHDRAWN = "withdrawn", _("Withdrawn or not processed")


class Complaint(TimestampedModel):
    """A formal complaint or reminder. Counted beside survey results, never mixed into scores."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="complaints")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("unit")
    )
    kind = models.CharField(_("type"), max_length=10, choices=ComplaintKind.choices)
    case_number = models.CharField(_("case number"), max_length=50)
    received_on = models.DateField(_("received"))
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    # Personal data is redacted from the summary: the case itself lives in the case-management system.
    summary = models.TextField(_("summary"), blank=True)
    decided_on = models.DateField(_("decided"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=ComplaintOutcome.choices, blank=True)
    outcome_notes = models.TextField(_("what was done"), blank=True)

    access_unit_field = "unit"

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "case_number"],
                name="complaint_case_number_unique",
                violation_error_message=_("A case with this number is registered already."),
            )
        ]
        verbose_name = _("complaint or reminder")
        verbose_name_plural = _("complaints and reminders")

    def __str__(self) -> str:
        return f"{self.case_number} ({self.get_kind_display()})"

    def clean(self) -> None:
        if self.decided_on and self.decided_on < self.received_on:
            raise ValidationError({"decided_on": _("The decision cannot be earlier than the receipt.")})
        if self.status in (ComplaintStatus.DECIDED, ComplaintStatus.CLOSED) and not (
            self.decided_on and self.outcome
        ):
            raise ValidationError(_("A decided case needs its decision date and outcome."))


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


class HeldAnswerStatus(models.TextChoices):
    HELD = "held", _("On hold")
    ACCEPTED = "accepted", _("Accepted")
    DISCARDED = "discarded", _("Discarded")


class HeldAnswer(models.Model):
    """An answer a kiosk sent that the server could not store (the survey was closed, the
    kiosk's unit archived…). The kiosk thanked the customer for it, so it is never dropped:
    it waits here, redacted like any answer, until a CX lead accepts or discards it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    publication = models.ForeignKey(SurveyPublication, on_delete=models.PROTECT, related_name="held_answers")
    kiosk = models.ForeignKey(Kiosk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The kiosk's own id for the answer: a resend is held once.
    source_key = models.CharField(max_length=200)
    # What was sent, with free text already redacted (see feedback.quarantine).
    payload = models.JSONField()
    reasons = models.JSONField(default=list)  # [{"field": …, "message": …}] in the receiver's words
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HeldAnswerStatus.choices, default=HeldAnswerStatus.HELD
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    access_unit_field = "unit"

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "source_key"], name="held_answer_once_per_key")
        ]
        verbose_name = _("answer on hold")
        verbose_name_plural = _("answers on hold")

    def __str__(self) -> str:
        return f"{self.publication_id}: {self.source_key}"


class ServiceVolume(TimestampedModel):
    """The service's own numbers for one unit (and touchpoint) on one day, read beside the
    experience: how many were served and offered the survey (so response rates can be
    computed), how long they waited, and how long their matter took."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="service_volumes")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="service_volumes", verbose_name=_("unit")
    )
    touchpoint = models.ForeignKey(
        Touchpoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_volumes",
        verbose_name=_("touchpoint"),
    )
    date = models.DateField(_("date"))
    customers_served = models.PositiveIntegerField(_("customers served"))
    customers_offered_survey = models.PositiveIntegerField(
        _("customers offered the survey"), null=True, blank=True
    )
    waiting_minutes = models.DecimalField(
        _("average waiting time (minutes)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    processing_days = models.DecimalField(
        _("average processing time (days)"), max_digits=7, decimal_places=1, null=True, blank=True
    )

    access_unit_field = "unit"

    class Meta:
        ordering = ["-date", "unit__path"]
        constraints = unique_with_optional(
            "unit",
            "date",
            optional="touchpoint",
            names=("volume_unit_day_unique", "volume_unit_touchpoint_day_unique"),
        )
        indexes = [models.Index(fields=["unit", "date"])]
        verbose_name = _("service volume")
        verbose_name_plural = _("service volumes")

    def __str__(self) -> str:
        return f"{self.unit} {self.date}: {self.customers_served}"

    def clean(self) -> None:
        if (
            self.customers_offered_survey is not None
            and self.customers_offered_survey > self.customers_served
        ):
            raise ValidationError(
                {
                    "customers_offered_survey": _(
                        "More customers cannot be offered the survey than were served."
                    )
                }
            )
        for name in ("waiting_minutes", "processing_days"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValidationError({name: _("A time cannot be negative.")})


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


class ImportStatus(models.TextChoices):
    READING = "reading", _("Reading the file")
    MAPPING = "mapping", _("Waiting for column choices")
    QUEUED = "queued", _("Queued")
    CHECKING = "checking", _("Checking rows")
    SAVING = "saving", _("Saving")
    DONE = "done", _("Imported")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Stopped by an error")


class ResponseImport(TimestampedModel):
    """Responses brought in from a CSV or XLSX file exported from another tool.

    The file is kept in the database (not on one server's disk) until the import has
    run, so any worker can process it; it is emptied once the responses are stored, or
    when the file is refused as it is first read.
    Progress and the row-by-row error report live here too, so any app server can
    show them."""

    publication = models.ForeignKey(SurveyPublication, on_delete=models.PROTECT, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(max_length=4, choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    encoding = models.CharField(max_length=20, blank=True)  # CSV only
    content = models.BinaryField(default=b"")
    content_hash = models.CharField(max_length=64)  # the file's SHA-256, in the audit log: which file it was
    columns = models.JSONField(default=list)  # the header row
    samples = models.JSONField(default=list)  # the first rows as text, shown beside the column choices
    language = models.CharField(max_length=2, default="fi")  # the error report's language
    # Column index (as text) -> what it holds: "q:<item code>", "responded_at", "language",
    # "respondent_type", "age_band", "external_id", "attribute", or "" for ignored.
    mapping = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # the first errors: {"row", "column", "message"}
    finished_at = models.DateTimeField(null=True, blank=True)

    access_unit_field = "publication__unit"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("response import")
        verbose_name_plural = _("response imports")

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_running(self) -> bool:
        return self.status in (
            ImportStatus.READING,
            ImportStatus.QUEUED,
            ImportStatus.CHECKING,
            ImportStatus.SAVING,
        )

    @property
    def percent(self) -> int:
        """Progress for the progress bar: checking is most of the work, saving the rest."""
        if self.status in (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED):
            return 100
        if self.status == ImportStatus.SAVING:
            return 90
        if not self.total_rows:
            return 0
        return min(90, 90 * self.checked_rows // self.total_rows)

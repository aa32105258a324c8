"""The metric catalogue: items, their versions, standard question sets and targets.

The metric catalogue holds items (CSAT, NPS, CES, driver statements, custom
questions). An item's wording and scale live in immutable versions: changing
either creates a new version, and every answer points at the exact version it
answered, so results of different versions are never silently mixed.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import (
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
    NUMBER = "number", _("Number (minutes, euros, count)")
    TEXT = "text", _("Open text")


# Kinds whose scale is fixed, so that results are comparable everywhere.
FIXED_SCALES: dict[str, tuple[int, int]] = {
    ItemKind.CSAT: (1, 5),
    ItemKind.NPS: (0, 10),
    ItemKind.CES: (1, 7),
    ItemKind.AGREEMENT: (1, 5),
    ItemKind.YES_NO: (0, 1),
}
# Kinds whose answers make the organisation-wide headline figures, whichever item asks them
# (insights.figures.headline_measures): a survey asks each at most once.
HEADLINE_KINDS = (ItemKind.CSAT, ItemKind.NPS, ItemKind.CES)
RATING_KINDS = {ItemKind.CSAT, ItemKind.NPS, ItemKind.CES, ItemKind.AGREEMENT, ItemKind.LIKERT}
CHOICE_KINDS = {ItemKind.SINGLE_CHOICE, ItemKind.MULTIPLE_CHOICE}
# A number answer is kept in the aggregates as a whole number of its smallest step
# (10 ** -decimals): the bounds may hold at most this many steps, so that sums of squares
# stay far inside 64-bit integers (ADR 0010).
MAX_NUMBER_STEPS = 1_000_000
NUMBER_BUCKETS = 11  # the aggregates' counts c0–c10: log-spaced ranges within the bounds


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

    def display_name(self, version: "ItemVersion | None" = None) -> str:
        """What people call the item, never its code: a headline measure's translated name
        (CSAT, NPS, CES: every item of the kind counts in it), otherwise the question's
        wording (of `version`, or the newest)."""
        if self.kind in HEADLINE_KINDS:
            return str(self.get_kind_display())
        version = version or self.latest_version()
        return version.text if version is not None else str(self.get_kind_display())


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
    # A number item's bounds, decimals and unit ({"fi": "min", "sv": "min", "en": "min"}).
    lower = models.DecimalField(_("smallest answer"), max_digits=12, decimal_places=2, null=True, blank=True)
    upper = models.DecimalField(_("largest answer"), max_digits=12, decimal_places=2, null=True, blank=True)
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=0)
    unit_label = models.JSONField(_("unit"), default=dict, blank=True)
    # A scale's "can't say" option: stored and counted, never part of a mean or an NPS.
    cant_say = models.BooleanField(
        _("offer “can't say”"),
        default=False,
        help_text=_("Respondents may answer “can't say”: counted, but left out of means and NPS."),
    )
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
            "cant_say": self.cant_say,
            **(
                {"number": [str(self.lower), str(self.upper), self.decimals, self.unit_label]}
                if self.lower is not None
                else {}
            ),
        }

    @property
    def unit(self) -> str:
        """A number's unit in the reader's language ("min", "€", "kpl")."""
        return in_language(self.unit_label)

    @property
    def step(self) -> Decimal:
        """The smallest difference between two number answers."""
        return Decimal(1).scaleb(-self.decimals)

    def bucket_edges(self) -> list[Decimal]:
        """Where a number item's ranges begin, after the first (NUMBER_BUCKETS - 1 edges):
        log-spaced within the bounds, so that short waits and long ones both get ranges of
        their own. From a lower bound of 0 (or below), the edges halve the span down from
        the top (…, span/4, span/2); from a positive one, they grow by one ratio."""
        assert self.lower is not None and self.upper is not None
        low, high, count = self.lower, self.upper, NUMBER_BUCKETS
        if low > 0:
            ratio = (high / low) ** (Decimal(1) / count)
            edges = [low * ratio**k for k in range(1, count)]
        else:
            edges = [low + (high - low) / Decimal(2) ** (count - k) for k in range(1, count)]
        return [edge.quantize(Decimal("0.0001")) for edge in edges]

    def bucket_of(self, value: Decimal) -> int:
        """Which range (0 … NUMBER_BUCKETS - 1) a number answer falls in."""
        return sum(1 for edge in self.bucket_edges() if value >= edge)

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
        if self.cant_say and self.scale_min is None:
            raise ValidationError(_("Only a scale can offer “can't say”."))
        if kind in CHOICE_KINDS:
            values = self.choice_values()
            if len(values) < 2 or len(set(values)) != len(values):
                raise ValidationError(_("Give at least two choices, each with its own value."))
            if any(not choice.get("fi") for choice in self.choices):
                raise ValidationError(_("Every choice needs a Finnish label."))
        if kind == ItemKind.NUMBER:
            self._clean_number()

    def _clean_number(self) -> None:
        if self.lower is None or self.upper is None or self.lower >= self.upper:
            raise ValidationError(_("Give the smallest and the largest answer, the smallest first."))
        if self.decimals > 2:
            raise ValidationError(_("A number may have at most two decimals."))
        if (self.upper - self.lower).scaleb(self.decimals) > MAX_NUMBER_STEPS or max(
            abs(self.lower), abs(self.upper)
        ).scaleb(self.decimals) > MAX_NUMBER_STEPS:
            raise ValidationError(
                _("Narrow the bounds or use fewer decimals: at most %(steps)s steps of the last decimal.")
                % {"steps": f"{MAX_NUMBER_STEPS:,}".replace(",", " ")}
            )


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

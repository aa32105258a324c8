"""Base pieces shared by every domain app."""

from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = ("fi", "sv", "en")


def in_language(values: dict[str, str], language: str | None = None) -> str:
    """Pick the text for the active language from {"fi": ..., "sv": ..., "en": ...},
    falling back to Finnish, then Swedish, then English."""
    language = (language or get_language() or "fi")[:2]
    for code in [language, *LANGUAGE_CODES]:
        if values.get(code):
            return values[code]
    return ""


def translations(obj: Any, field: str) -> dict[str, str]:
    """An object's `<field>_fi/_sv/_en` values as {"fi": ..., "sv": ..., "en": ...}."""
    return {code: getattr(obj, f"{field}_{code}", "") for code in LANGUAGE_CODES}


class LanguageChoice(models.TextChoices):
    FINNISH = "fi", _("Finnish")
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class TranslatedNameModel(models.Model):
    """A name in Finnish, Swedish and English; `name` picks the active language.

    Finnish is required (the organisation's working language); a missing
    translation falls back to Finnish, then Swedish, then English.
    """

    name_fi = models.CharField(_("name in Finnish"), max_length=200)
    name_sv = models.CharField(_("name in Swedish"), max_length=200, blank=True)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_in(get_language() or "fi")

    def name_in(self, language: str) -> str:
        return in_language(translations(self, "name"), language or "fi")


def unique_with_optional(
    *fields: str,
    optional: str,
    names: tuple[str, str],
    messages: tuple[Any, Any] = (None, None),
) -> list[models.BaseConstraint]:
    """`fields` + `optional` unique, where `optional` may be NULL and NULL counts as one
    value (e.g. one organisation-wide target and one per unit). Two partial constraints,
    named (when NULL, when set), because SQLite has no NULLS NOT DISTINCT."""
    return [
        models.UniqueConstraint(
            fields=list(fields),
            condition=models.Q(**{f"{optional}__isnull": True}),
            name=names[0],
            violation_error_message=messages[0],
        ),
        models.UniqueConstraint(
            fields=[*fields, optional],
            condition=models.Q(**{f"{optional}__isnull": False}),
            name=names[1],
            violation_error_message=messages[1],
        ),
    ]


class RateCounter(models.Model):
    """Hits of one rate-limit key in one short bucket of time (see core/ratelimit.py)."""

    key = models.CharField(max_length=80)  # scope and a keyed hash of the identity
    bucket = models.BigIntegerField()  # the bucket's first second (Unix time)
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "bucket"], name="ratecounter_key_bucket_unique")
        ]
        indexes = [models.Index(fields=["bucket"], name="ratecounter_bucket_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.bucket}: {self.hits}"

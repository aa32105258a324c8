"""Template filters for multilingual survey content stored as {"fi": ..., "sv": ..., "en": ...},
and for naming catalogue items."""

from typing import Any

from django import template

from kuulo.core.models import in_language

register = template.Library()


@register.filter
def localized(values: dict[str, str] | None) -> str:
    """The text in the active language (with fallback)."""
    return in_language(values or {})


@register.filter
def point_label(points: dict[str, dict[str, str]] | None, value: Any) -> str:
    """The label of one scale point, e.g. 4 → "Satisfied"."""
    return in_language((points or {}).get(str(value), {}))


@register.filter
def item_name(item: Any) -> str:
    """An Item's or ItemVersion's name for people (`Item.display_name`), never its code."""
    if hasattr(item, "item_id"):  # a version: its own wording
        return str(item.item.display_name(item))
    return str(item.display_name())

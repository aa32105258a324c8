"""`{{ value|rounded:1 }}`: a figure as every page writes it (core/numbers.py), localised."""

from typing import Any

from django import template
from django.utils.formats import number_format

from kuulo.core.numbers import rounded as round_figure

register = template.Library()


@register.filter
def rounded(value: Any, decimals: int = 1) -> str:
    if value is None or value == "":
        return ""
    return number_format(round_figure(float(value), int(decimals)), int(decimals))

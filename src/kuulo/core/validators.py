"""Validators for Finnish identifiers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BUSINESS_ID_RE = re.compile(r"^(\d{7})-(\d)$")
BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def business_id_check_digit(digits: str) -> int | None:
    """The Y-tunnus check digit for seven digits, or None if none is valid."""
    remainder = sum(int(d) * w for d, w in zip(digits, BUSINESS_ID_WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def validate_business_id(value: str) -> None:
    """Finnish business ID (Y-tunnus): 1234567-8 with a modulo-11 check digit."""
    match = BUSINESS_ID_RE.match(value or "")
    if not match:
        raise ValidationError(_("Enter a business ID in the form 1234567-8."), code="format")
    expected = business_id_check_digit(match.group(1))
    if expected is None or expected != int(match.group(2)):
        raise ValidationError(_("The business ID's check digit does not match."), code="checksum")

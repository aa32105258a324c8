"""The one rounding of figures: pages, exports, the API and PDF reports show the same digits.

Halves round away from zero (12.5 → 13, 4.25 → 4.3), as people round and as Django's
`floatformat` does, not to the even neighbour as Python's `round` (12.5 → 12). A figure
with no decimals is an integer, so that an export writes 12, never 12.0.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import overload


@overload
def rounded(value: None, decimals: int) -> None: ...
@overload
def rounded(value: float, decimals: int) -> float | int: ...
def rounded(value: float | None, decimals: int) -> float | int | None:
    if value is None:
        return None
    # repr: the shortest decimal that is the float (2.675 stays 2.675, not 2.67499…).
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return int(exact) if decimals <= 0 else float(exact) + 0.0  # + 0.0: no "-0.0"

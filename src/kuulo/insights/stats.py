"""Statistics for dashboards, computed from summed aggregates (n, Σx, Σx², counts per
scale point): means and shares with confidence intervals, NPS with its interval, and
tests for whether a change is more than noise. Plain functions, no database.

Intervals are 95 %: Student's t for means (normal beyond 30 answers), Wilson's score
interval for shares, and the normal approximation for NPS (the mean of +1/0/−1 scores).
"""

import math
from dataclasses import dataclass

Z95 = 1.959964
SMALL_N = 30  # below this many answers, a figure is marked as resting on small numbers
# Two-sided 97.5 % quantiles of Student's t for 1–29 degrees of freedom.
T975 = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045,
]  # fmt: skip


@dataclass(frozen=True)
class Summary:
    """Answers to one item version in one group: the sums the aggregates keep."""

    n: int
    total: int
    total_sq: int
    counts: tuple[int, ...]  # answers per scale point, from scale_min upwards
    scale_min: int
    scale_max: int
    cant_say: int = 0  # "can't say" answers: beside n, never in a mean, share or NPS
    # What one of `total` is worth: 1 for scales; for a number item, its last decimal (0.1),
    # whose counts are then its ranges, not scale points.
    unit: float = 1.0

    def __add__(self, other: "Summary") -> "Summary":
        if (self.scale_min, self.scale_max) != (other.scale_min, other.scale_max):
            raise ValueError("summaries of different scales cannot be added")
        return Summary(
            self.n + other.n,
            self.total + other.total,
            self.total_sq + other.total_sq,
            tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)),
            self.scale_min,
            self.scale_max,
            self.cant_say + other.cant_say,
            self.unit,
        )

    def __sub__(self, other: "Summary") -> "Summary":
        """What is left of a group when a part of it is taken away."""
        return self + Summary(
            -other.n,
            -other.total,
            -other.total_sq,
            tuple(-count for count in other.counts),
            other.scale_min,
            other.scale_max,
            -other.cant_say,
            other.unit,
        )

    @classmethod
    def empty(cls, scale_min: int, scale_max: int, unit: float = 1.0) -> "Summary":
        return cls(0, 0, 0, (0,) * (scale_max - scale_min + 1), scale_min, scale_max, unit=unit)

    def count_between(self, low: int, high: int) -> int:
        """Answers from scale value `low` to `high`, inclusive."""
        return sum(self.counts[max(low - self.scale_min, 0) : high - self.scale_min + 1])

    @property
    def small(self) -> bool:
        return self.n < SMALL_N

    def mean(self) -> float | None:
        return self.total * self.unit / self.n if self.n else None

    def variance(self) -> float | None:
        """Sample variance of the answers."""
        if self.n < 2:
            return None
        return max(self.total_sq - self.total * self.total / self.n, 0.0) / (self.n - 1) * self.unit**2

    def mean_interval(self) -> tuple[float, float] | None:
        variance = self.variance()
        mean = self.mean()
        if variance is None or mean is None:
            return None
        half = t_quantile(self.n - 1) * math.sqrt(variance / self.n)
        return mean - half, mean + half

    def top_box(self) -> float | None:
        """Share (0–1) of the two highest points: "satisfied" on a CSAT scale, "yes" on yes/no."""
        if not self.n:
            return None
        points = 1 if self.scale_max - self.scale_min == 1 else 2
        return self.count_between(self.scale_max - points + 1, self.scale_max) / self.n

    def top_box_interval(self) -> tuple[float, float] | None:
        share = self.top_box()
        return None if share is None else wilson(share, self.n)

    def nps(self) -> float | None:
        """Promoters (9–10) minus detractors (0–6), in points from −100 to 100."""
        if not self.n:
            return None
        promoters, detractors = self.count_between(9, 10), self.count_between(0, 6)
        return 100 * (promoters - detractors) / self.n

    def nps_variance(self) -> float | None:
        """Variance of one respondent's score (+1 promoter, 0 passive, −1 detractor)."""
        if self.n < 2:
            return None
        promoters, detractors = self.count_between(9, 10) / self.n, self.count_between(0, 6) / self.n
        return promoters + detractors - (promoters - detractors) ** 2

    def nps_interval(self) -> tuple[float, float] | None:
        score, variance = self.nps(), self.nps_variance()
        if score is None or variance is None:
            return None
        half = 100 * Z95 * math.sqrt(variance / self.n)
        return max(score - half, -100.0), min(score + half, 100.0)


def t_quantile(degrees: int) -> float:
    return T975[degrees - 1] if 1 <= degrees <= len(T975) else Z95


def wilson(share: float, n: int) -> tuple[float, float]:
    """Wilson score interval: right also near 0 % and 100 % and for small groups."""
    denominator = 1 + Z95**2 / n
    centre = (share + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(share * (1 - share) / n + Z95**2 / (4 * n * n)) / denominator
    return max(centre - half, 0.0), min(centre + half, 1.0)


def normal_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2))


def change_p_value(before: Summary, after: Summary, measure: str) -> float | None:
    """How likely a change at least this large is if nothing really changed (two-sided).
    measure: "mean" (Welch's test, normal approximation), "top_box" (two-proportion
    z-test) or "nps" (difference of two NPS with their own variances)."""
    if before.n < 2 or after.n < 2:
        return None
    if measure == "mean":
        va, vb = before.variance(), after.variance()
        assert va is not None and vb is not None
        se = math.sqrt(va / before.n + vb / after.n)
        difference = (after.mean() or 0.0) - (before.mean() or 0.0)
    elif measure == "top_box":
        pa, pb = before.top_box() or 0.0, after.top_box() or 0.0
        pooled = (pa * before.n + pb * after.n) / (before.n + after.n)
        se = math.sqrt(pooled * (1 - pooled) * (1 / before.n + 1 / after.n))
        difference = pb - pa
    elif measure == "nps":
        va, vb = before.nps_variance(), after.nps_variance()
        assert va is not None and vb is not None
        se = 100 * math.sqrt(va / before.n + vb / after.n)
        difference = (after.nps() or 0.0) - (before.nps() or 0.0)
    else:
        raise ValueError(measure)
    if se == 0:
        return 1.0 if difference == 0 else 0.0
    return normal_p(difference / se)


def significant_changes(p_values: dict[str, float | None], false_discovery_rate: float = 0.05) -> set[str]:
    """Which of many changes to report (Benjamini–Hochberg): a dashboard compares many
    items at once, and testing each at 5 % would flag noise every day."""
    tested = sorted((p, key) for key, p in p_values.items() if p is not None)
    cutoff = 0
    for rank, (p, _key) in enumerate(tested, start=1):
        if p <= false_discovery_rate * rank / len(tested):
            cutoff = rank
    return {key for _p, key in tested[:cutoff]}

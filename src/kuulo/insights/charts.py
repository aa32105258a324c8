"""The one chart component: a description of a line or bar chart, laid out here into SVG
coordinates and drawn by `insights/_chart.html` with its data table beside it.

Charts are drawn on the server: no JavaScript, no CDN, nothing to download. Every chart
has a text summary for screen readers and the same numbers as a table (a <details> the
keyboard can open), and a missing point (no answers, or hidden under the threshold) is
a gap in the line, never a zero.
"""

import math
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kuulo.core.numbers import rounded

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
LABEL_CHAR_WIDTH = 7  # about one character of a 12 px axis label, in viewBox units


@dataclass
class Series:
    name: str
    values: list[float | None]


@dataclass
class Mark:
    """A positioned label or point: an axis tick, an x label or a dot on a line."""

    x: float
    y: float
    label: str = ""


@dataclass
class Line:
    series: int
    polylines: list[str]  # "x,y x,y …" per unbroken stretch
    points: list[Mark]


@dataclass
class Bar:
    series: int
    x: float
    y: float
    w: float
    h: float


@dataclass
class TableRow:
    label: str
    values: list[str]


@dataclass
class Chart:
    title: str
    labels: list[str]  # one per point (x axis)
    series: list[Series]
    kind: str = "line"  # or "bar"
    low: float | None = None  # the axis range; from the data when not given
    high: float | None = None
    target: float | None = None
    decimals: int = 1
    suffix: str = ""  # e.g. " %"
    summary: str = ""  # one sentence for screen readers
    markers: list[tuple[int, str]] = field(default_factory=list)  # (point index, label): e.g. actions done
    id: str = "chart"
    category: str = ""  # what the x labels are, heading the data table ("Period" when empty)

    width: int = WIDTH
    height: int = HEIGHT
    # Laid out by layout():
    ticks: list[Mark] = field(default_factory=list)
    x_labels: list[Mark] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    target_y: float | None = None
    marks: list[Mark] = field(default_factory=list)
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    axis_y: float = HEIGHT - BOTTOM
    table_rows: list[TableRow] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return all(value is None for series in self.series for value in series.values)

    def layout(self) -> "Chart":
        values = [v for s in self.series for v in s.values if v is not None]
        if self.target is not None:
            values.append(self.target)
        low = self.low if self.low is not None else min(values, default=0.0)
        high = self.high if self.high is not None else max(values, default=1.0)
        if self.kind == "bar":
            low = min(low, 0.0)
        if high <= low:
            high = low + 1
        step = _nice_step((high - low) / 4)
        low, high = math.floor(low / step) * step, math.ceil(high / step) * step
        plot_w, plot_h = self.width - LEFT - RIGHT, self.height - TOP - BOTTOM
        self.plot_right, self.axis_y = self.width - RIGHT, self.height - BOTTOM

        def y(value: float) -> float:
            return round(TOP + plot_h * (1 - (value - low) / (high - low)), 1)

        count = max(len(self.labels), 1)
        slot = plot_w / count

        def x(index: int) -> float:
            return round(LEFT + slot * (index + 0.5), 1)

        tick = low
        while tick <= high + step / 2:
            self.ticks.append(Mark(self.plot_left, y(tick), self._format(tick, tick_decimals(step))))
            tick += step
        every = max(1, math.ceil(count / 8))  # at most eight labels fit under the axis
        # Long labels (touchpoint names) are shortened to their slot; the table has them whole.
        fits = max(3, int(slot * every / LABEL_CHAR_WIDTH))
        self.x_labels = [
            Mark(x(i), self.axis_y, label if len(label) <= fits else label[: fits - 1].rstrip() + "…")
            for i, label in enumerate(self.labels)
            # The last point is always labelled; the regular label just before it gives way
            # when the two would touch.
            if (i % every == 0 and not (every > 1 and count - 1 - i < every)) or i == count - 1
        ]
        if self.target is not None:
            self.target_y = y(self.target)
        self.marks = [Mark(x(index), TOP, label) for index, label in self.markers if 0 <= index < count]
        if self.kind == "line":
            for number, series in enumerate(self.series):
                segments: list[list[Mark]] = [[]]
                for i, value in enumerate(series.values):
                    if value is None:
                        segments.append([])  # a gap: no answers, or too few to show
                        continue
                    segments[-1].append(Mark(x(i), y(value)))
                polylines = [" ".join(f"{m.x},{m.y}" for m in seg) for seg in segments if seg]
                self.lines.append(Line(number, polylines, [m for seg in segments for m in seg]))
        else:
            width = slot * 0.7 / max(len(self.series), 1)
            for number, series in enumerate(self.series):
                for i, value in enumerate(series.values):
                    if value is None:
                        continue
                    left = LEFT + slot * i + slot * 0.15 + width * number
                    top, base = y(max(value, 0.0)), y(max(low, 0.0))
                    self.bars.append(Bar(number, round(left, 1), top, round(width, 1), round(base - top, 1)))
        self.table_rows = [
            TableRow(label, [self._format(s.values[i]) for s in self.series])
            for i, label in enumerate(self.labels)
        ]
        return self

    def _format(self, value: float | None, decimals: int | None = None) -> str:
        if value is None:
            return "–"
        places = self.decimals if decimals is None else decimals
        return number_format(rounded(value, places), places) + self.suffix


def _nice_step(raw: float) -> float:
    """A round step for the axis (1, 2 or 5 times a power of ten)."""
    if raw <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def tick_decimals(step: float) -> int:
    return 0 if step >= 1 else max(0, -math.floor(math.log10(step)))


# --- The charts of one item: shared by the unit page and the PDF report ---------------------------


def item_trend(
    code: str,
    measure: str,
    scale: tuple[int | None, int | None],
    labels: list[str],
    values: list[float | None],
    target: float | None,
    markers: list[tuple[int, str]],
    title: str = "",
) -> Chart:
    """An item's value per point of the period, with its target and the actions done
    (`title`: instead of "<CODE> over time", where a heading names the item already)."""
    name = code.upper()
    return Chart(
        id=f"trend-{code}",
        title=title or _("%(item)s over time") % {"item": name},
        labels=labels,
        series=[Series(name, values)],
        target=target,
        decimals=0 if measure == "nps" else 1,
        low=-100 if measure == "nps" else scale[0],
        high=100 if measure == "nps" else scale[1],
        summary=trend_summary(name, labels, values),
        markers=markers,
    )


def item_distribution(
    code: str, scale: list[int] | list[str], distribution: list[float], title: str = ""
) -> Chart:
    """The share of an item's answers at each point of its scale, or in each range of a
    number item (empty when too few)."""
    return Chart(
        id=f"distribution-{code}",
        kind="bar",
        width=360,
        height=220,
        title=title or _("Answers to %(item)s") % {"item": code.upper()},
        labels=[str(value) for value in scale],
        category=_("Answer"),
        series=[Series(_("Share of answers"), list(distribution) or [None] * len(scale))],
        decimals=0,
        suffix=" %",
        low=0,
        summary=_("Share of answers at each point of the scale."),
    )


def trend_summary(name: str, labels: list[str], values: list[float | None]) -> str:
    shown = [(label, value) for label, value in zip(labels, values, strict=True) if value is not None]
    if not shown:
        return _("%(item)s: no figures to show in this period.") % {"item": name}
    first, last = shown[0], shown[-1]
    return _("%(item)s from %(start)s (%(first)s) to %(end)s (%(last)s).") % {
        "item": name,
        "start": first[0],
        "first": number_format(first[1], 1),
        "end": last[0],
        "last": number_format(last[1], 1),
    }

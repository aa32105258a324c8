"""Drawing a report (`reports.ReportContent`) as a PDF with ReportLab.

The text is set in Bitstream Vera, which ships inside ReportLab and is embedded in the
file, so å, ä, ö, the en dash and € print the same on every server, offline. Charts
are the dashboards' own `charts.Chart` specs: laid out once there, drawn here with
PDF lines and text instead of SVG, so a report and the unit page never disagree.
Call inside `translation.override(language)`: labels and numbers follow it.
"""

import io
from html import escape
from pathlib import Path
from typing import Any

import reportlab
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kuulo.core.numbers import rounded

from . import charts, metrics
from .figures import why_hidden
from .reports import Focus, ReportContent

FONT, BOLD = "KuuloVera", "KuuloVera-Bold"
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
RULE = colors.HexColor("#cbd2d9")
ACCENT = colors.HexColor("#0b5cad")
TARGET = colors.HexColor("#b4461b")
PAGE_WIDTH = A4[0] - 36 * mm  # between the margins


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    fonts = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(fonts / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, textColor=INK)
    return {
        "body": body,
        "muted": ParagraphStyle("muted", parent=body, fontSize=8.5, leading=11, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        "num": ParagraphStyle("num", parent=body, fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=body, fontName=BOLD, fontSize=8.5, leading=10.5),
        "head_num": ParagraphStyle(
            "head_num", parent=body, fontName=BOLD, fontSize=8.5, leading=10.5, alignment=TA_RIGHT
        ),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=22, leading=27, spaceAfter=4),
        "subject": ParagraphStyle("subject", parent=body, fontSize=15, leading=19, spaceAfter=2),
        "unit": ParagraphStyle("unit", parent=body, fontName=BOLD, fontSize=17, leading=21, spaceAfter=2),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=BOLD, fontSize=13, leading=17, spaceBefore=12, spaceAfter=6
        ),
        "h3": ParagraphStyle(
            "h3", parent=body, fontName=BOLD, fontSize=10.5, leading=14, spaceBefore=8, spaceAfter=3
        ),
    }


def written(figure: metrics.Figure, threshold: int, short: bool = False) -> str:
    """A figure as the report prints it; a hidden one says why, never its count (in a
    narrow column "< 5", as on the dashboards, with the legend under the table)."""
    if figure.hidden and figure.shown_for:
        return why_hidden(figure, threshold)[0 if short else 1]
    if figure.hidden:
        if short:
            return f"<\u00a0{threshold}"
        return _("hidden (fewer than %(count)s)") % {"count": threshold}
    if figure.value is None:
        return "–"
    decimals = metrics.DECIMALS[figure.kind]
    text = number_format(rounded(figure.value, decimals), decimals)
    if figure.kind == "nps" and figure.value > 0:
        text = "+" + text
    if figure.kind == "percent":
        text += "\u00a0%"
    if figure.small:
        text += " *"
    return text


def _change(figure: metrics.Figure) -> str:
    if figure.change is None:
        return "–"
    decimals = metrics.DECIMALS[figure.kind]
    text = ("+" if figure.change > 0 else "") + number_format(figure.change, decimals)
    if figure.significant:
        text += " " + _("(beyond chance)")
    return text


def _target(figure: metrics.Figure) -> str:
    if figure.target is None:
        return "–"
    value = number_format(figure.target, metrics.DECIMALS[figure.kind])
    if figure.meets_target:
        return _("%(target)s, met") % {"target": value}
    return _("%(target)s, not met") % {"target": value}


def _date(day: Any) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def render(content: ReportContent) -> bytes:
    """The report as PDF bytes, tagged with its title and language."""
    _register_fonts()
    styles = _styles()
    period = f"{_date(content.start)}–{_date(content.end)}"
    title = _("Customer experience report")
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{title}: {content.subject} {period}",
        author=content.organisation,
        subject=f"{content.subject} {period}",
        creator="Kuulo",
        lang=get_language(),
        displayDocTitle=True,
        initialFontName=FONT,
    )

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(18 * mm, 10 * mm, f"Kuulo · {content.subject} · {period}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, _("Page %(number)s") % {"number": doc.page})
        canvas.restoreState()

    story: list[Any] = [
        Paragraph(escape(content.organisation), styles["muted"]),
        Paragraph(escape(title), styles["title"]),
        Paragraph(escape(content.subject), styles["subject"]),
        Paragraph(
            escape(
                _("%(period)s, compared with the equally long period before. Made on %(day)s.")
                % {"period": period, "day": _date(timezone.localdate())}
            ),
            styles["body"],
        ),
        Spacer(1, 4),
        Paragraph(
            escape(
                _(
                    "Figures include the units below each unit and count complete days, up to "
                    "yesterday. A figure from fewer than %(count)s respondents is hidden, and so is one "
                    "whose period cuts through days, months or quarters in which a unit had fewer: it is "
                    "shown for whole months, quarters or years only. * marks a figure resting on few "
                    "answers. A comment is shown from a day on which its unit had at least "
                    "%(comments)s comments."
                )
                % {"count": content.threshold, "comments": content.text_threshold}
            ),
            styles["muted"],
        ),
    ]
    # An organisation's report opens with what belongs to all of it (every unit's figures,
    # the successes), then gives each top unit pages of its own under its name, so that a
    # reader leafing through knows whose trends and comments they are reading.
    if len(content.focuses) > 1:
        story += [*_units_table(content, styles), *_successes(content, styles)]
        for focus in content.focuses:
            story += [PageBreak(), Paragraph(escape(str(focus.unit.name)), styles["unit"])]
            story += _focus(focus, content, styles)
    else:
        for focus in content.focuses:
            story += _focus(focus, content, styles)
        if len(content.rows) > 1:
            story += _units_table(content, styles)
        story += _successes(content, styles)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _successes(content: ReportContent, styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [Paragraph(escape(_("Successes")), styles["h2"])]
    if content.successes:
        story += _comments(content.successes, styles)
    else:
        story.append(Paragraph(escape(_("No praise to show from this period.")), styles["muted"]))
    return story


def _table(rows: list[list[Any]], widths: list[float], styles: dict[str, ParagraphStyle]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _cell(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _key_figures(focus: Focus, content: ReportContent, styles: dict[str, ParagraphStyle]) -> Table:
    row, threshold = focus.row, content.threshold
    names = {
        "csat": _("Customer satisfaction, 1–5"),
        "nps": _("Net Promoter Score, −100…100"),
        "ces": _("Customer effort, 1–7"),
    }
    lines: list[tuple[str, metrics.Figure]] = [
        (_("Responses"), row.responses),
        (_("Response rate"), row.response_rate),
        *((f"{code.upper()} · {names.get(code, '')}", figure) for code, figure in row.metrics.items()),
        (_("Verbal feedback"), row.verbal),
        (_("Complaints"), row.complaints),
        (_("Waiting (min)"), row.waiting_minutes),
    ]
    head = [_("Figure"), _("Value"), _("Change from the period before"), _("Target level")]
    # Numbers right-aligned, as on the dashboards, so that they compare down a column.
    table = [[_cell(head[0], styles["head"]), *(_cell(text, styles["head_num"]) for text in head[1:])]]
    for label, figure in lines:
        table.append(
            [
                _cell(label, styles["cell"]),
                _cell(written(figure, threshold), styles["num"]),
                _cell(_change(figure), styles["num"]),
                _cell(_target(figure), styles["num"]),
            ]
        )
    return _table(table, [PAGE_WIDTH * 0.36, PAGE_WIDTH * 0.22, PAGE_WIDTH * 0.2, PAGE_WIDTH * 0.22], styles)


def _units_table(content: ReportContent, styles: dict[str, ParagraphStyle]) -> list[Any]:
    codes = list(content.rows[0].metrics)
    head = [_("Unit"), _("Responses"), *(code.upper() for code in codes), _("Complaints")]
    table = [[_cell(head[0], styles["head"]), *(_cell(text, styles["head_num"]) for text in head[1:])]]
    base_depth = min(row.unit.depth for row in content.rows)
    for row in content.rows:
        indent = "\u00a0\u00a0" * (row.unit.depth - base_depth)
        figures = [row.responses, *(row.metrics[code] for code in codes), row.complaints]
        table.append(
            [
                _cell(indent + str(row.unit.name), styles["cell"]),
                *(_cell(written(figure, content.threshold, short=True), styles["num"]) for figure in figures),
            ]
        )
    rest = (PAGE_WIDTH * 0.64) / (len(head) - 1)
    return [
        CondPageBreak(60 * mm),
        Paragraph(escape(_("Key figures by unit")), styles["h2"]),
        _table(table, [PAGE_WIDTH * 0.36, *([rest] * (len(head) - 1))], styles),
        Spacer(1, 3),
        Paragraph(
            escape(
                _(
                    "< %(count)s: hidden, fewer than %(count)s respondents. “whole months” (quarters, "
                    "years): shown for whole months (quarters, years) only. * few answers: read with care."
                )
                % {"count": content.threshold}
            ),
            styles["muted"],
        ),
    ]


def _focus(focus: Focus, content: ReportContent, styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [
        Paragraph(escape(_("Key figures")), styles["h2"]),
        _key_figures(focus, content, styles),
    ]
    story.append(Paragraph(escape(_("Trends")), styles["h2"]))
    for chart in focus.trend_charts:
        story.append(KeepTogether([Paragraph(escape(chart.title), styles["h3"]), _chart(chart, PAGE_WIDTH)]))
    cells = [
        [Paragraph(escape(chart.title), styles["h3"]), _chart(chart, PAGE_WIDTH / 3 - 4)]
        for chart in focus.distribution_charts
    ]
    if cells:
        grid = Table([cells], colWidths=[PAGE_WIDTH / len(cells)] * len(cells), hAlign="LEFT")
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story += [CondPageBreak(60 * mm), Paragraph(escape(_("Distribution of answers")), styles["h2"]), grid]
    story.append(Paragraph(escape(_("What changed")), styles["h2"]))
    if focus.changes:
        table = [
            [
                _cell(_("Item"), styles["head"]),
                *(_cell(text, styles["head_num"]) for text in (_("Before"), _("Now"))),
            ]
        ]
        for change in focus.changes:
            table.append(
                [
                    _cell(str(change.version.text), styles["cell"]),
                    _cell(written(change.before, content.threshold), styles["num"]),
                    _cell(written(change.after, content.threshold), styles["num"]),
                ]
            )
        story.append(_table(table, [PAGE_WIDTH * 0.6, PAGE_WIDTH * 0.2, PAGE_WIDTH * 0.2], styles))
    else:
        story.append(Paragraph(escape(_("Nothing changed more than chance would explain.")), styles["muted"]))
    story += _actions(focus, content, styles)
    story.append(Paragraph(escape(_("Latest comments")), styles["h2"]))
    if focus.comments is None:
        story.append(
            Paragraph(
                escape(
                    _(
                        "A comment is shown from a day on which its unit had at least %(text_threshold)s "
                        "comments, so that no comment reveals who wrote it."
                    )
                    % {"text_threshold": content.text_threshold}
                ),
                styles["muted"],
            )
        )
    elif focus.comments:
        story += _comments(focus.comments, styles)
    else:
        story.append(Paragraph(escape(_("No comments in this period.")), styles["muted"]))
    return story


def _actions(focus: Focus, content: ReportContent, styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [Paragraph(escape(_("Actions done in this period")), styles["h2"])]
    if focus.effects:
        story.append(
            Paragraph(
                escape(
                    _(
                        "Numbered as on the trends. Each compares its metric over the 28 days before "
                        "it was done and the 28 days from it."
                    )
                ),
                styles["muted"],
            )
        )
        head = [_("No."), pgettext("improvement action", "Action"), _("Done"), _("Before"), _("After")]
        table = [
            [
                *(_cell(text, styles["head"]) for text in head[:3]),
                *(_cell(t, styles["head_num"]) for t in head[3:]),
            ]
        ]
        for effect in focus.effects:
            table.append(
                [
                    _cell(str(effect.number), styles["cell"]),
                    _cell(
                        f"{effect.action.title} ({effect.version.item.display_name(effect.version)})",
                        styles["cell"],
                    ),
                    _cell(_date(effect.action.done_on), styles["cell"]),
                    _cell(written(effect.before, content.threshold), styles["num"]),
                    _cell(_change_after(effect.after, content.threshold), styles["num"]),
                ]
            )
        widths = [0.07, 0.43, 0.14, 0.16, 0.2]
        story.append(_table(table, [PAGE_WIDTH * w for w in widths], styles))
    else:
        story.append(Paragraph(escape(_("No actions were done in this period.")), styles["muted"]))
    story.append(Paragraph(escape(_("Actions under way")), styles["h3"]))
    if focus.open_actions:
        head = [pgettext("improvement action", "Action"), _("Unit"), _("Stage"), _("Due")]
        table = [[_cell(text, styles["head"]) for text in head]]
        for action in focus.open_actions:
            table.append(
                [
                    _cell(action.title, styles["cell"]),
                    _cell(str(action.unit.name), styles["cell"]),
                    _cell(str(action.get_status_display()), styles["cell"]),
                    _cell(_date(action.due_date) if action.due_date else "–", styles["cell"]),
                ]
            )
        widths = [0.45, 0.25, 0.15, 0.15]
        story.append(_table(table, [PAGE_WIDTH * w for w in widths], styles))
    else:
        story.append(Paragraph(escape(_("No actions are planned or under way.")), styles["muted"]))
    return story


def _change_after(figure: metrics.Figure, threshold: int) -> str:
    text = written(figure, threshold)
    if figure.change is not None and not figure.significant:
        text += " " + _("(within chance)")
    return text


def _comments(answers: list[Any], styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = []
    for answer in answers:
        response = answer.response
        story.append(
            KeepTogether(
                [
                    Paragraph(escape(answer.text), styles["body"]),
                    Paragraph(
                        escape(f"{response.get_channel_display()} · {response.unit.name} · ")
                        + escape(_date(timezone.localtime(response.responded_at))),
                        styles["muted"],
                    ),
                    Spacer(1, 5),
                ]
            )
        )
    return story


def _chart(chart: charts.Chart, width: float) -> Any:
    """A laid-out chart spec drawn in `width` points; a note instead when it has nothing."""
    if chart.empty:
        return Paragraph(escape(_("No figures to show in this period.")), _styles()["muted"])
    chart.layout()
    scale = width / chart.width
    drawing = Drawing(width, chart.height * scale)

    def at(x: float, y: float) -> tuple[float, float]:
        return x * scale, (chart.height - y) * scale

    def text(x: float, y: float, label: str, anchor: str = "middle", color: Any = MUTED) -> None:
        px, py = at(x, y)
        drawing.add(String(px, py, label, fontName=FONT, fontSize=8, fillColor=color, textAnchor=anchor))

    for tick in chart.ticks:
        drawing.add(Line(*at(chart.plot_left, tick.y), *at(chart.plot_right, tick.y), strokeColor=RULE))
        text(chart.plot_left - 4, tick.y + 3, tick.label, "end")
    drawing.add(
        Line(*at(chart.plot_left, chart.axis_y), *at(chart.plot_right, chart.axis_y), strokeColor=INK)
    )
    for mark in chart.x_labels:
        text(mark.x, mark.y + 14, mark.label)
    if chart.target_y is not None and chart.target is not None:
        drawing.add(
            Line(
                *at(chart.plot_left, chart.target_y),
                *at(chart.plot_right, chart.target_y),
                strokeColor=TARGET,
                strokeDashArray=[4, 3],
            )
        )
        label = _("target %(target)s") % {"target": number_format(chart.target, chart.decimals)}
        text(chart.plot_right, chart.target_y - 3, label, "end", TARGET)
    for mark in chart.marks:
        drawing.add(
            Line(*at(mark.x, mark.y), *at(mark.x, chart.axis_y), strokeColor=MUTED, strokeDashArray=[1, 2])
        )
        text(mark.x, mark.y + 2, mark.label, "middle", INK)
    for line in chart.lines:
        for polyline in line.polylines:
            points = [float(value) for pair in polyline.split() for value in pair.split(",")]
            scaled = [v * scale if i % 2 == 0 else (chart.height - v) * scale for i, v in enumerate(points)]
            if len(scaled) > 2:
                drawing.add(PolyLine(scaled, strokeColor=ACCENT, strokeWidth=1.5))
        for point in line.points:
            drawing.add(Circle(*at(point.x, point.y), 2, fillColor=ACCENT, strokeColor=ACCENT))
    for bar in chart.bars:
        x, top = at(bar.x, bar.y)
        drawing.add(
            Rect(x, top - bar.h * scale, bar.w * scale, bar.h * scale, fillColor=ACCENT, strokeWidth=0)
        )
    return drawing

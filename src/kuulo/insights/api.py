"""The dashboards' figures for other systems (Power BI and the like): the same scope,
filters and suppression as the overview page. Counts behind hidden figures are never sent."""

from datetime import date, timedelta
from typing import Any, Literal, cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from pydantic import BaseModel, Field

from kuulo.core.api import ErrorOut
from kuulo.core.numbers import rounded
from kuulo.organisations.access import Permission, has_permission, organisation_for, units_for
from kuulo.organisations.api_auth import needs, principal

from . import metrics
from .periods import period_error

router = Router(tags=["insights"])
VIEW = Permission.VIEW_INSIGHTS


class FigureOut(BaseModel):
    value: float | None = Field(description="Empty when there are no answers or the figure is hidden.")
    hidden: bool = Field(
        description="True when built from fewer respondents than the reporting threshold, or when the "
        "period cuts through days, months or quarters that had too few (see shown_for)."
    )
    shown_for: Literal["months", "quarters", "years"] | None = Field(
        None,
        description="When hidden because of the period: whole months, quarters or years would show it.",
    )
    change: float | None = Field(None, description="From the previous period of the same length.")
    significant: bool = Field(False, description="Whether the change is larger than chance would explain.")
    target: float | None = None


class UnitFiguresOut(BaseModel):
    unit: str = Field(description="The unit's code.")
    name: str
    responses: FigureOut
    verbal_feedback: FigureOut
    complaints: FigureOut
    metrics: dict[str, FigureOut] = Field(description="csat (mean or target measure), nps, ces.")


class OverviewOut(BaseModel):
    start: date
    end: date
    reporting_threshold: int
    units: list[UnitFiguresOut]


def _figure(figure: metrics.Figure) -> FigureOut:
    """Rounded as the pages show it: more decimals would tell more than the page does."""
    decimals = metrics.DECIMALS[figure.kind]
    return FigureOut(
        value=float(rounded(figure.value, decimals)) if figure.shown and figure.value is not None else None,
        hidden=figure.hidden,
        shown_for=cast(Any, figure.shown_for or None),  # "months", "quarters" or "years"
        change=figure.change,
        significant=figure.significant,
        target=None if figure.target is None else float(rounded(figure.target, decimals)),
    )


@router.get(
    "/insights/units",
    response={200: OverviewOut, 403: ErrorOut, 422: ErrorOut},
    summary="Key figures of every unit you may see",
    openapi_extra=needs(VIEW),
)
def unit_figures(
    request: HttpRequest, start: date | None = None, end: date | None = None, channel: str = ""
) -> Status:
    """Each unit's figures over its subtree for the period (default: the last 28 days up
    to yesterday; a period ending today or later is cut to yesterday: figures are of
    complete days), with every figure from too few respondents hidden, rounded as the
    dashboards show them."""
    caller = principal(request)
    if not has_permission(caller, VIEW):
        return Status(403, {"detail": "This key or user may not read dashboard figures.", "errors": []})
    today = timezone.localdate()
    end = end or today - timedelta(days=1)
    start = start or end - timedelta(days=27)
    if error := period_error(start, end):
        return Status(422, {"detail": error, "errors": [{"index": -1, "field": "start", "message": error}]})
    organisation = organisation_for(caller)
    units = list(units_for(caller, VIEW).active().order_by("path"))
    filters = metrics.Filters(start=start, end=end, channel=channel).completed(today)
    rows = metrics.unit_rows(units, filters, organisation.reporting_threshold)
    return Status(
        200,
        {
            "start": filters.start,
            "end": filters.end,
            "reporting_threshold": organisation.reporting_threshold,
            "units": [
                {
                    "unit": row.unit.code,
                    "name": row.unit.name,
                    "responses": _figure(row.responses),
                    "verbal_feedback": _figure(row.verbal),
                    "complaints": _figure(row.complaints),
                    "metrics": {code: _figure(figure) for code, figure in row.metrics.items()},
                }
                for row in rows
            ],
        },
    )

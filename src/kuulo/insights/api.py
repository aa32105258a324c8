"""The dashboards' figures for other systems (Power BI and the like): the same scope,
filters and suppression as the overview page. Counts behind hidden figures are never sent."""

from datetime import date, timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from pydantic import BaseModel, Field

from kuulo.core.api import ErrorOut
from kuulo.organisations.access import Permission, has_permission, organisation_for, units_for
from kuulo.organisations.api_auth import principal

from . import metrics
from .periods import period_error

router = Router(tags=["insights"])
VIEW = Permission.VIEW_INSIGHTS


class FigureOut(BaseModel):
    value: float | None = Field(description="Empty when there are no answers or the figure is hidden.")
    hidden: bool = Field(description="True when built from fewer respondents than the reporting threshold.")
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
    return FigureOut(
        value=figure.value if figure.shown else None,
        hidden=figure.hidden,
        change=figure.change,
        significant=figure.significant,
        target=figure.target,
    )


@router.get(
    "/insights/units",
    response={200: OverviewOut, 403: ErrorOut, 422: ErrorOut},
    summary="Key figures of every unit you may see",
)
def unit_figures(
    request: HttpRequest, start: date | None = None, end: date | None = None, channel: str = ""
) -> Status:
    """Each unit's figures over its subtree for the period (default: the last 28 days),
    with every figure from too few respondents hidden."""
    caller = principal(request)
    if not has_permission(caller, VIEW):
        return Status(403, {"detail": "This key or user may not read dashboard figures.", "errors": []})
    today = timezone.localdate()
    end = end or today
    start = start or end - timedelta(days=27)
    if error := period_error(start, end):
        return Status(422, {"detail": error, "errors": [{"index": -1, "field": "start", "message": error}]})
    organisation = organisation_for(caller)
    units = list(units_for(caller, VIEW).active().order_by("path"))
    rows = metrics.unit_rows(
        units, metrics.Filters(start=start, end=end, channel=channel), organisation.reporting_threshold
    )
    return Status(
        200,
        {
            "start": start,
            "end": end,
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

"""API for the organisation: who am I, and the units I may see."""

from django.http import HttpRequest
from ninja import Router

from kuulo.core.api import ErrorOut

from .access import Permission, access_for, get_for_user_or_404, organisation_for, restrict
from .api_auth import needs, principal
from .models import Unit
from .schemas import MeOut, UnitOut

router = Router(tags=["organisation"])


@router.get("/me", response=MeOut, summary="The signed-in user and their roles", openapi_extra=needs(None))
def me(request: HttpRequest) -> dict:
    caller = principal(request)
    organisation = organisation_for(caller)
    return {
        "username": caller.get_username(),
        "email": getattr(caller, "email", ""),
        "organisation": organisation.slug if organisation else None,
        "roles": sorted(access_for(caller).roles),
    }


@router.get(
    "/units",
    response={200: list[UnitOut], 422: ErrorOut},
    summary="Units the user may see",
    openapi_extra=needs(Permission.VIEW_UNITS),
)
def list_units(request: HttpRequest, include_archived: bool = False) -> list[Unit]:
    units = restrict(Unit.objects.select_related("unit_type"), principal(request), Permission.VIEW_UNITS)
    if not include_archived:
        units = units.active()
    return list(units)


@router.get(
    "/units/{unit_id}",
    response={200: UnitOut, 404: ErrorOut, 422: ErrorOut},
    summary="One unit",
    openapi_extra=needs(Permission.VIEW_UNITS),
)
def get_unit(request: HttpRequest, unit_id: int) -> Unit:
    return get_for_user_or_404(
        Unit.objects.select_related("unit_type"), principal(request), Permission.VIEW_UNITS, pk=unit_id
    )

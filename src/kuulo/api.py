"""The one HTTP API (django-ninja): /api/v1/..., schema at /api/openapi.json, docs at /api/docs."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import ValidationError

from kuulo.core.api import validation_errors
from kuulo.feedback.api import router as feedback_router
from kuulo.insights.api import router as insights_router
from kuulo.organisations.api import router as organisations_router
from kuulo.organisations.api_auth import API_AUTH

api = NinjaAPI(
    title="Kuulo API",
    version="1",
    description=str(_("Customer-experience data of your organisation, scoped to your roles and units.")),
    urls_namespace="api",
    auth=API_AUTH,
    docs_url=None,  # Kuulo renders its own accessible reference: core.views.api_docs
    openapi_url="/openapi.json",
)
api.add_router("/v1/", organisations_router)
api.add_router("/v1/", feedback_router)
api.add_router("/v1/", insights_router)


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """The same body as Kuulo's own 422s (core.api.ErrorOut), not pydantic's list."""
    detail = "The request is not valid: fix these values and send again."
    return api.create_response(
        request, {"detail": detail, "errors": validation_errors(list(error.errors))}, status=422
    )


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    detail = "The request body is larger than 2.5 MB: send fewer responses per request."
    return api.create_response(request, {"detail": detail, "errors": []}, status=413)

"""The one HTTP API (django-ninja): /api/v1/..., schema at /api/openapi.json, docs at /api/docs."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

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

"""URL map. Every Kuulo view declares its access rule (organisations.access);
the access-matrix test walks all of these patterns for every role."""

from django.urls import include, path

from kuulo.api import api
from kuulo.pages.views import api_docs, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("kuulo.accounts.urls")),
    path("organisation/webhooks/", include("kuulo.webhooks.urls")),
    path("organisation/privacy/", include("kuulo.privacy.urls")),
    path("organisation/", include("kuulo.organisations.urls")),
    path("audit/", include("kuulo.audit.urls")),
    path("dashboards/", include("kuulo.insights.urls")),
    path("", include("kuulo.improvements.urls")),
    path("", include("kuulo.followups.urls")),
    path("", include("kuulo.feedback.urls")),
    path("api/docs", api_docs, name="api_docs"),
    path("api/", api.urls),
    path("", include("kuulo.pages.urls")),
]

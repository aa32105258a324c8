"""API authentication: API keys (other systems) or a signed-in session (people)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from . import services


class BearerApiKey(HttpBearer):
    """`Authorization: Bearer kuulo_<prefix>_<secret>`"""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = services.authenticate_api_key(token)
        if key is not None:
            request.api_key = key  # type: ignore[attr-defined]
        return key


class HeaderApiKey(APIKeyHeader):
    """`X-API-Key: kuulo_<prefix>_<secret>`"""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        found = services.authenticate_api_key(key or "")
        if found is not None:
            request.api_key = found  # type: ignore[attr-defined]
        return found


API_AUTH = [BearerApiKey(), HeaderApiKey(), django_auth]


def principal(request: HttpRequest) -> Any:
    """Who is calling: the API key if one was presented, else the signed-in user."""
    return getattr(request, "api_key", None) or request.user


def needs(permission: str | None) -> dict[str, Any]:
    """An operation's `openapi_extra`: the permission it checks (None: any member), shown in
    the schema as `x-kuulo-permission` for client authors, and read from there by the
    access-matrix test, which checks every operation holds to it."""
    return {"x-kuulo-permission": permission}

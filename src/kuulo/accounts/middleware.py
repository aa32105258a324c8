"""Request middleware for signed-in staff: their language and required 2FA."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import translation

# Paths (below any SCRIPT_NAME prefix) a user who still has to set up 2FA may open.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/accessibility/", "/f/")


class UserLanguageMiddleware:
    """Use the language a signed-in user chose; otherwise LocaleMiddleware's pick stands."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


class RequireMfaMiddleware:
    """Send users whose organisation requires two-factor authentication to set it up.

    Until they have an authenticator, pages redirect to the TOTP activation page and
    the API answers 403; sign-in, 2FA setup, sign-out and public pages stay open.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from kuulo.organisations.access import mfa_required_but_missing

        user = getattr(request, "user", None)
        path = request.path_info
        if (
            user is not None
            and user.is_authenticated
            and not path.startswith(MFA_EXEMPT_PREFIXES)
            and mfa_required_but_missing(user)
        ):
            if path.startswith("/api/"):
                return JsonResponse({"detail": "Two-factor authentication must be set up first."}, status=403)
            return redirect("mfa_activate_totp")
        return self.get_response(request)

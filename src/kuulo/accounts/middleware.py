"""Request middleware for signed-in staff: their language and required 2FA."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/accessibility/")


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

    Until they have an authenticator, every page except sign-in, 2FA setup,
    sign-out and public pages redirects to the TOTP activation page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from kuulo.organisations.access import mfa_required_but_missing

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and mfa_required_but_missing(user)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)

"""Request helpers shared by every app."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. Behind TRUSTED_PROXY_COUNT reverse proxies, it is the
    address the outermost trusted proxy saw; X-Forwarded-For entries beyond those
    are client-supplied and ignored."""
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if ip.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """Remember the interface language in the browser ("" forgets it: follow the browser)."""
    if not language:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
    )


def allow_framing(response: HttpResponse) -> HttpResponse:
    """Let any site embed this response in an iframe (public survey widgets only)."""
    response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}  # type: ignore[attr-defined]
    response.xframe_options_exempt = True
    return response

"""Kiosk mode: a tablet at a service point with a one-tap smiley question.

The page works offline: answers queue in the browser (localStorage) and are sent to
the ingest API with the kiosk's own device token when the network is back. Each
answer carries an id made on the device, so a resend never stores it twice. A small
service worker keeps a copy of the page and its static files, so the kiosk also comes
up again when the tablet reloads or restarts while the network is down.
"""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kuulo.core.models import LANGUAGE_CODES, in_language, translations
from kuulo.organisations.access import Permission, get_for_user_or_404, public, requires, restrict
from kuulo.organisations.services import revoke_api_key

from .. import quarantine, services
from ..models import HeldAnswer, Kiosk, SurveyPublication, SurveyStatus

CONFIGURE = Permission.CONFIGURE_FEEDBACK
# Every static file kiosk.html loads: the service worker keeps these for offline reloads.
KIOSK_ASSETS = ("kuulo/kuulo.css", "kuulo/kiosk.js", "kuulo/faces.svg")


def kiosk_texts() -> dict[str, dict[str, str]]:
    """The kiosk's own words in all three languages: it switches language on the spot,
    offline too, so every translation travels with the page."""
    texts = {}
    for code in LANGUAGE_CODES:
        with translation.override(code):
            texts[code] = {
                "send": _("Send"),
                "skip": _("Skip"),
                "thanks": _("Thank you for your feedback!"),
                "privacy": _("You answer anonymously. Do not write your name or other personal details."),
                "waiting": _("{n} answers waiting to be sent."),
                "not_activated": _(
                    "This kiosk has not been set up. Ask your administrator for a setup link."
                ),
            }
    return texts


def _texts(values: dict[str, str]) -> dict[str, str]:
    return {code: in_language(values, code) for code in LANGUAGE_CODES}


@public
def kiosk_page(request: HttpRequest, code: str) -> HttpResponse:
    publication = get_object_or_404(
        SurveyPublication.objects.select_related("survey__organisation", "unit"), code=code
    )
    survey = publication.survey
    if survey.status != SurveyStatus.PUBLISHED or not publication.active:
        return render(
            request, "feedback/respond_closed.html", {"survey": survey, "layout": "base.html"}, status=410
        )
    rating, follow_up = services.kiosk_questions(survey)
    version = rating.item_version
    points = version.anchors.get("points", {})
    config = {
        "link": publication.code,
        "api": reverse("api:post_responses"),
        "service_worker": reverse("feedback:kiosk_service_worker"),
        "rating": {
            "code": version.item.code,
            "text": _texts(translations(version, "text")),
            "points": {str(v): _texts(points.get(str(v), {})) for v in version.scale_values()},
        },
        "follow_up": {
            "code": follow_up.item_version.item.code,
            "text": _texts(translations(follow_up.item_version, "text")),
        }
        if follow_up
        else None,
        "unit": _texts(translations(publication.unit, "name")),
    }
    return render(
        request,
        "feedback/kiosk.html",
        {"config": config, "publication": publication, "kiosk_texts": kiosk_texts()},
    )


def _worker_source(version: str, assets: list[str]) -> str:
    return render_to_string("feedback/kiosk_sw.js", {"version": version, "assets": json.dumps(assets)})


def _asset_bytes(name: str) -> bytes:
    path = finders.find(name)
    return Path(path).read_bytes() if isinstance(path, str) else b""


def kiosk_worker_version(assets: list[str]) -> str:
    """Changes whenever the worker or any file it keeps changes (also where static file
    names carry no content hash), so each deploy gets a fresh cache and drops the old one."""
    digest = hashlib.sha256(_worker_source("", assets).encode())
    for name in KIOSK_ASSETS:
        digest.update(_asset_bytes(name))
    return digest.hexdigest()[:16]


@public
@never_cache
def kiosk_service_worker(request: HttpRequest) -> HttpResponse:
    """The kiosk page's service worker. It is served from /kiosk/ rather than /static/
    because a worker may only control pages below its own path; never_cache makes
    browsers pick up a new version on the next page load."""
    return HttpResponse(
        _current_worker(tuple(static(name) for name in KIOSK_ASSETS)),
        content_type="application/javascript; charset=utf-8",
    )


@cache
def _current_worker(assets: tuple[str, ...]) -> str:
    """The worker as this deploy serves it: its files cannot change while the process
    runs, so they are read and hashed once, not on every tablet's update check."""
    return _worker_source(kiosk_worker_version(list(assets)), list(assets))


@requires(CONFIGURE)
@require_POST
def kiosk_create(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = get_for_user_or_404(
        SurveyPublication.objects.select_related("survey", "unit"), request.user, CONFIGURE, pk=publication_id
    )
    name = request.POST.get("name", "").strip()[:100] or publication.unit.name
    try:
        kiosk, token = services.create_kiosk(publication, name=name, created_by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("feedback:survey_detail", survey_id=publication.survey_id)
    # The token travels in the URL fragment, which browsers never send to a server.
    setup_url = (
        request.build_absolute_uri(reverse("feedback:kiosk_page", args=[publication.code])) + f"#{token}"
    )
    return render(request, "feedback/kiosk_created.html", {"kiosk": kiosk, "setup_url": setup_url})


@requires(CONFIGURE)
@require_POST
def kiosk_revoke(request: HttpRequest, kiosk_id: int) -> HttpResponse:
    kiosk = get_for_user_or_404(
        Kiosk.objects.select_related("api_key", "publication"), request.user, CONFIGURE, pk=kiosk_id
    )
    revoke_api_key(kiosk.api_key, request=request)
    messages.success(request, _("Kiosk switched off. It can no longer send answers."))
    return redirect("feedback:survey_detail", survey_id=kiosk.publication.survey_id)


@requires(quarantine.DECIDE)
def held_answer_list(request: HttpRequest) -> HttpResponse:
    """Kiosk answers the server could not store, with the reason, to accept or discard."""
    held = quarantine.held_answers(restrict(HeldAnswer.objects.all(), request.user, quarantine.DECIDE))
    page = Paginator(held, 50).get_page(request.GET.get("page"))
    return render(request, "feedback/held_answer_list.html", {"page": page, "count": page.paginator.count})


@requires(quarantine.DECIDE)
@require_POST
def held_answer_decide(request: HttpRequest, held_id: int) -> HttpResponse:
    held = get_for_user_or_404(
        HeldAnswer.objects.select_related("publication", "organisation"),
        request.user,
        quarantine.DECIDE,
        pk=held_id,
    )
    try:
        if request.POST.get("decision") == "accept":
            quarantine.accept(held, user=request.user, request=request)
            messages.success(request, _("The answer was stored with the survey's other responses."))
        else:
            quarantine.discard(held, user=request.user, request=request)
            messages.success(request, _("The answer was discarded."))
    except ValidationError as error:
        messages.error(
            request, _("The answer is still on hold: %(reason)s") % {"reason": " ".join(error.messages)}
        )
    return redirect("feedback:held_answer_list")

"""The respondent's side: answering a published survey from its link or QR code.

Anonymous by design: nothing identifies the respondent unless they opt in to be
contacted. Abuse is held off without CAPTCHAs: a honeypot field, and (abuse.py) a
single-use start token that enforces a minimum fill time, and sliding limits per
publication, address and browser, past which the browser must do a short proof of
work before a much higher limit refuses.
"""

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from kuulo.core import ratelimit
from kuulo.core.http import allow_framing, client_ip
from kuulo.organisations.access import public

from .. import abuse, invitations, services
from ..models import (
    CHOICE_KINDS,
    AgeBand,
    Channel,
    ItemKind,
    RespondentType,
    SurveyPublication,
    SurveyQuestion,
    SurveyStatus,
)

DEVICE_COOKIE = "kuulo_device"
HONEYPOT_FIELD = "website"
# Links may carry the respondent's segment and channel: ?r=student&age=18-29&ch=qr
LINK_CHANNELS = {Channel.LINK, Channel.QR, Channel.WIDGET, Channel.EMAIL, Channel.SMS}


def _publication(code: str) -> SurveyPublication:
    return get_object_or_404(
        SurveyPublication.objects.select_related("survey__touchpoint", "unit", "survey__organisation"),
        code=code,
    )


def _raw_answers(request: HttpRequest, questions: list[SurveyQuestion]) -> dict[int, Any]:
    answers: dict[int, Any] = {}
    for question in questions:
        name = f"q{question.pk}"
        if question.item_version.item.kind == ItemKind.MULTIPLE_CHOICE:
            answers[question.pk] = request.POST.getlist(name)
        else:
            answers[question.pk] = request.POST.get(name, "")
    return answers


def _segments(params: Any) -> dict[str, str]:
    values = {
        "respondent_type": params.get("r", ""),
        "age_band": params.get("age", ""),
    }
    if values["respondent_type"] not in RespondentType.values:
        values["respondent_type"] = ""
    if values["age_band"] not in AgeBand.values:
        values["age_band"] = ""
    return values


CONTACT_FIELDS = ("name", "email", "phone", "preferred")


def _channel(params: Any) -> str:
    channel = params.get("ch", Channel.LINK)
    return channel if channel in LINK_CHANNELS else Channel.LINK


def _contact(request: HttpRequest) -> tuple[dict[str, str] | None, dict[str, str]]:
    if request.POST.get("contact_opt_in") != "yes":
        return None, {}
    contact = {key: request.POST.get(f"contact_{key}", "").strip() for key in CONTACT_FIELDS}
    if contact["preferred"] not in ("email", "phone"):
        contact["preferred"] = ""  # either
    errors = {}
    if not contact["email"] and not contact["phone"]:
        errors["contact_email"] = _("Give an e-mail address or a phone number so that we can contact you.")
    elif contact["email"]:
        try:
            validate_email(contact["email"])
        except ValidationError:
            errors["contact_email"] = _("Enter a valid e-mail address.")
    if contact["preferred"] == "email" and not contact["email"] and "contact_email" not in errors:
        errors["contact_email"] = _("Give an e-mail address, or choose to be contacted by phone.")
    if contact["preferred"] == "phone" and not contact["phone"]:
        errors["contact_phone"] = _("Give a phone number, or choose to be contacted by e-mail.")
    return contact, errors


def _render_form(
    request: HttpRequest,
    publication: SurveyPublication,
    questions: list[SurveyQuestion],
    *,
    values: dict[int, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    proof_asked: bool = False,
) -> HttpResponse:
    """The form, with a fresh start token; with a proof-of-work challenge for it when the
    visitor's next answer needs one (`proof_asked`: the answers were just held for it, and
    survey.js sends them again by itself once the check is done)."""
    params = request.POST if request.method == "POST" else request.GET
    started = abuse.new_start_token(publication.code)
    proof = None
    if proof_asked or abuse.step_for(_visitor(request, publication)) != abuse.Step.ANSWER:
        proof = {"challenge": abuse.challenge(started), "bits": abuse.proof_bits(), "asked": proof_asked}
    context = {
        "publication": publication,
        "survey": publication.survey,
        "questions": [
            {
                "question": q,
                "version": q.item_version,
                "kind": q.item_version.item.kind,
                "name": f"q{q.pk}",
                "value": (values or {}).get(q.pk),
                "error": (errors or {}).get(f"q{q.pk}", ""),
                "show_if": q.show_if_question_id,
                "show_if_values": ",".join(q.show_if_values),
                "choice_kind": q.item_version.item.kind in CHOICE_KINDS,
            }
            for q in questions
        ],
        "errors": errors or {},
        "started": started,
        "proof": proof,
        "segment": _segments(params),
        "channel": _channel(params),
        "contact": {key: params.get(f"contact_{key}", "") for key in CONTACT_FIELDS},
        "contact_opt_in": params.get("contact_opt_in") == "yes",
        "preferred_choices": [("", _("Either")), ("email", _("By e-mail")), ("phone", _("By phone"))],
        "consent_version": services.CONSENT_TEXT_VERSION,
        "honeypot": HONEYPOT_FIELD,
        "embedded": _embedded(request),
        "layout": _layout(_embedded(request)),
        "requested_language": params.get("lang", ""),
        "invitation_token": params.get("inv", ""),
    }
    response = render(request, "feedback/respond.html", context, status=status)
    if DEVICE_COOKIE not in request.COOKIES:
        response.set_cookie(
            DEVICE_COOKIE, secrets.token_urlsafe(16), max_age=365 * 24 * 3600, httponly=True, samesite="Lax"
        )
    return response


def _embedded(request: HttpRequest) -> bool:
    return (request.POST if request.method == "POST" else request.GET).get("embed") == "1"


def _use_requested_language(request: HttpRequest) -> None:
    """Links and widgets may ask for a language (?lang=sv); otherwise the browser's is used."""
    language = (request.POST if request.method == "POST" else request.GET).get("lang", "")
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _thanks(request: HttpRequest, code: str, embedded: bool) -> HttpResponse:
    url = reverse("feedback:respond_thanks", args=[code])
    params = {"embed": "1"} if embedded else {}
    if language := request.POST.get("lang", ""):
        params["lang"] = language
    return redirect(f"{url}?{urlencode(params)}" if params else url)


# Cross-site widgets cannot carry Django's CSRF cookie; instead every form carries a
# signed, time-limited, single-use token bound to its link (see abuse.py), and nothing here
# acts on behalf of a signed-in user.
@csrf_exempt
@public
@never_cache
def respond(request: HttpRequest, code: str) -> HttpResponse:
    _use_requested_language(request)
    response = _respond(request, code)
    return allow_framing(response) if _embedded(request) else response


def _respond(request: HttpRequest, code: str) -> HttpResponse:
    publication = _publication(code)
    survey = publication.survey
    embedded = _embedded(request)
    if survey.status != SurveyStatus.PUBLISHED or not publication.active:
        return render(
            request,
            "feedback/respond_closed.html",
            {"survey": survey, "layout": _layout(embedded)},
            status=410,
        )
    questions = survey.ordered_questions()
    if request.method != "POST":
        return _render_form(request, publication, questions)

    if request.POST.get(HONEYPOT_FIELD):
        # A bot filled the field people never see: pretend success, store nothing.
        return _thanks(request, code, embedded)
    raw = _raw_answers(request, questions)
    started = request.POST.get("started", "")
    if errors := _answer_errors(survey, raw, questions):
        # What is missing or wrong is named first, however fast the form was sent: a person
        # who pressed send at once needs to know which answers the form still needs.
        return _render_form(request, publication, questions, values=raw, errors=errors, status=400)
    if abuse.filled_too_fast(started, code):
        errors = {"form": _("That was quick! Please check your answers and send them again.")}
        return _render_form(request, publication, questions, values=raw, errors=errors, status=400)
    if abuse.token_used(started):
        # Sent again (a double click, back and send): the first one counted.
        return _thanks(request, code, embedded)
    # Decided here on the counts so far, without writing; submit_response decides again
    # on the counts it writes, in the response's transaction.
    visitor = _visitor(request, publication)
    step = abuse.step_for(visitor)
    nonce = request.POST.get("proof", "")
    if step == abuse.Step.REFUSE:
        return _too_many(request, publication, questions, raw)
    if step == abuse.Step.PROVE and not abuse.proven(started, nonce):
        return _render_form(request, publication, questions, values=raw, status=400, proof_asked=True)
    contact, contact_errors = _contact(request)
    segment = _segments(request.POST)
    submission = services.Submission(
        answers=raw,
        language=(get_language() or "fi")[:2],
        channel=_channel(request.POST),
        contact=contact,
        respondent_type=segment["respondent_type"],
        age_band=segment["age_band"],
        admission=abuse.Admission(visitor=visitor, start_token=started, nonce=nonce),
    )
    try:
        if contact_errors:
            raise ValidationError(contact_errors)
        submission.invitation_id = _invitation_id(request.POST, publication)
        services.submit_response(publication, submission, questions)
    except abuse.AlreadyAnswered:
        return _thanks(request, code, embedded)
    except abuse.TooMany:
        return _too_many(request, publication, questions, raw)
    except abuse.ProofNeeded:
        return _render_form(request, publication, questions, values=raw, status=400, proof_asked=True)
    except ValidationError as error:
        messages = {
            key: " ".join(str(m) for m in value) for key, value in getattr(error, "message_dict", {}).items()
        }
        if not messages:
            messages = {"form": " ".join(error.messages)}
        messages.update(contact_errors)
        return _render_form(request, publication, questions, values=raw, errors=messages, status=400)
    # Only now, with the response committed, is the respondent thanked.
    return _thanks(request, code, embedded)


def _answer_errors(survey: Any, raw: dict[int, Any], questions: list[SurveyQuestion]) -> dict[str, str]:
    """Each unanswered required or invalid answer by question ("q<id>"), or that none was
    given: the checks `submit_response` makes again when it stores the answers."""
    answers, errors = services.validate_submission(
        survey, services.Submission(answers=raw, language=""), questions
    )
    if errors:
        return {f"q{pk}": " ".join(error.messages) for pk, error in errors.items()}
    return {} if answers else {"form": _("Answer at least one question.")}


def _visitor(request: HttpRequest, publication: SurveyPublication) -> abuse.Visitor:
    return abuse.Visitor(publication, client_ip(request) or "", request.COOKIES.get(DEVICE_COOKIE, ""))


def _too_many(
    request: HttpRequest, publication: SurveyPublication, questions: list[SurveyQuestion], raw: dict[int, Any]
) -> HttpResponse:
    """The address's hard limit: the form again with the answers kept, to send a little later."""
    errors = {
        "form": _(
            "Very many answers have come from your network in a short while. Please send yours "
            "again in a few minutes: your answers are kept on this page."
        )
    }
    response = _render_form(request, publication, questions, values=raw, errors=errors, status=429)
    response["Retry-After"] = str(settings.KUULO_RESPOND_RATE_WINDOW // ratelimit.BUCKETS_PER_WINDOW)
    return response


def _layout(embedded: bool) -> str:
    return "embed_base.html" if embedded else "base.html"


@public
def respond_thanks(request: HttpRequest, code: str) -> HttpResponse:
    _use_requested_language(request)
    publication = _publication(code)
    embedded = _embedded(request)
    context = {
        "publication": publication,
        "survey": publication.survey,
        "layout": _layout(embedded),
        "embedded": embedded,
    }
    response = render(request, "feedback/respond_thanks.html", context)
    return allow_framing(response) if embedded else response


@public
@never_cache
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """A personal invitation link: record that it was opened, then show the survey."""
    found = invitations.invitation_for_token(token)
    if found is None:
        raise Http404
    if found.answered:
        context = {"survey": found.publication.survey, "layout": "base.html", "already_answered": True}
        return render(request, "feedback/respond_closed.html", context, status=410)
    invitations.mark_opened(found)
    url = reverse("feedback:respond", args=[found.publication.code])
    return redirect(f"{url}?{urlencode({'ch': found.channel, 'inv': token, 'lang': found.language})}")


def _invitation_id(params: Any, publication: SurveyPublication) -> int | None:
    """The invitation a response arrives through (None without one). A forged token, or one
    for another link, is refused rather than ignored, so no invitation is answered twice."""
    token = params.get("inv", "")
    if not token:
        return None
    found = invitations.invitation_for_token(token)
    if found is None or found.publication_id != publication.pk:
        raise ValidationError(_("This invitation link is not valid for this survey."))
    return found.pk

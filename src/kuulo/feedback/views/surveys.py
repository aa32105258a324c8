"""Building surveys, publishing them for units, and the links and QR codes that reach respondents."""

import io

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kuulo.core.forms import add_service_errors
from kuulo.organisations.access import Permission, get_for_user_or_404, organisation_for, requires, restrict

from .. import invitations, quarantine, services
from ..forms import AddQuestionForm, InviteForm, PublicationLimitsForm, PublishForm, ShowIfForm, SurveyForm
from ..models import (
    RECOMMENDED_MAX_QUESTIONS,
    HeldAnswer,
    ItemVersion,
    Survey,
    SurveyPublication,
    SurveyQuestion,
    SurveyStatus,
    Touchpoint,
)
from ..tasks import send_reminders
from .catalogue import visible_items

CONFIGURE = Permission.CONFIGURE_FEEDBACK


def _survey(request: HttpRequest, survey_id: int) -> Survey:
    return get_for_user_or_404(
        Survey.objects.select_related("touchpoint__service_path", "standard_set"),
        request.user,
        CONFIGURE,
        pk=survey_id,
    )


@requires(CONFIGURE)
def survey_list(request: HttpRequest) -> HttpResponse:
    touchpoints = restrict(Touchpoint.objects.select_related("service_path"), request.user, CONFIGURE)
    form = SurveyForm(request.POST or None, touchpoints=touchpoints)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.create_survey(
                organisation=organisation_for(request.user), request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Survey created. Add questions, then publish it."))
            return redirect("feedback:survey_detail", survey_id=survey.pk)
    surveys = restrict(Survey.objects.select_related("touchpoint__service_path"), request.user, CONFIGURE)
    return render(request, "feedback/survey_list.html", {"surveys": surveys, "form": form})


def _addable_versions(request: HttpRequest, survey: Survey) -> QuerySet[ItemVersion]:
    """The newest version of each catalogue item the survey does not ask yet."""
    items = visible_items(request).exclude(pk__in=survey.questions.values("item_version__item"))
    return ItemVersion.objects.latest_of(items).select_related("item").order_by("item__code")


def _editor_context(request: HttpRequest, survey: Survey, **forms: object) -> dict[str, object]:
    questions = list(
        survey.questions.select_related("item_version__item", "show_if_question__item_version").order_by(
            "order"
        )
    )
    # The standard set's questions stay first and in order: their controls say why not.
    standard = services.standard_question_ids(survey)
    for index, question in enumerate(questions):
        question.in_standard_set = question.pk in standard  # type: ignore[attr-defined]
        question.up_locked = question.pk in standard or (  # type: ignore[attr-defined]
            index > 0 and questions[index - 1].pk in standard
        )
        question.down_locked = question.pk in standard  # type: ignore[attr-defined]
    publications = list(survey.publications.select_related("unit").prefetch_related("kiosks__api_key"))
    funnels = invitations.funnel([p.pk for p in publications])
    on_hold = dict(
        restrict(quarantine.held_answers(HeldAnswer.objects.all()), request.user, CONFIGURE)
        .filter(publication__in=publications)
        .values_list("publication")
        .annotate(n=Count("pk"))
        .values_list("publication", "n")
    )
    bound_limits = forms.get("limits_form")
    for publication in publications:
        publication.invitation_funnel = funnels.get(publication.pk)  # type: ignore[attr-defined]
        publication.held_count = on_hold.get(publication.pk, 0)  # type: ignore[attr-defined]
        publication.limits_form = (  # type: ignore[attr-defined]
            bound_limits
            if isinstance(bound_limits, PublicationLimitsForm)
            and bound_limits.prefix == _limits_prefix(publication)
            else PublicationLimitsForm(
                prefix=_limits_prefix(publication),
                initial={
                    "address_soft_limit": publication.address_soft_limit,
                    "address_hard_limit": publication.address_hard_limit,
                },
            )
        )
    return {
        "survey": survey,
        "questions": questions,
        "editable": survey.status == SurveyStatus.DRAFT,
        "too_long": len(questions) > RECOMMENDED_MAX_QUESTIONS,
        "at_most": len(questions) >= RECOMMENDED_MAX_QUESTIONS,
        "recommended_max": RECOMMENDED_MAX_QUESTIONS,
        "add_form": forms.get("add_form") or AddQuestionForm(versions=_addable_versions(request, survey)),
        "publish_form": forms.get("publish_form")
        or PublishForm(survey=survey, initial={"units": [p.unit_id for p in publications]}),
        "publications": publications,
        "invite_form": InviteForm(),
        "show_if_forms": {
            q.pk: ShowIfForm(
                question=q,
                questions=questions,
                prefix=f"q{q.pk}",
                initial={"condition": q.show_if_question_id, "values": q.show_if_values},
            )
            for q in questions
            if q.order > 1
        },
    }


@requires(CONFIGURE)
def survey_detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    return render(request, "feedback/survey_detail.html", _editor_context(request, survey))


@requires(CONFIGURE)
@require_POST
def survey_add_question(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    form = AddQuestionForm(request.POST, versions=_addable_versions(request, survey))
    if form.is_valid():
        try:
            services.add_question(
                survey, form.cleaned_data["item_version"], required=form.cleaned_data["required"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("feedback:survey_detail", survey_id=survey.pk)
    return render(
        request, "feedback/survey_detail.html", _editor_context(request, survey, add_form=form), status=400
    )


def _question(request: HttpRequest, survey: Survey, question_id: int) -> SurveyQuestion:
    return get_object_or_404(SurveyQuestion, pk=question_id, survey=survey)


@requires(CONFIGURE)
@require_POST
def survey_question_action(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    """Move, remove or set the show-if condition of one question."""
    survey = _survey(request, survey_id)
    question = _question(request, survey, question_id)
    action = request.POST.get("action")
    try:
        if action == "up":
            services.move_question(question, -1)
        elif action == "down":
            services.move_question(question, +1)
        elif action == "remove":
            services.remove_question(question)
        elif action == "show_if":
            form = ShowIfForm(
                request.POST,
                question=question,
                questions=survey.ordered_questions(),
                prefix=f"q{question.pk}",
            )
            if not form.is_valid():
                raise ValidationError(" ".join(str(e) for errors in form.errors.values() for e in errors))
            services.set_show_if(question, form.cleaned_data["condition"], form.cleaned_data["values"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"{reverse('feedback:survey_detail', args=[survey.pk])}#question-{question.pk}")


@requires(CONFIGURE)
@require_POST
def survey_publish(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    form = PublishForm(request.POST, survey=survey)
    if form.is_valid():
        try:
            services.publish_survey(survey, list(form.cleaned_data["units"]), request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Survey published. Share the links and QR codes below."))
            return redirect("feedback:survey_detail", survey_id=survey.pk)
    return render(
        request,
        "feedback/survey_detail.html",
        _editor_context(request, survey, publish_form=form),
        status=400,
    )


@requires(CONFIGURE)
@require_POST
def survey_close(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    services.close_survey(survey, request=request)
    messages.success(request, _("Survey closed. Its links no longer take answers."))
    return redirect("feedback:survey_detail", survey_id=survey.pk)


# --- Links, QR codes, posters ---------------------------------------------------------------


def _publication(request: HttpRequest, publication_id: int) -> SurveyPublication:
    return get_for_user_or_404(
        SurveyPublication.objects.select_related("survey__touchpoint", "unit"),
        request.user,
        CONFIGURE,
        pk=publication_id,
    )


def public_url(request: HttpRequest, publication: SurveyPublication, channel: str = "") -> str:
    url = request.build_absolute_uri(reverse("feedback:respond", args=[publication.code]))
    return f"{url}?ch={channel}" if channel else url


@requires(CONFIGURE)
def publication_qr(request: HttpRequest, publication_id: int, fmt: str) -> HttpResponse:
    """The QR code of a publication's link (SVG for print, PNG for documents)."""
    publication = _publication(request, publication_id)
    qr = segno.make(public_url(request, publication, "qr"), error="m")
    buffer = io.BytesIO()
    if fmt == "svg":
        qr.save(buffer, kind="svg", scale=8, border=2, title=str(publication))
        content_type = "image/svg+xml"
    else:
        qr.save(buffer, kind="png", scale=12, border=2)
        content_type = "image/png"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="kuulo-{publication.code}.{fmt}"'
    return response


@requires(CONFIGURE)
def publication_poster(request: HttpRequest, publication_id: int) -> HttpResponse:
    """A printable A4 poster with the QR code and the short link."""
    publication = _publication(request, publication_id)
    qr = segno.make(public_url(request, publication, "qr"), error="m")
    context = {
        "publication": publication,
        "qr_svg": qr.svg_inline(scale=10, border=2, omitsize=True),
        "short_url": public_url(request, publication),
    }
    return render(request, "feedback/poster.html", context)


@requires(CONFIGURE)
@require_POST
def publication_invite(request: HttpRequest, publication_id: int) -> HttpResponse:
    """Personal single-use invitations to the addresses given, one per line."""
    publication = _publication(request, publication_id)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            recipients = invitations.parse_recipients(
                form.cleaned_data["recipients"], form.cleaned_data["channel"]
            )
            created = invitations.invite(
                publication,
                recipients,
                channel=form.cleaned_data["channel"],
                language=form.cleaned_data["language"],
                remind=form.cleaned_data["remind"],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(count)s invitations are being sent.") % {"count": len(created)})
    else:
        messages.error(request, _("Choose the channel and language and give the addresses."))
    return redirect(f"{reverse('feedback:survey_detail', args=[publication.survey_id])}#links")


@requires(CONFIGURE)
@require_POST
def publication_identified(request: HttpRequest, publication_id: int) -> HttpResponse:
    """Mark a link whose invited respondents agreed to be identified, or undo it."""
    publication = _publication(request, publication_id)
    services.set_identified(publication, bool(request.POST.get("identified")), request=request)
    return redirect(f"{reverse('feedback:survey_detail', args=[publication.survey_id])}#links")


def _limits_prefix(publication: SurveyPublication) -> str:
    return f"limits-{publication.pk}"


@requires(CONFIGURE)
@require_POST
def publication_limits(request: HttpRequest, publication_id: int) -> HttpResponse:
    """A link's own limits on answers from one address (see feedback/abuse.py)."""
    publication = _publication(request, publication_id)
    form = PublicationLimitsForm(request.POST, prefix=_limits_prefix(publication))
    if form.is_valid():
        try:
            services.set_address_limits(
                publication,
                soft=form.cleaned_data["address_soft_limit"],
                hard=form.cleaned_data["address_hard_limit"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Limits saved for %(unit)s.") % {"unit": publication.unit.name})
            url = reverse("feedback:survey_detail", args=[publication.survey_id])
            return redirect(f"{url}#{_limits_prefix(publication)}")
    survey = _survey(request, publication.survey_id)
    return render(
        request, "feedback/survey_detail.html", _editor_context(request, survey, limits_form=form), status=400
    )


@requires(CONFIGURE)
@require_POST
def publication_remind(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = _publication(request, publication_id)
    transaction.on_commit(lambda: send_reminders.enqueue(publication.pk))
    messages.success(
        request,
        _("Reminders are being sent to those invited at least %(days)s days ago who have not answered.")
        % {"days": invitations.REMINDER_AFTER.days},
    )
    return redirect(f"{reverse('feedback:survey_detail', args=[publication.survey_id])}#links")

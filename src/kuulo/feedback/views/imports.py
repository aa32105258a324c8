"""Importing from other tools: responses from a CSV or XLSX export (upload, column choices,
progress) and a survey from a LimeSurvey structure file."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kuulo.core.forms import add_service_errors
from kuulo.organisations.access import Permission, get_for_user_or_404, requires, restrict, units_for

from .. import imports
from ..forms import ImportMappingForm, ImportUploadForm, SurveyStructureForm
from ..limesurvey import MAX_STRUCTURE_BYTES, read_structure
from ..models import ImportStatus, ResponseImport, SurveyPublication, SurveyStatus, Touchpoint
from ..services.survey_import import import_survey

IMPORT = Permission.IMPORT_RESPONSES
CONFIGURE = Permission.CONFIGURE_FEEDBACK


def _jobs(request: HttpRequest) -> QuerySet[ResponseImport]:
    return restrict(
        ResponseImport.objects.select_related("publication__survey", "publication__unit", "created_by").defer(
            "content"
        ),
        request.user,
        IMPORT,
    )


@requires(IMPORT)
def import_list(request: HttpRequest) -> HttpResponse:
    publications = restrict(
        SurveyPublication.objects.filter(active=True, survey__status=SurveyStatus.PUBLISHED).select_related(
            "survey", "unit"
        ),
        request.user,
        IMPORT,
    ).order_by("survey__name_fi", "unit__name_fi")
    form = ImportUploadForm(request.POST or None, request.FILES or None, publications=publications)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.upload_file(
                request.user,
                form.cleaned_data["publication"],
                file_name=upload.name,
                file=upload,
                encoding=form.cleaned_data["encoding"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("feedback:import_detail", import_id=job.pk)
    return render(request, "feedback/import_list.html", {"form": form, "jobs": _jobs(request)[:50]})


@requires(IMPORT)
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    job = get_for_user_or_404(_jobs(request), request.user, IMPORT, pk=import_id)
    form = None
    if job.status in (ImportStatus.MAPPING, ImportStatus.REJECTED) and job.columns:
        questions = job.publication.survey.ordered_questions()
        form = ImportMappingForm(
            request.POST or None,
            columns=job.columns,
            mapping=job.mapping,
            questions=questions,
            samples=job.samples,
            unread=imports.unread_values(job),
            partial_rows=job.partial_rows,
        )
        if request.method == "POST" and form.is_valid():
            try:
                imports.set_mapping(
                    job,
                    form.mapping(),
                    partial_rows=form.cleaned_data["partial_rows"] or None,
                    values=form.answer_values(),
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.info(request, _("The import started. You can leave this page; it runs on its own."))
                return redirect("feedback:import_detail", import_id=job.pk)
    return render(request, "feedback/import_detail.html", {"job": job, "form": form})


@requires(IMPORT)
def import_progress(request: HttpRequest, import_id: int) -> JsonResponse:
    """What the progress bar polls: the import's status, in the person's language."""
    job = get_for_user_or_404(_jobs(request), request.user, IMPORT, pk=import_id)
    return JsonResponse(
        {
            "running": job.is_running,
            "percent": job.percent,
            "text": _progress_text(job),
        }
    )


def _progress_text(job: ResponseImport) -> str:
    if job.status == ImportStatus.READING and job.total_rows:
        return _("Reading the file: %(rows)s rows") % {"rows": job.total_rows}
    if job.status == ImportStatus.CHECKING and job.total_rows:
        return _("Checking rows: %(checked)s of %(total)s") % {
            "checked": job.checked_rows,
            "total": job.total_rows,
        }
    return str(job.get_status_display())


@requires(CONFIGURE)
def survey_import(request: HttpRequest) -> HttpResponse:
    """A LimeSurvey survey's structure file made into a draft survey (or published at once)."""
    form = SurveyStructureForm(
        request.POST or None,
        request.FILES or None,
        units=units_for(request.user, CONFIGURE).filter(archived_at=None).order_by("path"),
        touchpoints=restrict(Touchpoint.objects.select_related("service_path"), request.user, CONFIGURE),
    )
    if request.method == "POST" and form.is_valid():
        try:
            structure = read_structure(form.cleaned_data["structure"].read(MAX_STRUCTURE_BYTES + 1))
            result = import_survey(
                request.user,
                structure,
                unit=form.cleaned_data["unit"],
                touchpoint=form.cleaned_data["touchpoint"],
                publish=form.cleaned_data["publish"],
                request=request,
            )
        except ValidationError as error:
            form.add_error("structure", error)
        else:
            messages.success(
                request,
                _("The survey was made with %(count)s questions. Check them before publishing.")
                % {"count": len(result.questions)}
                if result.publication is None
                else _("The survey was made with %(count)s questions and published (link code %(code)s).")
                % {"count": len(result.questions), "code": result.publication.code},
            )
            for code, reason in result.skipped:
                messages.warning(
                    request, _("%(code)s was skipped: %(reason)s") % {"code": code, "reason": reason}
                )
            return redirect("feedback:survey_detail", survey_id=result.survey.pk)
    return render(request, "feedback/survey_import.html", {"form": form})

"""The project's URLs and two list views that forget `restrict`: the canary check must
report both (tests/test_canary.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import format_html_join

from kuulo.feedback.models import Survey
from kuulo.improvements.models import Action
from kuulo.organisations.access import Permission, requires
from kuulo.urls import urlpatterns as project


def _list(names: list[str]) -> HttpResponse:
    return HttpResponse(format_html_join("", "<li>{}</li>", ((name,) for name in names)))


@requires(Permission.VIEW_INSIGHTS)
def every_survey(request: HttpRequest) -> HttpResponse:
    """Every organisation's surveys (an organisation-level row: leaks the other organisation's)."""
    return _list(list(Survey.objects.values_list("name_fi", flat=True)))


@requires(Permission.VIEW_INSIGHTS)
def every_action(request: HttpRequest) -> HttpResponse:
    """Every unit's actions (a unit's row: leaks siblings', ancestors' and the other organisation's)."""
    return _list(list(Action.objects.values_list("title", flat=True)))


urlpatterns = [
    path("leaky/surveys/", every_survey, name="leaky_surveys"),
    path("leaky/actions/", every_action, name="leaky_actions"),
    *project,
]

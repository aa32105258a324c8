"""Test data for the follow-ups domain."""

from datetime import datetime
from typing import Any

from kuulo.feedback import services as feedback
from kuulo.feedback.models import SurveyPublication
from kuulo.feedback.testing import make_publication
from kuulo.organisations.models import Unit
from kuulo.organisations.testing import AccessFixtures, AccessScope, Canary, CanaryKind

from . import services
from .declarations import HANDLE
from .models import FollowUp, ReplyChannel


def request_contact(
    publication: SurveyPublication,
    *,
    csat: int = 2,
    comment: str = "Kukaan ei vastannut puhelimeen.",
    name: str = "Maija Meikäläinen",
    email: str = "maija@example.test",
    phone: str = "",
    language: str = "fi",
    when: datetime | None = None,
) -> FollowUp:
    """A respondent answers the publication's CSAT and open questions and asks to be
    contacted, through the public form's service: the case is opened by feedback's signal."""
    questions = {q.item_version.item.code: q.pk for q in publication.survey.ordered_questions()}
    answers: dict[int, Any] = {questions["csat"]: csat}
    if comment and "open" in questions:
        answers[questions["open"]] = comment
    response = feedback.submit_response(
        publication,
        feedback.Submission(
            answers=answers,
            language=language,
            responded_at=when,
            contact={"name": name, "email": email, "phone": phone},
        ),
    )
    return FollowUp.objects.get(response=response)


def make_case(unit: Unit, **kwargs: Any) -> FollowUp:
    return request_contact(make_publication(unit), **kwargs)


def _case(scope: AccessScope) -> FollowUp:
    return scope.once("follow_up", lambda: make_case(scope.unit))


ACCESS_FIXTURES: AccessFixtures = {"case_id": lambda scope: _case(scope).pk}


def _canary_unit(world: Any, unit: Unit, admin: Any) -> None:
    """A contact request with a low score in the unit's survey (no free text: comments are
    the dashboards' markers), its contact name and a reply marked."""
    code = unit.code
    case = request_contact(
        world.publications[unit.pk],
        csat=1,
        comment="",
        name=world.canary_text(code, "CONTACT"),
        email=f"{code}.asker@example.test",
    )
    world.mark("CONTACT", code, case)
    services.record_reply(case, user=admin, channel=ReplyChannel.PHONE, text=world.canary_text(code, "REPLY"))
    world.mark("REPLY", code, case)
    world.name(unit, case_id=case.pk)


CANARY = Canary(
    kinds={
        "CONTACT": CanaryKind(HANDLE),  # the name a respondent left to be contacted
        "REPLY": CanaryKind(HANDLE),  # what a handler wrote down of the reply
    },
    unit=_canary_unit,
)

"""Test data builders for the feedback domain."""

from itertools import count
from typing import Any

from kuulo.organisations.models import Organisation, Role, Unit
from kuulo.organisations.testing import AccessFixtures, AccessScope

from . import ingest, invitations, services
from .models import (
    Complaint,
    HeldAnswer,
    Invitation,
    Item,
    QuestionSet,
    ResponseImport,
    Survey,
    SurveyPublication,
    Touchpoint,
)

_sequence = count(1)


def make_touchpoint(organisation: Organisation, code: str = "apply") -> Touchpoint:
    path = services.create_service_path(
        organisation=organisation,
        code=f"path-{next(_sequence)}",
        name_fi="Opintopolku",
        touchpoints=[(code, "Hakeminen", "Ansökan", "Applying")],
    )
    return path.touchpoints.get()


def standard_version(code: str) -> Any:
    version = Item.objects.get(organisation=None, code=code).latest_version()
    assert version is not None
    return version


def make_survey(
    organisation: Organisation,
    items: tuple[str, ...] = ("csat", "open"),
    standard_set: str | None = None,
    touchpoint: Touchpoint | None = None,
) -> Survey:
    survey = services.create_survey(
        organisation=organisation,
        touchpoint=touchpoint or make_touchpoint(organisation),
        name_fi="Palautekysely",
        standard_set=QuestionSet.objects.get(code=standard_set) if standard_set else None,
    )
    for code in items:
        services.add_question(survey, standard_version(code))
    return survey


def make_publication(unit: Unit, **kwargs: Any) -> SurveyPublication:
    survey = make_survey(unit.organisation, **kwargs)
    return services.publish_survey(survey, [unit])[0]


EXPORT_COMMENTS = ["Kiitos nopeasta palvelusta!", "Jonotin pitkään puhelimessa.", "Tack för hjälpen.", "", ""]


def limesurvey_export(rows: int) -> bytes:
    """A CSV file as LimeSurvey exports it (response id, submit date, start language),
    answering the demo surveys' CSAT, CES and open questions: for import tests and the
    import benchmark."""
    lines = ["id;submitdate;startlanguage;csat;ces;open"]
    for n in range(rows):
        answered = f"2026-0{1 + n % 9}-{1 + n % 28:02d} {8 + n % 9:02d}:{n % 60:02d}"
        comment = EXPORT_COMMENTS[n % len(EXPORT_COMMENTS)]
        lines.append(f"{n + 1};{answered};{('fi', 'sv', 'en')[n % 3]};{1 + n % 5};{1 + n % 7};{comment}")
    return ("\n".join(lines) + "\n").encode()


def send_answers(
    sender: Any,
    publication: SurveyPublication,
    answers: list[dict[str, Any]],
    *,
    when: Any = None,
    **fields: Any,
) -> None:
    """Store one response per dict of answers (by item code) through the ingest service,
    as another system would: the way tests put responses, and their aggregates, in place."""
    ingest.ingest(
        sender,
        [
            ingest.IncomingResponse(link=publication.code, answers=a, responded_at=when, **fields)
            for a in answers
        ],
    )


def _published(scope: AccessScope) -> SurveyPublication:
    return scope.once("publication", lambda: make_publication(scope.unit))


def _survey(scope: AccessScope) -> Survey:
    return scope.once("survey", lambda: make_survey(scope.organisation))


ACCESS_FIXTURES: AccessFixtures = {
    "code": lambda scope: _published(scope).code,
    "publication_id": lambda scope: _published(scope).pk,
    "survey_id": lambda scope: _survey(scope).pk,
    "question_id": lambda scope: _survey(scope).questions.first().pk,  # type: ignore[union-attr]
    "fmt": lambda scope: "svg",
    "token": lambda scope: invitations.token_for(
        Invitation.objects.create(
            publication=_published(scope), channel="email", address="x@example.test", language="fi"
        )
    ),
    "kiosk_id": lambda scope: (
        services.create_kiosk(
            make_publication(scope.unit), name="Lobby", created_by=scope.world.users[Role.ADMIN]
        )[0].pk
    ),
    "held_id": lambda scope: (
        HeldAnswer.objects.create(
            organisation=scope.organisation,
            unit=scope.unit,
            publication=_published(scope),
            source_key="kiosk-1",
            payload={"answers": {"csat": 4}},
        ).pk
    ),
    "complaint_id": lambda scope: (
        Complaint.objects.create(
            organisation=scope.organisation,
            unit=scope.unit,
            kind="complaint",
            case_number=f"C-{scope.unit.pk}",
            received_on="2026-10-01",
        ).pk
    ),
    # Service paths belong to the organisation: out of scope means another organisation.
    "path_id": lambda scope: make_touchpoint(scope.own_organisation).service_path_id,
    "import_id": lambda scope: (
        ResponseImport.objects.create(
            publication=_published(scope), file_name="export.csv", file_format="csv", columns=["csat"]
        ).pk
    ),
    "item_id": lambda scope: (
        services.create_item(
            organisation=scope.organisation, code="own", kind="yes_no", dimension="other", text_fi="?"
        ).pk
    ),
}

"""Test data builders for the feedback domain."""

from datetime import timedelta
from itertools import count
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kuulo.organisations.access import Permission
from kuulo.organisations.models import Organisation, Role, Unit
from kuulo.organisations.testing import AccessFixtures, AccessScope, ApiBody, Canary, CanaryKind

from . import ingest, invitations, services
from .models import (
    Complaint,
    HeldAnswer,
    Invitation,
    Item,
    ItemVersion,
    QuestionSet,
    ResponseImport,
    Survey,
    SurveyPublication,
    Touchpoint,
)

_sequence = count(1)

# A survey structure as LimeSurvey 3 exports it (before `<question_l10ns>`: one row per
# language with the wording in it): an open question and a list with a "can't say" option.
LIMESURVEY_3_STRUCTURE = """<?xml version="1.0" encoding="UTF-8"?>
<document>
 <LimeSurveyDocType>Survey</LimeSurveyDocType>
 <DBVersion>366</DBVersion>
 <languages><language>fi</language><language>sv</language></languages>
 <answers><rows>
  <row><qid>2</qid><code>1</code><answer>Huono</answer>
   <sortorder>1</sortorder><language>fi</language><scale_id>0</scale_id></row>
  <row><qid>2</qid><code>1</code><answer>Dålig</answer>
   <sortorder>1</sortorder><language>sv</language><scale_id>0</scale_id></row>
  <row><qid>2</qid><code>2</code><answer>Kohtalainen</answer>
   <sortorder>2</sortorder><language>fi</language><scale_id>0</scale_id></row>
  <row><qid>2</qid><code>2</code><answer>Medel</answer>
   <sortorder>2</sortorder><language>sv</language><scale_id>0</scale_id></row>
  <row><qid>2</qid><code>3</code><answer>Hyvä</answer>
   <sortorder>3</sortorder><language>fi</language><scale_id>0</scale_id></row>
  <row><qid>2</qid><code>3</code><answer>Bra</answer>
   <sortorder>3</sortorder><language>sv</language><scale_id>0</scale_id></row>
  <row><qid>2</qid><code>9</code><answer>En osaa sanoa</answer>
   <sortorder>4</sortorder><language>fi</language><scale_id>0</scale_id></row>
  <row><qid>2</qid><code>9</code><answer>Kan inte säga</answer>
   <sortorder>4</sortorder><language>sv</language><scale_id>0</scale_id></row>
 </rows></answers>
 <questions><rows>
  <row><qid>1</qid><parent_qid>0</parent_qid><sid>111111</sid><gid>1</gid><type>T</type><title>Q1</title>
   <question><![CDATA[<p>Mitä haluat kertoa?</p>]]></question>
   <mandatory>N</mandatory><question_order>2</question_order><language>fi</language></row>
  <row><qid>1</qid><parent_qid>0</parent_qid><sid>111111</sid><gid>1</gid><type>T</type><title>Q1</title>
   <question><![CDATA[<p>Vad vill du berätta?</p>]]></question>
   <mandatory>N</mandatory><question_order>2</question_order><language>sv</language></row>
  <row><qid>2</qid><parent_qid>0</parent_qid><sid>111111</sid><gid>1</gid><type>L</type><title>Q2</title>
   <question>Miten asiointi sujui?</question>
   <mandatory>Y</mandatory><question_order>1</question_order><language>fi</language></row>
  <row><qid>2</qid><parent_qid>0</parent_qid><sid>111111</sid><gid>1</gid><type>L</type><title>Q2</title>
   <question>Hur gick ärendet?</question>
   <mandatory>Y</mandatory><question_order>1</question_order><language>sv</language></row>
 </rows></questions>
 <surveys_languagesettings><rows>
  <row><surveyls_survey_id>111111</surveyls_survey_id><surveyls_language>fi</surveyls_language><surveyls_title>Asiointikysely</surveyls_title></row>
  <row><surveyls_survey_id>111111</surveyls_survey_id><surveyls_language>sv</surveyls_language><surveyls_title>Ärendeenkät</surveyls_title></row>
 </rows></surveys_languagesettings>
</document>
""".encode()


def make_touchpoint(organisation: Organisation, code: str = "apply", unit: Unit | None = None) -> Touchpoint:
    """A touchpoint of a new service path: the organisation's, or `unit`'s own."""
    path = services.create_service_path(
        organisation=organisation,
        code=f"path-{next(_sequence)}",
        name_fi="Opintopolku",
        unit=unit,
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
    # On the unit's own path: its results are the unit's (and its line's), not a sibling's.
    return scope.once(
        "survey",
        lambda: make_survey(
            scope.organisation, touchpoint=make_touchpoint(scope.organisation, unit=scope.unit)
        ),
    )


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
    # A path without a unit belongs to the organisation: out of scope means another organisation.
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


# --- The canary access test (organisations/testing.py: Canary) ---------------------------


def _canary_organisation(world: Any, organisation: Organisation, admin: Any) -> None:
    item = services.create_item(
        organisation=organisation, code="canary", kind="yes_no", dimension="other", text_fi="?"
    )
    ItemVersion.objects.filter(item=item).update(text_fi=world.mark("ITEM", organisation.slug, item))
    for unit in world.units:
        if unit.organisation_id == organisation.pk:
            world.name(unit, item_id=item.pk)


def _canary_unit(world: Any, unit: Unit, admin: Any) -> None:
    """A unit's own service path and survey, three comments (a group as large as the text
    threshold), verbal feedback, a complaint, a kiosk with an answer on hold, an import."""
    code, organisation = unit.code, unit.organisation
    two_days_ago, today = timezone.now() - timedelta(days=2), timezone.localdate()
    path = services.create_service_path(
        organisation=organisation,
        code=f"path-{code}",
        name_fi="?",
        unit=unit,
        touchpoints=[("visit", "?", "", "")],
    )
    path.name_fi = world.mark("PATH", code, path)
    path.save(update_fields=["name_fi"])
    touchpoint = path.touchpoints.get()
    touchpoint.name_fi = world.mark("TOUCH", code, touchpoint)
    touchpoint.save(update_fields=["name_fi"])
    survey = services.create_survey(organisation=organisation, touchpoint=touchpoint, name_fi="?")
    survey.name_fi = world.mark("SURVEY", code, survey)
    survey.save(update_fields=["name_fi"])
    for item_code in ("csat", "open"):
        services.add_question(survey, standard_version(item_code))
    publication = services.publish_survey(survey, [unit])[0]
    world.publications[unit.pk] = publication
    comment = world.canary_text(code, "COMMENT")
    send_answers(admin, publication, [{"csat": 5, "open": comment}] * 3, when=two_days_ago)
    world.mark("COMMENT", code, publication.responses.order_by("pk")[0])
    verbal = services.record_verbal_feedback(
        recorded_by=admin,
        unit=unit,
        touchpoint=touchpoint,
        sentiment="positive",
        text=world.canary_text(code, "VERBAL"),
        heard_at=two_days_ago,
    )
    world.mark("VERBAL", code, verbal)
    complaint = services.save_complaint(
        Complaint(),
        user=admin,
        unit=unit,
        kind="complaint",
        case_number=world.canary_text(code, "CASE"),
        received_on=today - timedelta(days=3),
        summary=world.canary_text(code, "SUMMARY"),
    )
    world.mark("CASE", code, complaint)
    world.mark("SUMMARY", code, complaint)
    kiosk, _token = services.create_kiosk(
        publication, name=world.canary_text(code, "KIOSK"), created_by=admin
    )
    world.mark("KIOSK", code, kiosk)
    held = HeldAnswer.objects.create(  # a kiosk answer the server could not store
        organisation=organisation,
        unit=unit,
        publication=publication,
        kiosk=kiosk,
        source_key=f"held-{code}",
        payload={"answers": {"csat": 3}},
        reasons=[{"field": "link", "message": "closed"}],
    )
    held.payload = {"answers": {"csat": 3, "open": world.mark("HELD", code, held)}}
    held.save(update_fields=["payload"])
    job = ResponseImport.objects.create(
        publication=publication,
        created_by=admin,
        file_name=f"{world.canary_text(code, 'IMPORT')}.csv",
        file_format="csv",
        columns=["csat"],
    )
    world.mark("IMPORT", code, job)
    invitation = Invitation.objects.create(
        publication=publication, channel="email", address=f"{code}@example.test", language="fi"
    )
    world.name(
        unit,
        code=publication.code,
        survey_id=survey.pk,
        question_id=survey.questions.values_list("pk", flat=True).first(),
        publication_id=publication.pk,
        fmt="svg",
        token=invitations.token_for(invitation),
        kiosk_id=kiosk.pk,
        held_id=held.pk,
        complaint_id=complaint.pk,
        path_id=path.pk,
        import_id=job.pk,
    )


def _canary_finish(world: Any) -> None:
    """A draft in each organisation, whose editor offers the catalogue's questions to add."""
    for top in world.units:
        if top.parent_id is not None:
            continue
        draft = services.create_survey(
            organisation=top.organisation,
            touchpoint=world.publications[top.pk].survey.touchpoint,
            name_fi=world.canary_text(top.organisation.slug, "DRAFT"),
        )
        world.mark("DRAFT", top.organisation.slug, draft)
        services.add_question(draft, standard_version("csat"))
        world.extra_urls.append(reverse("feedback:survey_detail", args=[draft.pk]))


CANARY = Canary(
    kinds={
        "PATH": CanaryKind(Permission.VIEW_INSIGHTS),  # service path name (the dashboards' navigation)
        "TOUCH": CanaryKind(Permission.VIEW_INSIGHTS, public=True),  # touchpoint (filters; the survey form)
        "SURVEY": CanaryKind(Permission.CONFIGURE_FEEDBACK, public=True),  # survey name
        "DRAFT": CanaryKind(Permission.CONFIGURE_FEEDBACK),  # a draft survey's name
        "ITEM": CanaryKind(Permission.CONFIGURE_FEEDBACK),  # an organisation's own catalogue question
        "COMMENT": CanaryKind(Permission.VIEW_INSIGHTS),  # a free-text answer
        "VERBAL": CanaryKind(Permission.VIEW_INSIGHTS),  # verbal feedback written down by staff
        "CASE": CanaryKind(Permission.MANAGE_COMPLAINTS),  # complaint case number
        "SUMMARY": CanaryKind(Permission.MANAGE_COMPLAINTS),  # complaint summary
        "KIOSK": CanaryKind(Permission.CONFIGURE_FEEDBACK),  # kiosk name
        "HELD": CanaryKind(Permission.CONFIGURE_FEEDBACK),  # a kiosk answer on hold
        "IMPORT": CanaryKind(Permission.IMPORT_RESPONSES),  # imported file name
    },
    organisation=_canary_organisation,
    unit=_canary_unit,
    finish=_canary_finish,
    id_parameters={"touchpoint": Touchpoint},  # a dashboard filter in a link
    field_values={
        "touchpoints_text": "probe | Probe",
        "recipients": "probe@example.test",
        "structure": lambda: SimpleUploadedFile("survey.lss", LIMESURVEY_3_STRUCTURE),
    },
    api_bodies={
        "post_responses": ApiBody(
            Permission.SUBMIT_RESPONSES,
            {"link": lambda world, unit: world.publications[unit.pk]},
            lambda of: {"link": of["link"].code, "answers": {"csat": 4}},
        ),
        "post_service_volumes": ApiBody(
            Permission.RECORD_VOLUMES,
            {
                "unit": lambda world, unit: unit,
                "touchpoint": lambda world, unit: world.publications[unit.pk].survey.touchpoint,
            },
            lambda of: {
                "volumes": [
                    {
                        "unit": of["unit"].code,
                        "touchpoint": f"{of['touchpoint'].service_path.code}.{of['touchpoint'].code}",
                        "date": str(timezone.localdate() - timedelta(days=1)),
                        "customers_served": 1,
                    }
                ]
            },
        ),
    },
)

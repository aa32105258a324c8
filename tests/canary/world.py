"""The canary world: the access tests' two organisations with marked objects in every unit."""

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise
from typing import Any

from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kuulo.feedback import invitations
from kuulo.feedback import services as feedback
from kuulo.feedback.models import Complaint, HeldAnswer, Invitation, ItemVersion, ResponseImport
from kuulo.feedback.testing import send_answers, standard_version
from kuulo.improvements import services as improvements
from kuulo.improvements.models import Action, ActionStatus
from kuulo.insights import alerts
from kuulo.insights import services as insights
from kuulo.insights.models import AlertSubscription, Notification, Report, ReportSchedule, ReportStatus
from kuulo.organisations import services as organisations
from kuulo.organisations.access import Permission, api_key_permissions
from kuulo.organisations.models import ApiKey, Organisation, Role, RoleAssignment, Unit, UnitType
from kuulo.organisations.testing import World, build_world, client_for, make_user
from kuulo.webhooks import events as webhook_events
from kuulo.webhooks import services as webhooks

from .markers import Marker, marker_text, scope_of


@dataclass
class Principal:
    """Who asks: a signed-in person, an anonymous visitor or an API key."""

    name: str
    user: Any = None
    key: ApiKey | None = None
    token: str = ""
    own_urls: list[str] = field(default_factory=list)  # what only this principal has (its PDF report)

    @property
    def subject(self) -> Any:
        """What access.py judges."""
        return self.key if self.key is not None else self.user

    def client(self) -> Client:
        return client_for(self.user)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass
class CanaryWorld:
    base: World
    units: list[Unit]  # every unit of both organisations
    markers: list[Marker] = field(default_factory=list)
    principals: dict[str, Principal] = field(default_factory=dict)
    # URL parameter -> unit id -> the value naming that unit's object
    url_values: dict[str, dict[int, Any]] = field(default_factory=dict)
    publications: dict[int, Any] = field(default_factory=dict)  # unit id -> its survey's publication
    extra_urls: list[str] = field(default_factory=list)  # pages every principal opens besides the routes

    def mark(self, kind: str, code: str, scoped: Model) -> str:
        """A new marker of `kind` for the row `scoped` (whose declared scope decides who may see it)."""
        text = marker_text(code, kind)
        organisation_id, unit_id = scope_of(scoped)
        self.markers.append(Marker(text, kind, organisation_id, unit_id))
        return text

    def name(self, of: Unit, **values: Any) -> None:
        """What each URL parameter is for the unit `of`'s object (e.g. complaint_id=its complaint's id)."""
        for param, value in values.items():
            self.url_values.setdefault(param, {})[of.pk] = value


# Where the canary world's people hold their role (the others: the whole organisation).
ROLE_UNITS: dict[str, str] = {Role.MANAGER: "area", Role.STAFF: "unit", Role.VIEWER: "area"}


def build_canary_world() -> CanaryWorld:
    """The access tests' world (organisation A: root → area → unit, and a sibling of area;
    organisation B) with marked objects in every unit, a real PDF report of each role's
    own scope, and two API keys."""
    base = build_world()
    world = CanaryWorld(base=base, units=[base.root, base.area, base.unit, base.sibling, base.other_org_unit])
    for organisation in (base.org, base.other_org):
        _mark_organisation(world, organisation)
    admins = {base.org.pk: base.users[Role.ADMIN], base.other_org.pk: base.users["other_admin"]}
    for unit in world.units:
        _mark_unit(world, unit, admins[unit.organisation_id])
    for organisation, top in ((base.org, base.root), (base.other_org, base.other_org_unit)):
        # A draft, whose editor offers the catalogue's questions to add.
        draft = feedback.create_survey(
            organisation=organisation,
            touchpoint=world.publications[top.pk].survey.touchpoint,
            name_fi=marker_text(organisation.slug, "DRAFT"),
        )
        world.mark("DRAFT", organisation.slug, draft)
        feedback.add_question(draft, standard_version("csat"))
        world.extra_urls.append(reverse("feedback:survey_detail", args=[draft.pk]))
    # Responses leave for webhooks once a day, per unit and day (organisations/rows.py).
    webhook_events.release_responses()
    _add_principals(world)
    texts = sorted(m.text for m in world.markers)
    assert all(not b.startswith(a) for a, b in pairwise(texts)), "markers must be prefix-free"
    return world


def _mark_organisation(world: CanaryWorld, organisation: Organisation) -> None:
    code = organisation.slug
    # Small thresholds, so that three comments in a unit are shown to whoever may see them.
    organisation.reporting_threshold = organisation.text_threshold = 3
    organisation.name_fi = world.mark("ORG", code, organisation)
    organisation.save()
    unit_type = UnitType.objects.get(organisation=organisation)
    unit_type.name_fi = world.mark("TYPE", code, unit_type)
    unit_type.save()
    item = feedback.create_item(
        organisation=organisation, code="canary", kind="yes_no", dimension="other", text_fi="?"
    )
    ItemVersion.objects.filter(item=item).update(text_fi=world.mark("ITEM", code, item))
    for unit in world.units:
        if unit.organisation_id == organisation.pk:
            world.name(unit, item_id=item.pk, type_id=unit_type.pk)


def _mark_unit(world: CanaryWorld, unit: Unit, admin: Any) -> None:
    """One of everything in `unit`, each named with the unit's marker of its kind; written
    by the organisation's admin through the services, as the app would."""
    code, organisation = unit.code, unit.organisation
    two_days_ago, today = timezone.now() - timedelta(days=2), timezone.localdate()
    unit.name_fi = world.mark("UNIT", code, unit)
    Unit.objects.filter(pk=unit.pk).update(name_fi=unit.name_fi)
    # An endpoint first, so that it also receives this unit's events below.
    endpoint, _secret = webhooks.create_endpoint(
        organisation=organisation,
        name="?",
        url="https://hooks.example.fi/",
        topics=["responses", "complaints", "actions"],
        unit=unit,
    )
    endpoint.name = world.mark("HOOK", code, endpoint)
    endpoint.save(update_fields=["name"])
    path = feedback.create_service_path(
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
    survey = feedback.create_survey(organisation=organisation, touchpoint=touchpoint, name_fi="?")
    survey.name_fi = world.mark("SURVEY", code, survey)
    survey.save(update_fields=["name_fi"])
    for item_code in ("csat", "open"):
        feedback.add_question(survey, standard_version(item_code))
    publication = feedback.publish_survey(survey, [unit])[0]
    world.publications[unit.pk] = publication
    # Three comments and a verbal feedback: a group as large as the text threshold.
    comments = [{"csat": 5, "open": marker_text(code, "COMMENT")}] * 3
    send_answers(admin, publication, comments, when=two_days_ago)
    world.mark("COMMENT", code, publication.responses.order_by("pk")[0])
    verbal = feedback.record_verbal_feedback(
        recorded_by=admin,
        unit=unit,
        touchpoint=touchpoint,
        sentiment="positive",
        text=marker_text(code, "VERBAL"),
        heard_at=two_days_ago,
    )
    world.mark("VERBAL", code, verbal)
    complaint = feedback.save_complaint(
        Complaint(),
        user=admin,
        unit=unit,
        kind="complaint",
        case_number=marker_text(code, "CASE"),
        received_on=today - timedelta(days=3),
        summary=marker_text(code, "SUMMARY"),
    )
    world.mark("CASE", code, complaint)
    world.mark("SUMMARY", code, complaint)
    action = improvements.save_action(
        Action(), user=admin, unit=unit, title=marker_text(code, "ACTION"), status=ActionStatus.PLANNED
    )
    world.mark("ACTION", code, action)
    kiosk, _token = feedback.create_kiosk(publication, name=marker_text(code, "KIOSK"), created_by=admin)
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
        file_name=f"{marker_text(code, 'IMPORT')}.csv",
        file_format="csv",
        columns=["csat"],
    )
    world.mark("IMPORT", code, job)
    report = Report.objects.create(  # the admin's: other people see only their own reports
        organisation=organisation,
        unit=unit,
        period_start=today - timedelta(days=30),
        period_end=today,
        language="fi",
        requested_by=admin,
        status=ReportStatus.DONE,
        content=f"%PDF-1.4\n% {marker_text(code, 'REPORT')}\n".encode(),
    )
    world.mark("REPORT", code, report)
    title = world.mark("NOTE", code, unit)
    Notification.objects.create(user=admin, unit=unit, kind="alert", title=title, body="", url="/", key=code)
    AlertSubscription.objects.create(user=admin, unit=unit)
    ReportSchedule.objects.create(organisation=organisation, unit=unit, user=admin, language="fi")
    key, _secret = organisations.create_api_key(
        organisation=organisation, name="?", permissions=[Permission.VIEW_UNITS], units=[unit]
    )
    key.name = world.mark("APIKEY", code, key)
    key.save(update_fields=["name"])
    person = make_user(organisation, Role.STAFF, unit, username=f"p-{code}", email=f"p.{code}@example.test")
    person.first_name = world.mark("FIRST", code, person)
    person.last_name = world.mark("LAST", code, person)
    person.save(update_fields=["first_name", "last_name"])
    invitation = Invitation.objects.create(
        publication=publication, channel="email", address=f"{code}@example.test", language="fi"
    )
    world.name(
        unit,
        code=publication.code,
        unit_id=unit.pk,
        user_id=person.pk,
        assignment_id=RoleAssignment.objects.get(membership__user=person).pk,
        survey_id=survey.pk,
        question_id=survey.questions.values_list("pk", flat=True).first(),
        publication_id=publication.pk,
        fmt="svg",
        token=invitations.token_for(invitation),
        kiosk_id=kiosk.pk,
        held_id=held.pk,
        complaint_id=complaint.pk,
        path_id=path.pk,
        action_id=action.pk,
        organisation=organisation.slug,
        unit=unit.code,
        import_id=job.pk,
        key_id=key.pk,
        report_id=report.pk,
        endpoint_id=endpoint.pk,
        delivery_id=webhooks.send_test_event(endpoint).pk,
    )


def _add_principals(world: CanaryWorld) -> None:
    """Every role of organisation A, an anonymous visitor, and two API keys."""
    base, today = world.base, timezone.localdate()
    # Account managers and viewers may hold their role either way: the account manager for
    # the whole organisation, the viewer in two branches (a-area and a-sibling, not a-root).
    RoleAssignment.objects.filter(membership__user=base.users[Role.ACCOUNT_MANAGER]).update(unit=None)
    organisations.grant_role(base.users[Role.VIEWER], Role.VIEWER, base.sibling)
    for role, user in base.users.items():
        if role not in Role.values:
            continue  # organisation B's admin: B's objects are the canaries
        unit = getattr(base, ROLE_UNITS[role]) if role in ROLE_UNITS else None
        # Something of their own on the pages that list a person's own things.
        AlertSubscription.objects.get_or_create(user=user, unit=unit or base.root)
        ReportSchedule.objects.create(organisation=base.org, unit=unit, user=user, language="fi")
        # A real PDF of what the role sees: its figures and comments.
        report = insights.request_report(
            user, unit=unit, start=today - timedelta(days=27), end=today, language="fi"
        )
        insights.generate_report(report.pk)
        report.refresh_from_db()
        assert report.status == ReportStatus.DONE, report.error
        own = [reverse("insights:report_download", args=[report.pk])]
        world.principals[str(role)] = Principal(str(role), user=user, own_urls=own)
    # The daily run writes each subscriber a digest of their unit, with its latest comments: on a
    # Monday (weekly digests), within a week of the comments.
    monday = next(day for day in (today + timedelta(days=n) for n in range(-1, 6)) if day.weekday() == 0)
    assert alerts.run_daily(monday)
    world.principals["anonymous"] = Principal("anonymous")
    everything = [str(permission) for permission in api_key_permissions()]
    unit_key, unit_token = organisations.create_api_key(
        organisation=base.org, name="canary probe", permissions=everything, units=[base.unit]
    )
    world.principals["key_unit"] = Principal("key_unit", key=unit_key, token=unit_token)
    other_key, other_token = organisations.create_api_key(
        organisation=base.other_org, name="canary probe", permissions=everything, whole_organisation=True
    )
    world.principals["key_other_organisation"] = Principal(
        "key_other_organisation", key=other_key, token=other_token
    )

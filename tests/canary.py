"""The canary check: what a role must not see never appears in what it is sent.

`build_canary_world()` puts objects carrying unique marker strings
(`CANARY-<unit code>-<kind>`) in every unit of organisation A and in organisation B.
`check()` then fetches, as one principal (a role, an anonymous visitor or an API key),
every page, export and API operation, and searches every answer for markers:

* a marker the principal must not see (decided from `organisations.access`: the
  units its grants cover, and its organisation) is a leak;
* a marker the principal may see, of a kind some page lists under a permission it
  holds, must appear somewhere, or the check proves nothing;
* every id a page offers in a link, a filter or a form (Django forms' model choice
  fields, `?unit=`, hidden ids) is tried with other units' and the other
  organisation's objects, and POSTs with such ids may change nothing out of scope;
  the same form sent with its own, in-scope ids must succeed.
"""

import io
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from html.parser import HTMLParser
from itertools import count, pairwise
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model, Q
from django.forms import BaseForm
from django.http import HttpResponse
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from kuulo.accounts.models import User
from kuulo.feedback import invitations
from kuulo.feedback import services as feedback
from kuulo.feedback.models import (
    Answer,
    Complaint,
    Invitation,
    ItemVersion,
    ResponseImport,
    SurveyQuestion,
)
from kuulo.feedback.testing import send_answers, standard_version
from kuulo.improvements import services as improvements
from kuulo.improvements.models import Action, ActionStatus
from kuulo.insights import services as insights
from kuulo.insights.models import AlertSubscription, Notification, Report, ReportSchedule, ReportStatus
from kuulo.organisations import services as organisations
from kuulo.organisations.access import (
    API_KEY_PERMISSIONS,
    NO_ACCESS,
    Permission,
    access_for,
    has_permission,
    units_for,
)
from kuulo.organisations.models import ApiKey, Organisation, Role, RoleAssignment, Unit, UnitType
from kuulo.organisations.testing import World, build_world, client_for, make_user
from kuulo.webhooks import services as webhooks

from .routes import Route, all_routes

PREFIX = "CANARY-"

# --- Markers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """What a marker is written in, and where a principal allowed to see it finds it."""

    # Some page lists markers of this kind to whoever holds this permission (in the marker's
    # unit, or anywhere for organisation-level rows); None: every member.
    shown_with: Permission | None
    public: bool = False  # a public page (survey form, kiosk) may show it to anyone
    api: bool = False  # the API shows it (API keys only reach the API)
    expected: bool = True  # whoever may see it must find it somewhere (False: only its owner does)


KINDS = {
    "ORG": Kind(None, public=True),  # organisation name
    "UNIT": Kind(Permission.VIEW_UNITS, public=True, api=True),  # unit name
    "TYPE": Kind(Permission.MANAGE_ORGANISATION),  # unit type name
    "PATH": Kind(Permission.VIEW_INSIGHTS),  # service path name (the dashboards' navigation)
    "TOUCH": Kind(Permission.VIEW_INSIGHTS, public=True),  # touchpoint name (filters; the survey form)
    "SURVEY": Kind(Permission.CONFIGURE_FEEDBACK, public=True),  # survey name
    "DRAFT": Kind(Permission.CONFIGURE_FEEDBACK),  # a draft survey's name
    "ITEM": Kind(Permission.CONFIGURE_FEEDBACK),  # an organisation's own catalogue question
    "COMMENT": Kind(Permission.VIEW_INSIGHTS),  # a free-text answer
    "VERBAL": Kind(Permission.VIEW_INSIGHTS),  # verbal feedback written down by staff
    "CASE": Kind(Permission.MANAGE_COMPLAINTS),  # complaint case number
    "SUMMARY": Kind(Permission.MANAGE_COMPLAINTS),  # complaint summary
    "ACTION": Kind(Permission.VIEW_INSIGHTS),  # improvement action title
    "KIOSK": Kind(Permission.CONFIGURE_FEEDBACK),  # kiosk name
    "IMPORT": Kind(Permission.IMPORT_RESPONSES),  # imported file name
    "REPORT": Kind(Permission.MANAGE_ORGANISATION),  # an admin's PDF report: others see only their own
    "NOTE": Kind(None, expected=False),  # an admin's notification: nobody else's list shows it
    "APIKEY": Kind(Permission.MANAGE_ORGANISATION),  # API key name
    "HOOK": Kind(Permission.MANAGE_WEBHOOKS),  # webhook endpoint name
    "FIRST": Kind(Permission.MANAGE_ORGANISATION),  # a person's first name
    "LAST": Kind(Permission.MANAGE_ORGANISATION),  # a person's last name
}


@dataclass(frozen=True)
class Marker:
    text: str
    kind: str
    organisation_id: int
    unit_id: int | None  # None: an organisation-level row


def marker_text(code: str, kind: str) -> str:
    assert kind in KINDS
    return f"{PREFIX}{code}-{kind}".upper()


# --- Scope: who may see a row, read from the models' declarations for access.py ----------------

# Models that declare no scope of their own are scoped through this relation.
SCOPED_THROUGH: dict[type[Model], str] = {
    User: "membership",
    ItemVersion: "item",
    SurveyQuestion: "survey",
    Answer: "response",
}


@dataclass(frozen=True)
class Scope:
    unit_path: str | None  # lookup of the unit the row belongs to
    organisation_path: str | None  # lookup of the organisation of an organisation-level row


def scope_of_model(model: type[Model]) -> Scope | None:
    """How `restrict` scopes rows of `model` (None: rows shared by everyone)."""
    prefix = ""
    while model in SCOPED_THROUGH:
        via = SCOPED_THROUGH[model]
        prefix += f"{via}__"
        model = model._meta.get_field(via).related_model  # type: ignore[assignment]
    if model is Organisation:
        return Scope(None, f"{prefix}pk")
    unit_field = getattr(model, "access_unit_field", None)
    organisation_field = getattr(model, "access_organisation_field", None)
    if unit_field is None and organisation_field is None:
        return None
    unit_path = f"{prefix}pk" if unit_field == "self" else (f"{prefix}{unit_field}" if unit_field else None)
    return Scope(unit_path, f"{prefix}{organisation_field}" if organisation_field else None)


def scope_of(obj: Model) -> tuple[int, int | None]:
    """(organisation id, unit id or None) of one row."""
    scope = scope_of_model(type(obj))
    assert scope is not None, f"{type(obj).__name__} is not scoped: mark a scoped row instead"
    rows = type(obj)._base_manager.filter(pk=obj.pk)
    if scope.unit_path and (unit_id := rows.values_list(scope.unit_path, flat=True).get()):
        return Unit.objects.get(pk=unit_id).organisation_id, unit_id
    assert scope.organisation_path, f"{type(obj).__name__} row without a unit"
    return rows.values_list(scope.organisation_path, flat=True).get(), None


# --- The world ------------------------------------------------------------------------------------


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
ROLE_UNITS = {Role.MANAGER: "area", Role.STAFF: "unit", Role.VIEWER: "area"}
_probe_numbers = count(1)


def build_canary_world() -> CanaryWorld:
    """The access-test world (organisation A: root → area → unit, sibling; organisation B)
    with marked objects in every unit, a real PDF report per role, and two API keys."""
    base = build_world()
    units = [base.root, base.area, base.unit, base.sibling, base.other_org_unit]
    world = CanaryWorld(base=base, units=units)
    admins = {base.org.pk: base.users[Role.ADMIN], base.other_org.pk: base.users["other_admin"]}
    two_days_ago = timezone.now() - timedelta(days=2)
    today = timezone.localdate()

    for organisation in (base.org, base.other_org):
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
        for unit in units:
            if unit.organisation_id == organisation.pk:
                world.name(unit, item_id=item.pk, type_id=unit_type.pk)

    for unit in units:
        code, admin, organisation = unit.code, admins[unit.organisation_id], unit.organisation
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
        send_answers(
            admin, publication, [{"csat": 5, "open": marker_text(code, "COMMENT")}] * 3, when=two_days_ago
        )
        world.mark("COMMENT", code, publication.responses.first())
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
        job = ResponseImport.objects.create(
            publication=publication,
            created_by=admin,
            file_name=f"{marker_text(code, 'IMPORT')}.csv",
            file_format="csv",
            columns=["csat"],
        )
        world.mark("IMPORT", code, job)
        report = Report.objects.create(
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
        Notification.objects.create(
            user=admin,
            unit=unit,
            kind="alert",
            title=world.mark("NOTE", code, unit),
            body="",
            url="/",
            key=f"canary-{unit.pk}",
        )
        AlertSubscription.objects.create(user=admin, unit=unit)
        ReportSchedule.objects.create(organisation=organisation, unit=unit, user=admin, language="fi")
        key, _secret = organisations.create_api_key(
            organisation=organisation, name="?", permissions=[Permission.VIEW_UNITS], units=[unit]
        )
        key.name = world.mark("APIKEY", code, key)
        key.save(update_fields=["name"])
        person = make_user(
            organisation, Role.STAFF, unit, username=f"p-{code}", email=f"p.{code}@example.test"
        )
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

    # Account managers and viewers may hold their role either way: one of each.
    RoleAssignment.objects.filter(membership__user=base.users[Role.ACCOUNT_MANAGER]).update(unit=None)
    for role, user in base.users.items():
        unit = getattr(base, ROLE_UNITS[role]) if role in ROLE_UNITS else None
        organisation_unit = unit or (base.other_org_unit if role == "other_admin" else base.root)
        # Something of their own on the pages that list a person's own things.
        AlertSubscription.objects.get_or_create(user=user, unit=organisation_unit)
        ReportSchedule.objects.get_or_create(
            organisation=organisation_unit.organisation, unit=unit, user=user, language="fi"
        )
        # A real PDF of what the role sees: its figures and comments.
        report = insights.request_report(
            user, unit=unit, start=today - timedelta(days=27), end=today, language="fi"
        )
        insights.generate_report(report.pk)
        report.refresh_from_db()
        assert report.status == ReportStatus.DONE, report.error
        own = [reverse("insights:report_download", args=[report.pk])]
        world.principals[str(role)] = Principal(str(role), user=user, own_urls=own)
    del world.principals["other_admin"]  # organisation B's admin: its objects are the canaries
    world.principals["anonymous"] = Principal("anonymous")
    everything = list(API_KEY_PERMISSIONS)
    unit_key, unit_token = organisations.create_api_key(
        organisation=base.org, name="canary probe", permissions=everything, units=[base.unit]
    )
    world.principals["key_unit"] = Principal("key_unit", key=unit_key, token=unit_token)
    other_key, other_token = organisations.create_api_key(
        organisation=base.other_org, name="canary probe", permissions=everything, units=[]
    )
    world.principals["key_other_organisation"] = Principal(
        "key_other_organisation", key=other_key, token=other_token
    )
    texts = sorted(m.text for m in world.markers)
    assert all(not b.startswith(a) for a, b in pairwise(texts)), "markers must be prefix-free"
    return world


# --- What a principal may see -----------------------------------------------------------------------


class Sight:
    """What one principal may see, as access.py decides: the units any of its grants cover
    (a unit's whole subtree; never an ancestor's own rows), and its organisation's
    organisation-level rows. Nothing of another organisation."""

    def __init__(self, principal: Principal) -> None:
        subject = principal.subject
        access = access_for(subject) if subject is not None else NO_ACCESS
        self.principal = principal
        self.organisation_id = access.organisation_id
        self.units: set[int] = set()
        if subject is not None:
            for permission in Permission:
                self.units |= set(units_for(subject, permission).values_list("pk", flat=True))
        self.out_of_scope_units = set(Unit.objects.values_list("pk", flat=True)) - self.units

    def may_see(self, marker: Marker, public_unit: Unit | None = None) -> bool:
        """`public_unit`: the unit whose public page (survey form, kiosk) is shown, which
        may show its own name and survey to anyone."""
        if public_unit is not None and KINDS[marker.kind].public:
            if marker.unit_id == public_unit.pk:
                return True
            if marker.unit_id is None and marker.organisation_id == public_unit.organisation_id:
                return True
        if marker.organisation_id != self.organisation_id:
            return False
        return marker.unit_id is None or marker.unit_id in self.units

    def must_find(self, marker: Marker) -> bool:
        """Whether some page the principal may open lists this marker."""
        kind = KINDS[marker.kind]
        subject = self.principal.subject
        if subject is None or not kind.expected or not self.may_see(marker):
            return False
        if self.principal.key is not None and not kind.api:
            return False
        if marker.unit_id is None:
            return has_permission(subject, kind.shown_with)
        return has_permission(subject, kind.shown_with, Unit.objects.get(pk=marker.unit_id))

    def out_of_scope(self, model: type[Model]) -> Q | None:
        """Rows of `model` the principal must not reach (None: the model is shared)."""
        scope = scope_of_model(model)
        if scope is None:
            return None
        other_organisation = None
        if scope.organisation_path:
            other_organisation = Q(**{f"{scope.organisation_path}__isnull": False}) & ~Q(
                **{scope.organisation_path: self.organisation_id}
            )
        if scope.unit_path is None:
            return other_organisation
        condition = Q(**{f"{scope.unit_path}__in": self.out_of_scope_units})
        if other_organisation is not None:  # a row without a unit belongs to the organisation
            condition |= Q(**{f"{scope.unit_path}__isnull": True}) & other_organisation
        return condition

    def samples(self, model: type[Model]) -> list[int]:
        """One out-of-scope row of `model` per unit (or organisation) it belongs to."""
        scope = scope_of_model(model)
        condition = self.out_of_scope(model)
        if scope is None or condition is None:
            return []
        paths = [path for path in (scope.unit_path, scope.organisation_path) if path]
        found: dict[tuple[Any, ...], int] = {}
        for pk, *where in model._base_manager.filter(condition).order_by("pk").values_list("pk", *paths):
            found.setdefault(tuple(where), pk)
        return list(found.values())


def kuulo_models() -> list[type[Model]]:
    return [m for m in apps.get_models(include_auto_created=True) if m.__module__.startswith("kuulo.")]


def fingerprint(sight: Sight) -> dict[str, list[tuple[Any, ...]]]:
    """Every row out of the principal's scope, or pointing at something out of it."""
    rows = {}
    for model in kuulo_models():
        condition = Q(pk__in=[])
        if (own := sight.out_of_scope(model)) is not None:
            condition |= own
        for model_field in model._meta.concrete_fields:
            related = model_field.related_model if model_field.is_relation else None
            if related is not None and (outside := sight.out_of_scope(related)) is not None:  # type: ignore[arg-type]
                condition |= Q(
                    **{f"{model_field.name}__in": related._base_manager.filter(outside).values("pk")}
                )  # type: ignore[union-attr]
        rows[model._meta.label] = list(model._base_manager.filter(condition).order_by("pk").values_list())
    return rows


def changed(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    """What differs, model by model: rows gone (-) and rows new or changed (+)."""
    differences = []
    for label, rows in before.items():
        if rows != after[label]:
            gone = [row for row in rows if row not in after[label]]
            new = [row for row in after[label] if row not in rows]
            differences.append(f"{label} -{gone[:2]} +{new[:2]}")
    return differences


# --- Reading what was sent --------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def readable(response: HttpResponse) -> tuple[str, str]:
    """The response as searchable text, and its format."""
    content = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    if content_type == XLSX:
        return xlsx_text(content), "xlsx"
    if content_type == "application/pdf":
        # The raw bytes too: a file that is not a real PDF is searched as it is.
        return content.decode("latin-1") + "".join(pdf_text(content).split()), "pdf"
    text = content.decode("utf-8", errors="replace")
    kind = {"text/html": "html", "text/csv": "csv", "application/json": "json"}.get(
        content_type, content_type
    )
    return text, kind or "empty"


def xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        "\t".join("" if cell is None else str(cell) for cell in row)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    try:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    except Exception:  # not a PDF: searched as bytes only
        return ""


class MarkerIndex:
    def __init__(self, markers: Iterable[Marker]) -> None:
        self.markers = list(markers)

    def find(self, text: str) -> set[Marker]:
        found: set[Marker] = set()
        upper = text.upper()
        start = upper.find(PREFIX)
        while start >= 0:
            found.update(m for m in self.markers if upper.startswith(m.text, start))
            start = upper.find(PREFIX, start + 1)
        return found


# --- Forms and links on a page ----------------------------------------------------------------------


@dataclass
class HtmlForm:
    method: str
    action: str
    values: list[tuple[str, str]] = field(default_factory=list)  # sent without touching anything
    offered: dict[str, list[str]] = field(default_factory=dict)  # every value each control offers
    submit: tuple[str, str] | None = None  # the first named submit button


class Page(HTMLParser):
    """The links and forms of an HTML page, read as a browser would send them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: tuple[str, bool, list[str], list[str]] | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        form = self._form
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        elif tag == "form":
            self._form = HtmlForm(method=(a.get("method") or "get").lower(), action=a.get("action") or "")
            self.forms.append(self._form)
        elif form is None or not (name := a.get("name")):
            return
        elif tag == "input":
            kind, value = (a.get("type") or "text").lower(), a.get("value") or ""
            if kind in ("submit", "image"):
                form.submit = form.submit or (name, value)
                return
            form.offered.setdefault(name, []).append(value)
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.values.append((name, value or "on"))
            elif kind not in ("file", "button"):
                form.values.append((name, value))
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            form.submit = form.submit or (name, a.get("value") or "")
        elif tag == "select":
            self._select = (name, "multiple" in a, [], [])
        elif tag == "textarea":
            self._textarea = (name, [])
        if tag == "option" and self._select is not None:
            value = a.get("value") or ""
            self._select[2].append(value)
            if "selected" in a:
                self._select[3].append(value)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, options, selected = self._select
            self._form.offered.setdefault(name, []).extend(options)
            chosen = selected or ([] if multiple or not options else options[:1])
            self._form.values.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            self._form.values.append((name, "".join(text).removeprefix("\n")))
            self._textarea = None


def context_forms(response: HttpResponse) -> list[BaseForm]:
    """The Django forms a page was rendered with."""
    context = getattr(response, "context", None)
    if context is None:
        return []
    found: dict[int, BaseForm] = {}
    for layer in context if isinstance(context, list) else [context]:
        for value in layer.flatten().values():
            for candidate in value.values() if isinstance(value, dict) else [value]:
                if isinstance(candidate, BaseForm):
                    found[id(candidate)] = candidate
    return list(found.values())


# Query-string and form parameters outside Django forms that name objects, and what they name.
ID_PARAMETERS: dict[str, type[Model]] = {
    "unit": Unit,
    "parent": Unit,
    "subscription": AlertSubscription,
    "schedule": ReportSchedule,
}
# Numeric parameters that name no object (q<id>: a survey form's answer to a question).
NOT_IDS = re.compile(r"page|period|mine|active|q\d+")
# Values for form fields whose type alone does not tell a valid value.
FIELD_VALUES: dict[str, str] = {
    "touchpoints_text": "probe | Probe",
    "recipients": "probe@example.test",
    "role": Role.VIEWER,  # with or without a unit
}


def fill(name: str, form_field: forms.Field) -> Any:
    """A valid value for an empty required field."""
    n = next(_probe_numbers)
    if name in FIELD_VALUES:
        return FIELD_VALUES[name]
    if isinstance(form_field, forms.ModelChoiceField):
        first = form_field.queryset.values_list("pk", flat=True).first()  # type: ignore[union-attr]
        value = "" if first is None else str(first)
        return [value] if isinstance(form_field, forms.ModelMultipleChoiceField) else value
    if isinstance(form_field, forms.ChoiceField):
        value = next(str(v) for v, _label in form_field.choices if v not in ("", None))  # type: ignore[misc]
        return [value] if isinstance(form_field, forms.MultipleChoiceField) else value
    if isinstance(form_field, forms.FileField):
        return lambda: SimpleUploadedFile("probe.csv", "csat;open\n5;hyvä\n".encode(), "text/csv")
    if isinstance(form_field, forms.DateField):
        return str(timezone.localdate() - timedelta(days=1))
    if isinstance(form_field, forms.BooleanField):
        return "on"
    if isinstance(form_field, forms.IntegerField | forms.DecimalField):
        return str(max(int(getattr(form_field, "min_value", None) or 1), 1))
    if isinstance(form_field, forms.EmailField):
        return f"probe{n}@example.test"
    if isinstance(form_field, forms.URLField):
        return "https://hooks.example.fi/probe"
    if isinstance(form_field, forms.SlugField):
        return f"probe-{n}"
    return f"probe {n}"


@dataclass
class Probe:
    """A form or link whose ids are tried with objects out of the principal's scope."""

    method: str
    url: str
    route: str
    base: dict[str, Any]  # what a browser sends as it is: the in-scope control
    ids: dict[str, type[Model]]  # parameters that name objects, and what they name
    public_unit: Unit | None = None

    def data(self, **changes: Any) -> dict[str, Any]:
        data = {
            name: value() if callable(value) else value for name, value in {**self.base, **changes}.items()
        }
        return data

    def with_id(self, name: str, pk: int) -> dict[str, Any]:
        return self.data(**{name: [str(pk)] if isinstance(self.base.get(name), list) else str(pk)})


def route_of(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


# --- The check ---------------------------------------------------------------------------------------


@dataclass
class Leak:
    principal: str
    route: str
    method: str
    url: str
    marker: Marker

    def __str__(self) -> str:
        return f"{self.method} {self.url} ({self.route}) shows {self.marker.text} to {self.principal}"


@dataclass
class Findings:
    leaks: list[Leak] = field(default_factory=list)  # markers the principal must not see
    changes: list[str] = field(default_factory=list)  # out-of-scope rows changed by a request
    missing: list[str] = field(default_factory=list)  # markers the principal should find but did not
    untaught: list[str] = field(default_factory=list)  # what the check cannot fill or try yet
    unfilled: list[str] = field(default_factory=list)  # in-scope controls that did not succeed
    errors: list[str] = field(default_factory=list)  # requests that crashed
    formats: set[str] = field(default_factory=set)
    requests: int = 0

    def problems(self, ignore: Callable[[Leak], bool] = lambda leak: False) -> list[str]:
        leaks: dict[tuple[str, str], list[Leak]] = {}
        for leak in self.leaks:
            if not ignore(leak):
                leaks.setdefault((leak.route, leak.marker.text), []).append(leak)
        return [
            *(f"leak: {found[0]} (and {len(found) - 1} more like it)" for found in leaks.values()),
            *(f"changed out of scope: {c}" for c in self.changes),
            *(f"never shown: {m}" for m in self.missing),
            *(f"teach the canary test: {u}" for u in self.untaught),
            *(f"in-scope control failed: {u}" for u in self.unfilled),
            *(f"crashed: {e}" for e in self.errors),
        ]


@dataclass(frozen=True)
class ApiBody:
    """A valid body for a POST operation, naming `unit`'s objects; the permission it needs there."""

    permission: Permission
    body: Callable[[CanaryWorld, Unit], dict[str, Any]]

    def json(self, world: CanaryWorld, unit: Unit) -> str:
        return json.dumps(self.body(world, unit))


API_BODIES = {
    "post_responses": ApiBody(
        Permission.SUBMIT_RESPONSES,
        lambda world, unit: {"link": world.publications[unit.pk].code, "answers": {"csat": 4}},
    ),
    "post_service_volumes": ApiBody(
        Permission.RECORD_VOLUMES,
        lambda world, unit: {
            "volumes": [
                {"unit": unit.code, "date": str(date.today() - timedelta(days=1)), "customers_served": 1}
            ]
        },
    ),
}


class Checker:
    def __init__(self, world: CanaryWorld, principal: Principal, routes: list[Route]) -> None:
        self.world = world
        self.principal = principal
        self.routes = routes
        self.client = principal.client()
        self.sight = Sight(principal)
        self.index = MarkerIndex(world.markers)
        self.findings = Findings()
        self.seen: set[Marker] = set()
        self.followed: set[Any] = set()
        self.probes: dict[Any, Probe] = {}
        self.mixed_posts: list[str] = []  # addresses naming an object in scope and one out of it
        self.api_posts: list[tuple[str, ApiBody]] = []

    # Fetching and searching

    def fetch(
        self, method: str, url: str, data: Any = None, *, public_unit: Unit | None = None, json: bool = False
    ) -> HttpResponse | None:
        headers = self.principal.headers
        try:
            if method == "GET":
                response = self.client.get(url, headers=headers)
            elif json:
                response = self.client.post(url, data=data, content_type="application/json", headers=headers)
            else:
                response = self.client.post(url, data=data or {}, headers=headers)
        except Exception as error:  # a crash is reported, and the rest still checked
            self.findings.errors.append(f"{method} {url}: {error!r}")
            return None
        self.findings.requests += 1
        text, kind = readable(response)
        self.findings.formats.add(kind)
        for marker in self.index.find(text):
            if self.sight.may_see(marker, public_unit):
                self.seen.add(marker)
            else:
                route = route_of(url) or url
                self.findings.leaks.append(Leak(self.principal.name, route, method, url, marker))
        return response

    # Pages

    def walk_pages(self) -> None:
        if self.principal.key is not None:
            return  # a key reaches the API only; to pages it is an anonymous visitor
        for route in self.routes:
            if route.is_api or (route.params and not route.is_kuulo_view):
                continue  # the API is walked from its schema; third-party pages' tokens name nothing
            if not route.params:
                self.page(reverse(route.name), None)
            elif missing := [p for p in route.params if p not in self.world.url_values]:
                self.findings.untaught.append(f"{route.name}: what parameter(s) {missing} name")
            else:
                self.walk_objects(route)
        for url in [*self.world.extra_urls, *self.principal.own_urls]:
            self.page(url, None)

    def walk_objects(self, route: Route) -> None:
        """The route with every unit's objects; and, with several ids, one in scope with
        the others out of it (another unit's question of one's own survey, say)."""
        public = bool(route.rule and route.rule.public)
        if not public and not has_permission(self.principal.subject, route.rule.permission):  # type: ignore[union-attr]
            # @requires refuses before any object is read (the access-matrix test checks it).
            self.page(reverse(route.name, kwargs=self.kwargs(route, self.world.units[0])), None)
            return
        for unit in self.world.units:
            response = self.page(
                reverse(route.name, kwargs=self.kwargs(route, unit)), unit if public else None
            )
            if response is not None and response.status_code == 405:
                return  # POST only: refused before any object is read
        own = next((unit for unit in self.world.units if unit.pk in self.sight.units), None)
        ids = [p for p in route.params if len(set(self.world.url_values[p].values())) > 1]
        if own is None or public or len(ids) < 2:
            return
        for param in ids[1:]:
            for unit in self.world.units:
                if unit.pk not in self.sight.units:
                    url = reverse(
                        route.name, kwargs={**self.kwargs(route, own), param: self.kwargs(route, unit)[param]}
                    )
                    self.page(url, None)
                    self.mixed_posts.append(url)

    def kwargs(self, route: Route, unit: Unit) -> dict[str, Any]:
        return {p: self.world.url_values[p][unit.pk] for p in route.params}

    def page(self, url: str, public_unit: Unit | None) -> HttpResponse | None:
        """GET a page; follow its links and note its forms."""
        response = self.fetch("GET", url, public_unit=public_unit)
        if response is None or response.status_code != 200:
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        page = Page(response.content.decode())
        for href in page.links:
            self.follow(url, href, public_unit)
        forms_here = context_forms(response)
        for html_form in page.forms:
            self.discover_form(url, html_form, forms_here, public_unit)
        return response

    def follow(self, page_url: str, href: str, public_unit: Unit | None) -> None:
        """Open each kind of link with a query string once (sorting, exports, a unit's filter)
        and try the ids in it out of scope."""
        url = urljoin(page_url, href)
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or not parts.query:
            return
        route = route_of(url)
        if route is None or route.startswith("api:"):
            return
        query = parse_qsl(parts.query, keep_blank_values=True)
        key = (route, tuple(sorted((k, "#" if v.isdigit() else v) for k, v in query)))
        if key in self.followed:
            return
        self.followed.add(key)
        self.fetch("GET", url, public_unit=public_unit)
        ids = {}
        for name, value in query:
            if name in ID_PARAMETERS:
                ids[name] = ID_PARAMETERS[name]
            elif value.isdigit() and not NOT_IDS.fullmatch(name):
                self.findings.untaught.append(f"{route}: what ?{name}= names")
        if ids:
            self.add_probe(Probe("get", parts.path, route, dict(query), ids, public_unit))

    def discover_form(
        self, page_url: str, html_form: HtmlForm, django_forms: list[BaseForm], public_unit: Unit | None
    ) -> None:
        target = urljoin(page_url, html_form.action or page_url)
        route = route_of(target)
        if route is None:
            return
        names = set(html_form.offered) | {name for name, _value in html_form.values}
        # The Django form rendered into this HTML form: the one with most fields in it.
        fields: dict[str, forms.Field] = {}
        best = max(django_forms, key=lambda f: len(names & {f.add_prefix(n) for n in f.fields}), default=None)
        if best is not None:
            fields = {best.add_prefix(n): f for n, f in best.fields.items() if best.add_prefix(n) in names}
        ids: dict[str, type[Model]] = {}
        for name in sorted(names):
            form_field = fields.get(name)
            if form_field is not None:
                if isinstance(form_field, forms.ModelChoiceField):
                    model = form_field.queryset.model  # type: ignore[union-attr]
                    if scope_of_model(model) is not None:
                        ids[name] = model
            elif name in ID_PARAMETERS:
                ids[name] = ID_PARAMETERS[name]
            elif any(v.isdigit() for v in html_form.offered.get(name, [])) and not NOT_IDS.fullmatch(name):
                self.findings.untaught.append(f"{route}: what the form field {name!r} names")
        if not ids:
            return
        base: dict[str, Any] = {}
        for name, value in html_form.values:
            if name in base:
                base[name] = [*(base[name] if isinstance(base[name], list) else [base[name]]), value]
            else:
                base[name] = value
        for name, form_field in fields.items():
            multiple = isinstance(form_field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField)
            if multiple and name in base and not isinstance(base[name], list):
                base[name] = [base[name]]
            if form_field.required and not base.get(name):
                base[name] = fill(name, form_field)
        if html_form.method == "post" and html_form.submit:
            base.setdefault(*html_form.submit)
        self.add_probe(Probe(html_form.method, urlsplit(target).path, route, base, ids, public_unit))

    def add_probe(self, probe: Probe) -> None:
        self.probes.setdefault((probe.method, probe.route, frozenset(probe.ids)), probe)

    # Trying ids out of scope

    def run_probes(self) -> None:
        """Filters and links with out-of-scope ids first; then every form and API operation
        sent with out-of-scope ids, which may change nothing out of scope; then each sent
        as it is (in scope), which must succeed, or the tries above prove nothing."""
        posts = [probe for probe in self.probes.values() if probe.method == "post"]
        for probe in self.probes.values():
            if probe.method == "get":
                for name, model in probe.ids.items():
                    for pk in self.sight.samples(model):
                        url = f"{probe.url}?{urlencode(probe.with_id(name, pk), doseq=True)}"
                        self.fetch("GET", url, public_unit=probe.public_unit)
        before = fingerprint(self.sight)
        for probe in posts:
            for name, model in probe.ids.items():
                for pk in self.sight.samples(model):
                    self.fetch("POST", probe.url, probe.with_id(name, pk), public_unit=probe.public_unit)
        for url in self.mixed_posts:
            self.fetch("POST", url)
        for path, operation in self.api_posts:
            for unit in self.world.units:
                if unit.pk not in self.sight.units:
                    response = self.fetch("POST", path, operation.json(self.world, unit), json=True)
                    if response is not None and response.status_code < 300:
                        self.findings.changes.append(
                            f"POST {path} naming {unit.code}: {response.status_code}"
                        )
        if differences := changed(before, fingerprint(self.sight)):
            sent = sorted(
                {p.route for p in posts} | {path for path, _ in self.api_posts} | set(self.mixed_posts)
            )
            self.findings.changes.append(f"after POSTs with out-of-scope ids to {sent}: {differences}")
        for probe in posts:
            control = self.fetch("POST", probe.url, probe.data(), public_unit=probe.public_unit)
            if control is not None and not succeeded(control):
                errors = [dict(f.errors) for f in context_forms(control) if f.errors]
                self.findings.unfilled.append(
                    f"POST {probe.url} ({probe.route}): {control.status_code} {errors}"
                )
        subject = self.principal.subject
        for path, operation in self.api_posts:
            for unit in self.world.units:
                if subject is not None and has_permission(subject, operation.permission, unit):
                    response = self.fetch("POST", path, operation.json(self.world, unit), json=True)
                    if response is not None and response.status_code >= 300:
                        self.findings.unfilled.append(
                            f"POST {path} naming {unit.code}: {response.status_code}"
                        )

    # The API, from its own schema

    def walk_api(self) -> None:
        response = self.fetch("GET", reverse("api:openapi-json"))
        assert response is not None and response.status_code == 200
        schema = response.json()  # type: ignore[attr-defined]
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                parameters = operation.get("parameters", [])
                in_path = [p["name"] for p in parameters if p["in"] == "path"]
                flags = [
                    p["name"]
                    for p in parameters
                    if p["in"] == "query" and p.get("schema", {}).get("type") == "boolean"
                ]
                if method == "get":
                    for url in self.api_urls(path, in_path):
                        self.fetch("GET", url)
                        if flags:
                            self.fetch("GET", f"{url}?{urlencode(dict.fromkeys(flags, 'true'))}")
                elif method == "post" and not in_path and (name := resolve(path).url_name) in API_BODIES:
                    self.api_posts.append((path, API_BODIES[name]))
                else:
                    self.findings.untaught.append(f"the API's {method.upper()} {path}")

    def api_urls(self, path: str, params: list[str]) -> list[str]:
        if not params:
            return [path]
        if missing := [p for p in params if p not in self.world.url_values]:
            self.findings.untaught.append(f"{path}: what parameter(s) {missing} name")
            return []
        return [
            path.format(**{p: self.world.url_values[p][unit.pk] for p in params}) for unit in self.world.units
        ]

    def expectations(self) -> None:
        for marker in self.world.markers:
            if self.sight.must_find(marker) and marker not in self.seen:
                self.findings.missing.append(f"{marker.text} (nothing listed it to {self.principal.name})")


def succeeded(response: HttpResponse) -> bool:
    """A form was accepted: redirected onwards (not to sign in), or shown again without errors."""
    if response.status_code == 302:
        return "/accounts/login/" not in response["Location"]
    return response.status_code == 200 and not any(f.errors for f in context_forms(response))


def check(world: CanaryWorld, principal: str, routes: list[Route] | None = None) -> Findings:
    """Everything `principal` is sent, searched for markers it must not see; ids tried out of scope."""
    checker = Checker(world, world.principals[principal], routes if routes is not None else all_routes())
    # Hundreds of 403s and 404s are expected: their log lines (with tracebacks) only cost time.
    quiet = [logging.getLogger(name) for name in ("django.request", "pypdf")]
    levels = [log.level for log in quiet]
    for log in quiet:
        log.setLevel(logging.CRITICAL)
    try:
        checker.walk_pages()
        checker.walk_api()
        checker.run_probes()
        checker.expectations()
    finally:
        for log, level in zip(quiet, levels, strict=True):
            log.setLevel(level)
    return checker.findings


__all__ = ["CanaryWorld", "Findings", "Leak", "build_canary_world", "check", "replace"]

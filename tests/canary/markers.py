"""Marker strings, and who may see the row each is written in (read from the models'
declarations for organisations.access)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model

from kuulo.accounts.models import User
from kuulo.feedback.models import Answer, ItemVersion, SurveyQuestion
from kuulo.organisations.access import Permission
from kuulo.organisations.models import Organisation, Unit

PREFIX = "CANARY-"


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
    "HELD": Kind(Permission.CONFIGURE_FEEDBACK),  # a kiosk answer on hold
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


class MarkerIndex:
    """Finds the markers in a text (case-insensitively: a template may change case)."""

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

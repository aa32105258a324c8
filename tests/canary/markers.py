"""Marker strings, and who may see the row each is written in (read from the models'
declarations for organisations.access)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model

from kuulo.accounts.models import User
from kuulo.feedback.models import Answer, ItemVersion, SurveyQuestion
from kuulo.organisations.models import Organisation, Unit
from kuulo.organisations.testing import CanaryKind, canaries

PREFIX = "CANARY-"


# Every app's kinds of marker (`CANARY.kinds` in its testing.py).
KINDS: dict[str, CanaryKind] = {}
for _canary in canaries():
    assert not KINDS.keys() & _canary.kinds.keys(), "two apps declare the same kind of marker"
    KINDS.update(_canary.kinds)


@dataclass(frozen=True)
class Marker:
    text: str
    kind: str
    organisation_id: int
    unit_id: int | None  # None: an organisation-level row
    shared_below: bool = False  # the row's unit shares it with the units below (access.listed)


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
    shared_below: bool = False  # a unit's row is also named to the units below it


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
    return Scope(
        unit_path,
        f"{prefix}{organisation_field}" if organisation_field else None,
        getattr(model, "access_shared_below", False),
    )


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

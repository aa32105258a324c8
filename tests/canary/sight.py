"""What one principal may see, and a fingerprint of everything it must not change."""

from typing import Any

from django.apps import apps
from django.db.models import Model, Q

from kuulo.core.registry import registry
from kuulo.organisations.access import (
    NO_ACCESS,
    access_for,
    has_permission,
    units_above,
    units_for,
)
from kuulo.organisations.models import Unit

from .markers import KINDS, Marker, scope_of_model
from .world import Principal


class Sight:
    """What one principal may see, as access.py decides: the units any of its grants cover
    (a unit's whole subtree; an ancestor's own rows only of the kinds it shares with the
    units below), and its organisation's organisation-level rows. Nothing of another
    organisation."""

    def __init__(self, principal: Principal) -> None:
        subject = principal.subject
        access = access_for(subject) if subject is not None else NO_ACCESS
        self.principal = principal
        self.organisation_id = access.organisation_id
        self.units: set[int] = set()
        self.above: set[int] = set()
        if subject is not None:
            for permission in registry.permissions:  # every app's
                self.units |= set(units_for(subject, permission).values_list("pk", flat=True))
                self.above |= units_above(subject, permission)
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
        if marker.shared_below and marker.unit_id in self.above:
            return True
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
        outside = self.out_of_scope_units - (self.above if scope.shared_below else set())
        condition = Q(**{f"{scope.unit_path}__in": outside})
        if other_organisation is not None:  # a row without a unit belongs to the organisation
            condition |= Q(**{f"{scope.unit_path}__isnull": True}) & other_organisation
        return condition

    def reaches(self, row: Model) -> bool:
        condition = self.out_of_scope(type(row))
        return condition is None or not type(row)._base_manager.filter(condition, pk=row.pk).exists()

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
            if related is not None and (outside := sight.out_of_scope(related)) is not None:
                condition |= Q(
                    **{f"{model_field.name}__in": related._base_manager.filter(outside).values("pk")}
                )
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

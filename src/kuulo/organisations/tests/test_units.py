"""The unit tree: create, rename, move, archive, restore, delete — and the audit trail."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kuulo.audit.models import AuditEvent
from kuulo.organisations import services
from kuulo.organisations.models import Role, Unit
from kuulo.organisations.testing import World, client_for, make_unit, make_user


def test_paths_follow_the_tree(world: World) -> None:
    assert world.unit.path == f"/{world.root.pk:08d}/{world.area.pk:08d}/{world.unit.pk:08d}/"
    assert world.unit.depth == 2
    assert world.unit.ancestor_ids() == [world.root.pk, world.area.pk]
    assert list(Unit.objects.subtree_of(world.area)) == [world.area, world.unit]


def test_move_rewrites_the_whole_subtree(world: World) -> None:
    leaf = make_unit(world.org, parent=world.unit, code="leaf")
    services.move_unit(world.area, world.sibling)
    leaf.refresh_from_db()
    world.unit.refresh_from_db()
    assert world.unit.ancestor_ids() == [world.root.pk, world.sibling.pk, world.area.pk]
    assert leaf.path.startswith(world.unit.path) and leaf.depth == 4
    assert AuditEvent.objects.filter(action="unit.moved", target_id=str(world.area.pk)).exists()


def test_move_to_top_level(world: World) -> None:
    services.move_unit(world.unit, None)
    world.unit.refresh_from_db()
    assert world.unit.parent is None and world.unit.depth == 0 and world.unit.ancestor_ids() == []


@pytest.mark.parametrize("target", ["self", "descendant", "other_org"])
def test_move_refuses_cycles_and_other_organisations(world: World, target: str) -> None:
    new_parent = {"self": world.area, "descendant": world.unit, "other_org": world.other_org_unit}[target]
    with pytest.raises(ValidationError):
        services.move_unit(world.area, new_parent)
    world.area.refresh_from_db()
    assert world.area.parent == world.root


def test_archive_takes_the_subtree_and_keeps_data(world: World) -> None:
    assert services.archive_unit(world.area) == 2
    assert set(Unit.objects.filter(archived_at__isnull=False)) == {world.area, world.unit}
    with pytest.raises(ValidationError):
        services.restore_unit(world.unit)  # parent first
    services.restore_unit(Unit.objects.get(pk=world.area.pk))
    assert Unit.objects.get(pk=world.area.pk).archived_at is None


def test_role_in_archived_unit_grants_nothing(world: World) -> None:
    staff = world.users[Role.STAFF]
    assert (
        client_for(staff).get(reverse("organisations:unit_detail", args=[world.unit.pk])).status_code == 200
    )
    services.archive_unit(world.unit)
    assert (
        client_for(staff).get(reverse("organisations:unit_detail", args=[world.unit.pk])).status_code == 403
    )


def test_unit_with_data_cannot_be_deleted_but_empty_one_can(world: World) -> None:
    with pytest.raises(services.UnitHasData):
        services.delete_unit(world.area)  # has a sub-unit and roles
    empty = make_unit(world.org, parent=world.root, code="empty")
    services.delete_unit(empty)
    assert not Unit.objects.filter(code="empty").exists()


def test_codes_are_unique_per_organisation(world: World) -> None:
    with pytest.raises(ValidationError):
        make_unit(world.org, code=world.unit.code)
    make_unit(world.other_org, code=world.unit.code)  # another organisation may reuse it


def test_admin_creates_renames_moves_and_archives_in_the_ui(world: World) -> None:
    client = client_for(world.users[Role.ADMIN])
    unit_type = world.unit.unit_type
    response = client.post(
        reverse("organisations:unit_create"),
        {
            "name_fi": "Uusi tiimi",
            "code": "new-team",
            "unit_type": unit_type.pk,
            "language": "sv",
            "parent": world.area.pk,
        },
    )
    new = Unit.objects.get(code="new-team")
    assert response.status_code == 302 and new.parent == world.area and new.language == "sv"
    client.post(
        reverse("organisations:unit_edit", args=[new.pk]),
        {
            "name_fi": "Nimetty tiimi",
            "name_sv": "Omdöpt team",
            "code": "new-team",
            "unit_type": unit_type.pk,
            "language": "sv",
        },
    )
    new.refresh_from_db()
    assert (new.name_fi, new.name_sv) == ("Nimetty tiimi", "Omdöpt team")
    client.post(reverse("organisations:unit_move", args=[new.pk]), {"parent": world.sibling.pk})
    new.refresh_from_db()
    assert new.parent == world.sibling
    client.post(reverse("organisations:unit_archive", args=[new.pk]))
    new.refresh_from_db()
    assert new.is_archived
    actions = list(AuditEvent.objects.filter(target_id=str(new.pk)).values_list("action", flat=True))
    assert set(actions) >= {"unit.created", "unit.updated", "unit.moved", "unit.archived"}


def test_create_form_reports_errors_by_field(world: World) -> None:
    response = client_for(world.users[Role.ADMIN]).post(
        reverse("organisations:unit_create"), {"name_fi": "", "code": world.unit.code}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "name_fi" in form.errors and "unit_type" in form.errors
    assert b'aria-invalid="true"' in response.content


def test_move_form_does_not_offer_own_subtree(world: World) -> None:
    response = client_for(world.users[Role.ADMIN]).get(
        reverse("organisations:unit_move", args=[world.area.pk])
    )
    choices = {unit.pk for unit in response.context["form"].fields["parent"].queryset}
    assert world.unit.pk not in choices and world.area.pk not in choices and world.sibling.pk in choices


def test_role_rules(world: World) -> None:
    person = make_user(world.org)
    with pytest.raises(ValidationError):
        services.grant_role(person, Role.STAFF, None)  # staff needs a unit
    with pytest.raises(ValidationError):
        services.grant_role(person, Role.ADMIN, world.unit)  # admin is organisation-wide
    with pytest.raises(ValidationError):
        services.grant_role(person, Role.STAFF, world.other_org_unit)
    services.grant_role(person, Role.STAFF, world.unit)
    with pytest.raises(ValidationError):
        services.grant_role(person, Role.STAFF, world.unit)  # twice


def test_permission_changes_are_audited(world: World, client: Any) -> None:
    admin = world.users[Role.ADMIN]
    person = make_user(world.org)
    web = client_for(admin)
    web.post(
        reverse("organisations:person_grant_role", args=[person.pk]),
        {"role": Role.MANAGER, "unit": world.area.pk},
    )
    assignment = person.membership.roles.get()
    web.post(reverse("organisations:person_revoke_role", args=[person.pk, assignment.pk]))
    events = AuditEvent.objects.filter(target_id=str(person.pk), action__startswith="role.")
    assert [e.action for e in events.order_by("id")] == ["role.granted", "role.revoked"]
    assert all(e.actor == admin and e.organisation == world.org for e in events)


def test_admin_cannot_remove_own_admin_role(world: World) -> None:
    admin = world.users[Role.ADMIN]
    assignment = admin.membership.roles.get()
    client_for(admin).post(reverse("organisations:person_revoke_role", args=[admin.pk, assignment.pk]))
    assert admin.membership.roles.filter(pk=assignment.pk).exists()

"""The rules that keep organisations apart and the tree consistent, each tested on its own."""

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from kuulo.audit.models import AuditEvent
from kuulo.audit.services import record
from kuulo.core.http import client_ip
from kuulo.organisations import services
from kuulo.organisations.access import Permission, has_permission
from kuulo.organisations.models import Role, RoleAssignment, Unit
from kuulo.organisations.testing import PASSWORD, World, client_for, make_unit, make_unit_type, make_user


def test_services_refuse_another_organisations_unit_type_and_parent(world: World) -> None:
    other_type = make_unit_type(world.other_org, code="other-type")
    with pytest.raises(ValidationError):
        services.create_unit(organisation=world.org, parent=None, unit_type=other_type, code="x", name_fi="X")
    with pytest.raises(ValidationError):
        services.create_unit(
            organisation=world.org,
            parent=world.other_org_unit,
            unit_type=world.unit.unit_type,
            code="y",
            name_fi="Y",
        )
    with pytest.raises(ValidationError):
        services.update_unit(world.unit, unit_type=other_type)
    assert not Unit.objects.filter(code__in=["x", "y"]).exists()


def test_unit_form_offers_only_own_unit_types(world: World) -> None:
    make_unit_type(world.other_org, code="other-type")
    response = client_for(world.users[Role.ADMIN]).get(reverse("organisations:unit_create"))
    offered = {t.organisation_id for t in response.context["form"].fields["unit_type"].queryset}
    assert offered == {world.org.pk}


def test_nothing_is_added_or_moved_under_an_archived_unit(world: World) -> None:
    services.archive_unit(world.sibling)
    with pytest.raises(ValidationError):
        make_unit(world.org, parent=world.sibling, code="under-archived")
    with pytest.raises(ValidationError):
        services.move_unit(world.area, world.sibling)
    with pytest.raises(ValidationError):
        services.archive_unit(world.sibling)  # twice: a no-op is an error, not an audit entry
    assert AuditEvent.objects.filter(action="unit.archived").count() == 1


def test_restore_brings_back_what_was_archived_together(world: World) -> None:
    leaf = make_unit(world.org, parent=world.unit, code="leaf")
    services.archive_unit(leaf)  # archived on its own, earlier
    services.archive_unit(world.area)
    area = Unit.objects.get(pk=world.area.pk)
    assert services.restore_unit(area) == 2
    assert not Unit.objects.get(pk=world.unit.pk).is_archived
    assert Unit.objects.get(pk=leaf.pk).is_archived
    with pytest.raises(ValidationError):
        services.restore_unit(Unit.objects.get(pk=world.area.pk))


def test_tree_depth_is_limited(world: World) -> None:
    parent = world.unit
    while parent.depth < services.MAX_DEPTH - 1:
        parent = make_unit(world.org, parent=parent)
    with pytest.raises(ValidationError):
        make_unit(world.org, parent=parent)
    with pytest.raises(ValidationError):
        services.move_unit(world.sibling, parent)


def test_roles_are_not_granted_in_archived_units(world: World) -> None:
    services.archive_unit(world.sibling)
    with pytest.raises(ValidationError):
        services.grant_role(make_user(world.org), Role.STAFF, Unit.objects.get(pk=world.sibling.pk))


def test_admin_cannot_deactivate_themselves(world: World) -> None:
    admin = world.users[Role.ADMIN]
    client_for(admin).post(reverse("organisations:person_set_active", args=[admin.pk]), {"active": "0"})
    admin.refresh_from_db()
    assert admin.is_active


def test_revoke_with_another_organisations_assignment_id_is_404(world: World) -> None:
    admin = world.users[Role.ADMIN]
    own_person = world.users[Role.STAFF]
    foreign_assignment = RoleAssignment.objects.get(membership__user=world.users["other_admin"])
    url = reverse("organisations:person_revoke_role", args=[own_person.pk, foreign_assignment.pk])
    assert client_for(admin).post(url).status_code == 404
    assert RoleAssignment.objects.filter(pk=foreign_assignment.pk).exists()


def test_audit_log_shows_only_own_organisation(world: World) -> None:
    record("unit.updated", target=world.other_org_unit, target_label="secret-b-event")
    record("unit.updated", target=world.unit, target_label="own-a-event")
    record("auth.login_failed", target_label="nobody-knows-this-login")  # no organisation
    html = client_for(world.users[Role.ADMIN]).get(reverse("audit:event_list")).content.decode()
    assert "own-a-event" in html
    assert "secret-b-event" not in html and "nobody-knows-this-login" not in html


def test_weak_passwords_are_refused_for_new_members(world: World) -> None:
    with pytest.raises(ValidationError):
        services.create_member(
            organisation=world.org, username="weak", email="weak@example.test", password="123"
        )


def test_usernames_cannot_look_like_email_addresses(world: World) -> None:
    with pytest.raises(ValidationError):
        services.create_member(organisation=world.org, username="a@b.fi", email="ab@example.test")
    response = client_for(world.users[Role.ADMIN]).post(
        reverse("organisations:person_create"), {"username": "x@y.fi", "email": "x@example.test"}
    )
    assert "username" in response.context["form"].errors


def test_failed_sign_in_is_attributed_by_login_type(world: World) -> None:
    # B's admin names a user after an A user's e-mail address: impossible now, and an e-mail
    # login is only ever matched against e-mail addresses.
    Client().post("/accounts/login/", {"login": "a-staff@example.test", "password": "wrong"})
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.organisation == world.org and event.target_id == str(world.users[Role.STAFF].pk)


def test_lock_out_is_logged_once_for_the_accounts_organisation(world: World, settings: Any) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURES + 3):
        client.post("/accounts/login/", {"login": "a-manager", "password": "wrong"})
    events = AuditEvent.objects.filter(action="auth.locked_out")
    assert events.count() == 1 and events.get().organisation == world.org


def test_session_expiry_slides_with_activity(world: World, settings: Any) -> None:
    client = Client()
    client.post("/accounts/login/", {"login": "a-staff", "password": PASSWORD})
    key = client.session.session_key

    def stored_expiry() -> Any:
        return Session.objects.get(session_key=key).expire_date

    first = stored_expiry()
    later = timezone.now() + timedelta(minutes=10)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert client.get("/").status_code == 200
    assert stored_expiry() >= first + timedelta(minutes=9)
    idle = stored_expiry() + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=idle):
        assert client.get("/").status_code == 302  # idle too long: signed out


def test_api_is_closed_until_required_2fa_is_set_up(world: World) -> None:
    services.update_organisation(world.org, require_mfa_for_privileged=True)
    response = client_for(world.users[Role.ADMIN]).get("/api/v1/units")
    assert response.status_code == 403
    assert client_for(world.users[Role.STAFF]).get("/api/v1/units").status_code == 200


def test_unit_level_permission_checks(world: World) -> None:
    manager = world.users[Role.MANAGER]
    assert has_permission(manager, Permission.VIEW_UNITS, world.unit)
    assert not has_permission(manager, Permission.VIEW_UNITS, world.sibling)
    assert not has_permission(world.users[Role.ADMIN], Permission.VIEW_UNITS, world.other_org_unit)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),  # no proxy: the header is the client's word, ignored
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a forged first entry is ignored
        (2, "198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, "10.0.0.9", "10.0.0.2"),  # fewer entries than proxies: fall back to the socket
    ],
)
def test_client_ip_behind_proxies(settings: Any, proxies: int, forwarded: str, expected: str) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected

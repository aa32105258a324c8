"""API keys reach exactly what they were given: some units' subtrees, or (said explicitly)
the whole organisation. A key whose last unit goes reaches nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from kuulo.organisations import services
from kuulo.organisations.access import Permission, units_for
from kuulo.organisations.models import ApiKey, Role
from kuulo.organisations.testing import World, client_for, make_unit


def codes(secret: str) -> set[str]:
    response = Client(headers={"authorization": f"Bearer {secret}"}).get("/api/v1/units")
    return {unit["code"] for unit in response.json()} if response.status_code == 200 else set()


def test_a_key_whose_only_unit_is_deleted_reaches_nothing(world: World) -> None:
    temporary = make_unit(world.org, parent=world.root, code="pop-up")
    key, secret = services.create_api_key(
        organisation=world.org, name="Pop-up desk", permissions=[Permission.VIEW_UNITS], units=[temporary]
    )
    assert codes(secret) == {"pop-up"}
    services.delete_unit(temporary)
    assert not units_for(ApiKey.objects.get(pk=key.pk), Permission.VIEW_UNITS).exists()
    assert codes(secret) == set()  # before the fix: every unit of the organisation


def test_whole_organisation_is_explicit(world: World) -> None:
    _, secret = services.create_api_key(
        organisation=world.org, name="BI", permissions=[Permission.VIEW_UNITS], whole_organisation=True
    )
    assert {world.root.code, world.unit.code, world.sibling.code} <= codes(secret)
    assert world.other_org_unit.code not in codes(secret)
    with pytest.raises(ValidationError):
        services.create_api_key(organisation=world.org, name="x", permissions=[Permission.VIEW_UNITS])
    with pytest.raises(ValidationError):
        services.create_api_key(
            organisation=world.org,
            name="x",
            permissions=[Permission.VIEW_UNITS],
            units=[world.unit],
            whole_organisation=True,
        )


def test_the_form_asks_for_units_or_the_whole_organisation(world: World) -> None:
    admin = client_for(world.users[Role.ADMIN])
    admin.cookies["django_language"] = "en"
    response = admin.post(
        "/organisation/api-keys/", {"name": "Nothing chosen", "permissions": ["units.view"]}
    )
    assert "Choose the units the key reaches, or the whole organisation." in response.content.decode()
    admin.post(
        "/organisation/api-keys/", {"name": "All", "permissions": ["units.view"], "whole_organisation": "on"}
    )
    assert ApiKey.objects.get(name="All").whole_organisation

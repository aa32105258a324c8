"""Service volumes, waiting and processing times: entered in the UI or sent by API."""

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kuulo.feedback import services
from kuulo.feedback.models import ServiceVolume
from kuulo.feedback.testing import make_touchpoint
from kuulo.organisations import services as org_services
from kuulo.organisations.access import Permission
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def test_manager_enters_a_day_and_can_correct_it(world: World) -> None:
    client = client_for(world.users[Role.MANAGER])
    day = {
        "unit": world.unit.pk,
        "date": "2026-11-02",
        "customers_served": 120,
        "customers_offered_survey": 80,
        "waiting_minutes": "6.5",
    }
    assert client.post(reverse("feedback:service_volumes"), day).status_code == 302
    assert (
        client.post(reverse("feedback:service_volumes"), {**day, "customers_served": 125}).status_code == 302
    )
    volume = ServiceVolume.objects.get()
    assert (volume.customers_served, volume.waiting_minutes) == (125, Decimal("6.5"))
    assert "125" in client.get(reverse("feedback:service_volumes")).content.decode()


def test_volume_rules(world: World) -> None:
    manager = world.users[Role.MANAGER]
    base: dict[str, Any] = {
        "principal": manager,
        "unit": world.unit,
        "touchpoint": None,
        "date": date(2026, 11, 2),
    }
    with pytest.raises(ValidationError):
        services.record_service_volume(**base, customers_served=10, customers_offered_survey=20)
    with pytest.raises(ValidationError):
        services.record_service_volume(**base, customers_served=10, waiting_minutes=Decimal("-1"))
    with pytest.raises(ValidationError):
        services.record_service_volume(**{**base, "unit": world.sibling}, customers_served=10)
    with pytest.raises(ValidationError):
        services.record_service_volume(**{**base, "principal": world.users[Role.STAFF]}, customers_served=10)
    assert ServiceVolume.objects.count() == 0


def test_another_organisations_touchpoint_is_refused(world: World) -> None:
    manager = world.users[Role.MANAGER]
    foreign = make_touchpoint(world.other_org)
    with pytest.raises(ValidationError) as refused:
        services.record_service_volume(
            principal=manager,
            unit=world.unit,
            touchpoint=foreign,
            date=date(2026, 11, 2),
            customers_served=10,
        )
    assert set(refused.value.message_dict) == {"touchpoint"}
    response = client_for(manager).post(
        reverse("feedback:service_volumes"),
        {"unit": world.unit.pk, "touchpoint": foreign.pk, "date": "2026-11-02", "customers_served": 10},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"touchpoint"}
    assert foreign not in form.fields["touchpoint"].queryset
    assert ServiceVolume.objects.count() == 0


def post_volumes(key: str, rows: list[dict[str, Any]]) -> Any:
    return Client(headers={"authorization": f"Bearer {key}"}).post(
        "/api/v1/service-volumes", data=json.dumps({"volumes": rows}), content_type="application/json"
    )


def test_api_batch_is_all_or_nothing(world: World) -> None:
    touchpoint = make_touchpoint(world.org, code="apply")
    _, key = org_services.create_api_key(
        organisation=world.org,
        name="Queue system",
        permissions=[Permission.RECORD_VOLUMES],
        units=[world.area],
    )
    good = {
        "unit": world.unit.code,
        "touchpoint": f"{touchpoint.service_path.code}.apply",
        "date": "2026-11-02",
        "customers_served": 50,
        "waiting_minutes": 4.2,
    }
    bad = [
        good,
        {**good, "date": "2026-11-03", "unit": world.sibling.code},  # outside the key's units
        {**good, "date": "2026-11-04", "touchpoint": "nope.nope"},
        good,  # the same day twice
        {**good, "date": "2026-11-05", "customers_served": 5, "customers_offered_survey": 9},
    ]
    response = post_volumes(key, bad)
    assert response.status_code == 422
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} == {
        (1, "unit"),
        (2, "touchpoint"),
        (3, "date"),
    }
    assert ServiceVolume.objects.count() == 0
    response = post_volumes(key, [bad[0], bad[4]])
    assert response.status_code == 422 and response.json()["errors"][0]["index"] == 1
    assert ServiceVolume.objects.count() == 0  # the valid first row was rolled back too
    assert post_volumes(key, [good]).json() == {"saved": 1}
    assert post_volumes(key, [{**good, "customers_served": 55}]).json() == {"saved": 1}  # a resend replaces
    assert ServiceVolume.objects.get().customers_served == 55


def test_keys_need_the_volume_permission(world: World) -> None:
    _, key = org_services.create_api_key(
        organisation=world.org,
        name="E-service",
        permissions=[Permission.SUBMIT_RESPONSES],
        whole_organisation=True,
    )
    row = {"unit": world.unit.code, "date": "2026-11-02", "customers_served": 1}
    assert post_volumes(key, [row]).status_code == 403


def test_a_batch_of_many_days_is_saved_in_a_few_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    _, key = org_services.create_api_key(
        organisation=world.org,
        name="Queue system",
        permissions=[Permission.RECORD_VOLUMES],
        units=[world.area],
    )
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(200)]
    rows = [{"unit": world.unit.code, "date": str(day), "customers_served": 10} for day in days]
    assert post_volumes(key, rows[:100]).json() == {"saved": 100}
    first = ServiceVolume.objects.get(date=days[0])
    # Half of these days are stored already (a resend corrects them), half are new.
    corrected = [{**row, "customers_served": 20, "waiting_minutes": 3.5} for row in rows]
    with django_assert_max_num_queries(25):
        assert post_volumes(key, corrected).json() == {"saved": 200}
    assert ServiceVolume.objects.count() == 200
    assert set(ServiceVolume.objects.values_list("customers_served", "waiting_minutes")) == {
        (20, Decimal("3.5"))
    }
    first.refresh_from_db()
    assert first.updated_at > first.created_at

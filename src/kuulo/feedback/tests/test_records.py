"""Verbal feedback recorded by staff, and the register of complaints and reminders."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from kuulo.feedback import services
from kuulo.feedback.models import Channel, Complaint, ComplaintStatus, Response
from kuulo.feedback.testing import make_touchpoint
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def test_staff_record_verbal_feedback_for_their_unit(world: World) -> None:
    staff = world.users[Role.STAFF]
    touchpoint = make_touchpoint(world.org)
    response = client_for(staff).post(
        reverse("feedback:verbal_feedback"),
        {
            "unit": world.unit.pk,
            "touchpoint": touchpoint.pk,
            "how": "phone",
            "sentiment": "negative",
            "text": "Jonotin puhelimessa 40 minuuttia, soittakaa 0401234567",
        },
    )
    assert response.status_code == 302
    stored = Response.objects.get()
    assert (stored.channel, stored.sentiment, stored.unit, stored.recorded_by) == (
        Channel.VERBAL,
        "negative",
        world.unit,
        staff,
    )
    assert stored.attributes == {"how": "phone"}
    assert "[PHONE]" in stored.answers.get().text
    page = client_for(staff).get(reverse("feedback:verbal_feedback")).content.decode()
    assert "Jonotin puhelimessa" not in page  # row-level data: not while the day's group fills up


def record_day(world: World, unit: Any, text: str, count: int = 10) -> None:
    """A day's worth of verbal feedback in a unit (yesterday), enough to be shown."""
    for n in range(count):
        services.record_verbal_feedback(
            recorded_by=world.users[Role.ADMIN],
            unit=unit,
            touchpoint=None,
            sentiment="neutral",
            text=f"{text} {n}",
            heard_at=timezone.now() - timedelta(days=1),
        )


def test_verbal_feedback_is_listed_from_days_with_a_large_enough_group(world: World) -> None:
    record_day(world, world.unit, "Iso päivä")
    record_day(world, world.area, "Hiljainen päivä", count=9)  # one short of the comment threshold
    page = client_for(world.users[Role.MANAGER]).get(reverse("feedback:verbal_feedback")).content.decode()
    assert "Iso päivä 3" in page and "Hiljainen päivä" not in page
    assert (
        timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%H:%M") not in page
    )  # the day only


def test_verbal_feedback_only_for_own_units(world: World) -> None:
    staff = world.users[Role.STAFF]
    with pytest.raises(ValidationError):
        services.record_verbal_feedback(
            recorded_by=staff, unit=world.sibling, touchpoint=None, sentiment="positive", text="Hyvä"
        )
    response = client_for(staff).post(
        reverse("feedback:verbal_feedback"),
        {"unit": world.sibling.pk, "how": "counter", "sentiment": "positive", "text": "Hyvä"},
    )
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert Response.objects.count() == 0


def test_recent_verbal_feedback_is_scoped(world: World) -> None:
    record_day(world, world.sibling, "Sisarkanavan salaisuus")
    record_day(world, world.unit, "Oma yksikkö")
    page = client_for(world.users[Role.STAFF]).get(reverse("feedback:verbal_feedback")).content.decode()
    assert "Sisarkanavan salaisuus" not in page and "Oma yksikkö" in page


def test_verbal_feedback_refuses_another_organisations_touchpoint(world: World) -> None:
    staff = world.users[Role.STAFF]
    foreign = make_touchpoint(world.other_org)
    with pytest.raises(ValidationError) as refused:
        services.record_verbal_feedback(
            recorded_by=staff, unit=world.unit, touchpoint=foreign, sentiment="positive", text="Hyvä"
        )
    assert set(refused.value.message_dict) == {"touchpoint"}
    response = client_for(staff).post(
        reverse("feedback:verbal_feedback"),
        {
            "unit": world.unit.pk,
            "touchpoint": foreign.pk,
            "how": "counter",
            "sentiment": "positive",
            "text": "Hyvä",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"touchpoint"}
    assert foreign not in form.fields["touchpoint"].queryset
    assert Response.objects.count() == 0


def complaint_data(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "reminder",
        "case_number": "DNRO-2026-101",
        "unit": world.unit.pk,
        "received_on": "2026-10-01",
        "status": "received",
        "summary": "Asiakas (hetu 131052-308T) koki tulleensa kohdelluksi epäasiallisesti.",
        **overrides,
    }


def test_manager_registers_and_decides_a_reminder(world: World) -> None:
    client = client_for(world.users[Role.MANAGER])
    assert client.post(reverse("feedback:complaint_create"), complaint_data(world)).status_code == 302
    complaint = Complaint.objects.get()
    assert "[HETU]" in complaint.summary and complaint.organisation == world.org
    # Deciding needs a decision date and outcome.
    edit = reverse("feedback:complaint_edit", args=[complaint.pk])
    response = client.post(edit, complaint_data(world, status="decided"))
    assert response.status_code == 200
    client.post(edit, complaint_data(world, status="decided", decided_on="2026-10-20", outcome="partly"))
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.DECIDED and complaint.decided_on == date(2026, 10, 20)


def test_complaint_rules(world: World) -> None:
    manager = world.users[Role.MANAGER]
    fields: dict[str, Any] = {
        "kind": "complaint",
        "case_number": "K-1",
        "unit": world.unit,
        "received_on": date(2026, 10, 1),
    }
    services.save_complaint(Complaint(), user=manager, **fields)
    with pytest.raises(ValidationError):
        services.save_complaint(Complaint(), user=manager, **fields)  # the same case number twice
    with pytest.raises(ValidationError):
        services.save_complaint(
            Complaint(), user=manager, **{**fields, "case_number": "K-2", "unit": world.sibling}
        )
    with pytest.raises(ValidationError):
        services.save_complaint(
            Complaint(), user=manager, **{**fields, "case_number": "K-3", "decided_on": date(2026, 9, 1)}
        )
    with pytest.raises(ValidationError):
        services.save_complaint(Complaint(), user=world.users[Role.STAFF], **{**fields, "case_number": "K-4"})
    assert Complaint.objects.count() == 1


def test_complaints_are_listed_only_for_own_units(world: World) -> None:
    admin = world.users[Role.ADMIN]
    services.save_complaint(
        Complaint(),
        user=admin,
        kind="complaint",
        case_number="SIBLING-1",
        unit=world.sibling,
        received_on=date(2026, 10, 1),
    )
    services.save_complaint(
        Complaint(),
        user=admin,
        kind="complaint",
        case_number="OWN-1",
        unit=world.unit,
        received_on=date(2026, 10, 2),
    )
    page = client_for(world.users[Role.MANAGER]).get(reverse("feedback:complaint_list")).content.decode()
    assert "OWN-1" in page and "SIBLING-1" not in page


def test_managers_cannot_reach_or_move_complaints_outside_their_units(world: World) -> None:
    admin, manager = world.users[Role.ADMIN], world.users[Role.MANAGER]
    received = date(2026, 10, 1)
    sibling_case = services.save_complaint(
        Complaint(),
        user=admin,
        kind="complaint",
        case_number="SIB-1",
        unit=world.sibling,
        received_on=received,
    )
    own_case = services.save_complaint(
        Complaint(), user=admin, kind="complaint", case_number="OWN-1", unit=world.unit, received_on=received
    )
    client = client_for(manager)
    sibling_edit = reverse("feedback:complaint_edit", args=[sibling_case.pk])
    assert client.get(sibling_edit).status_code == 404
    data = complaint_data(world, case_number="SIB-1", unit=world.sibling.pk, summary="Muutettu")
    assert client.post(sibling_edit, data).status_code == 404
    # Moving their own unit's case to the sibling unit is refused on the form.
    own_edit = reverse("feedback:complaint_edit", args=[own_case.pk])
    response = client.post(own_edit, complaint_data(world, case_number="OWN-1", unit=world.sibling.pk))
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    # ...and by the service, whatever calls it.
    with pytest.raises(ValidationError) as refused:
        services.save_complaint(Complaint.objects.get(pk=own_case.pk), user=manager, unit=world.sibling)
    assert "unit" in refused.value.message_dict
    # A caller that already moved the instance into the manager's unit cannot launder it:
    # the case's stored unit decides.
    laundered = Complaint.objects.get(pk=sibling_case.pk)
    laundered.unit = world.unit
    with translation.override("en"), pytest.raises(ValidationError, match="You cannot change this case"):
        services.save_complaint(laundered, user=manager, summary="Muutettu")
    stored = {c.case_number: (c.unit, c.summary) for c in Complaint.objects.all()}
    assert stored == {"SIB-1": (world.sibling, ""), "OWN-1": (world.unit, "")}

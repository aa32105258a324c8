"""The queue and a case through the pages: each role, the user's units only, filters,
the flow from taking a case to closing it, every view of contact details audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kuulo.audit.models import AuditEvent
from kuulo.followups.models import FollowUp, FollowUpSettings
from kuulo.followups.testing import make_case
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.CX_LEAD, 200),
        (Role.MANAGER, 200),
        (Role.STAFF, 200),
        (Role.VIEWER, 403),
        (Role.ACCOUNT_MANAGER, 403),
    ],
)
def test_who_may_open_the_queue_and_a_case(world: World, role: str, status: int) -> None:
    case = make_case(world.unit, name="Maija Meikäläinen")
    client = client_for(world.users[role])
    queue = client.get("/follow-ups/")
    assert queue.status_code == status
    detail = client.get(f"/follow-ups/{case.pk}/")
    assert detail.status_code == status
    if status == 200:
        assert "Maija Meikäläinen" in queue.content.decode()
        assert "maija@example.test" in detail.content.decode()
    else:
        assert "Maija" not in queue.content.decode() + detail.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    case = make_case(world.unit)
    assert client_for(None).get(f"/follow-ups/{case.pk}/").status_code == 302


def test_cases_out_of_the_users_units_are_not_found(world: World) -> None:
    sibling = make_case(world.sibling, name="Naapurin Asiakas")
    other = make_case(world.other_org_unit, name="Toisen Organisaation Asiakas")
    staff, lead = client_for(world.users[Role.STAFF]), client_for(world.users[Role.CX_LEAD])
    assert staff.get(f"/follow-ups/{sibling.pk}/").status_code == 404
    assert lead.get(f"/follow-ups/{other.pk}/").status_code == 404
    for action in ("assign", "reply", "close"):
        assert staff.post(f"/follow-ups/{sibling.pk}/{action}/", {}).status_code == 404
    assert "Naapurin" not in staff.get("/follow-ups/").content.decode()
    listed = lead.get("/follow-ups/").content.decode()
    assert "Naapurin" in listed and "Toisen Organisaation" not in listed


def test_the_flow_take_reply_close(world: World) -> None:
    case = make_case(world.unit, csat=2)
    staff = world.users[Role.STAFF]
    client = client_for(staff)
    assert client.post(f"/follow-ups/{case.pk}/assign/", {"assignee": staff.pk}).status_code == 302
    refused = client.post(f"/follow-ups/{case.pk}/close/", {"close-outcome": "resolved"})
    assert refused.status_code == 400  # nobody has contacted the person yet
    replied = client.post(
        f"/follow-ups/{case.pk}/reply/", {"reply-channel": "phone", "reply-text": "Soitin ja pahoittelin."}
    )
    assert replied.status_code == 302
    closed = client.post(f"/follow-ups/{case.pk}/close/", {"close-outcome": "resolved", "close-note": ""})
    assert closed.status_code == 302
    case.refresh_from_db()
    assert case.assignee == staff and case.outcome == "resolved" and not case.is_open
    assert client.get("/follow-ups/?show=closed").context["cases"] == [case]
    assert client.get("/follow-ups/").context["cases"] == []
    page = client.get(f"/follow-ups/{case.pk}/").content.decode()
    assert "Soitin ja pahoittelin." in page and 'action="/follow-ups/' not in page  # no forms once closed


def test_an_assignee_from_outside_the_unit_is_refused_on_the_form(world: World) -> None:
    case = make_case(world.unit)
    client = client_for(world.users[Role.MANAGER])
    refused = client.post(f"/follow-ups/{case.pk}/assign/", {"assignee": world.users[Role.VIEWER].pk})
    assert refused.status_code == 400
    case.refresh_from_db()
    assert case.assignee is None


def test_filters_mine_unassigned_overdue_closed(world: World) -> None:
    staff = world.users[Role.STAFF]
    mine, unassigned, late = (make_case(world.unit) for _ in range(3))
    FollowUp.objects.filter(pk=mine.pk).update(assignee=staff)
    FollowUp.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    client = client_for(staff)

    def shown(which: str) -> set[int]:
        return {case.pk for case in client.get(f"/follow-ups/?show={which}").context["cases"]}

    assert shown("open") == {mine.pk, unassigned.pk, late.pk}
    assert shown("mine") == {mine.pk}
    assert shown("unassigned") == {unassigned.pk, late.pk}
    assert shown("overdue") == {late.pk}
    assert shown("closed") == set()
    page = client.get("/follow-ups/?show=overdue").content.decode()
    assert "overdue" in page


def test_the_queue_filters_by_unit_only_within_the_users_units(world: World) -> None:
    in_area, in_unit = make_case(world.area), make_case(world.unit)
    make_case(world.sibling)
    client = client_for(world.users[Role.MANAGER])
    listed = {c.pk for c in client.get(f"/follow-ups/?unit={world.unit.pk}").context["cases"]}
    assert listed == {in_unit.pk}
    everything = {c.pk for c in client.get(f"/follow-ups/?unit={world.sibling.pk}").context["cases"]}
    assert everything == {in_area.pk, in_unit.pk}  # a unit out of reach filters nothing in


def test_every_view_of_contact_details_is_audited(world: World) -> None:
    case = make_case(world.unit)
    client = client_for(world.users[Role.STAFF])
    client.get("/follow-ups/")
    client.get(f"/follow-ups/{case.pk}/")
    listed = AuditEvent.objects.get(action="follow_up.listed")
    assert listed.details["cases"] == [case.pk] and listed.actor == world.users[Role.STAFF]
    viewed = AuditEvent.objects.get(action="follow_up.viewed")
    assert viewed.target_id == str(case.pk)


def test_the_navigation_counts_open_cases_in_the_users_units(world: World) -> None:
    make_case(world.unit)
    make_case(world.sibling)
    staff_page = client_for(world.users[Role.STAFF]).get("/").content.decode()
    assert 'class="badge main-nav__count">1<' in staff_page
    lead_page = client_for(world.users[Role.CX_LEAD]).get("/").content.decode()
    assert 'class="badge main-nav__count">2<' in lead_page
    assert "/follow-ups/" not in client_for(world.users[Role.VIEWER]).get("/").content.decode()


def test_admins_set_the_promise(world: World) -> None:
    admin = client_for(world.users[Role.ADMIN])
    assert client_for(world.users[Role.CX_LEAD]).get("/organisation/follow-ups/").status_code == 403
    assert admin.post("/organisation/follow-ups/", {"promise_days": "0"}).status_code == 400
    assert admin.post("/organisation/follow-ups/", {"promise_days": "3"}).status_code == 302
    saved = FollowUpSettings.objects.get(organisation=world.org)
    assert saved.promise_days == 3 and not saved.alert_low_scores  # an unticked box
    assert AuditEvent.objects.filter(action="follow_up.settings_updated").exists()


def test_the_case_shows_number_and_cant_say_answers_too(world: World) -> None:
    from kuulo.feedback import services as feedback
    from kuulo.feedback.models import Answer

    case = make_case(world.unit)
    minutes = feedback.create_item(
        organisation=world.org,
        code="minutes",
        kind="number",
        dimension="efficiency",
        text_fi="Odotit minuutteja",
        number={"lower": 0, "upper": 240, "decimals": 0, "unit_label": {"fi": "min"}},
    ).versions.get()
    guidance = feedback.create_item(
        organisation=world.org,
        code="g",
        kind="agreement",
        dimension="information",
        text_fi="Ohjaus",
        cant_say=True,
    ).versions.get()
    Answer.objects.create(response=case.response, item_version=minutes, amount=35)
    Answer.objects.create(response=case.response, item_version=guidance, cant_say=True)
    page = client_for(world.users[Role.STAFF]).get(f"/follow-ups/{case.pk}/").content.decode()
    assert "Odotit minuutteja" in page and "35 min" in page
    assert "Ohjaus" in page and "En osaa sanoa" in page

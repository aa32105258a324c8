"""The home page tells case handlers how many people wait for a reply — counts only, never
who they are — and shows nothing of it to roles that do not handle cases."""

from datetime import timedelta

from django.utils import timezone

from kuulo.followups import services
from kuulo.followups.testing import make_case
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def test_handlers_see_counts_of_their_units_only(world: World) -> None:
    mine = make_case(world.unit, name="Maija Meikäläinen")
    make_case(world.unit, name="Matti Virtanen")
    make_case(world.sibling, name="Sanna Sisar")  # another branch
    staff = world.users[Role.STAFF]  # role in a-unit
    services.assign_case(mine, user=staff, assignee=staff)
    type(mine).objects.filter(pk=mine.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    staff.language = "en"
    staff.save(update_fields=["language"])
    page = client_for(staff).get("/")
    html = page.content.decode()
    panel = next(p["context"]["counts"] for p in page.context["panels"] if "counts" in p["context"])
    assert panel == {"open": 2, "overdue": 1, "unassigned": 1, "mine": 1}
    assert "2 open follow-ups" in html and "People waiting for a reply" in html
    for name in ("Maija", "Matti", "Sanna", "example.test"):
        assert name not in html  # no contact details on the home page
    viewer = client_for(world.users[Role.VIEWER]).get("/").content.decode()
    assert "waiting for a reply" not in viewer

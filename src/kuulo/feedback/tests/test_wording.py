"""Words people see: standard sets described in every language, items named by their
wording (never a code such as RESOLVED), complaints and reminders named together."""

from django.utils import translation
from django.utils.translation import pgettext

from kuulo.feedback.models import Item, QuestionSet
from kuulo.improvements import services as improvements
from kuulo.improvements.models import Action
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def test_standard_sets_are_described_in_finnish_swedish_and_english(db: None) -> None:
    sets = list(QuestionSet.objects.all())
    assert sets
    for question_set in sets:
        texts = (question_set.description_fi, question_set.description_sv, question_set.description_en)
        assert all(texts) and len(set(texts)) == 3, question_set.code


def test_items_are_named_by_their_wording_not_their_code(world: World) -> None:
    resolved = Item.objects.get(organisation=None, code="resolved")
    improvements.save_action(
        Action(), user=world.users[Role.ADMIN], unit=world.unit, title="Jono", item=resolved, status="planned"
    )
    page = client_for(world.users[Role.MANAGER]).get("/actions/").content.decode()
    with translation.override("fi"):
        wording = resolved.display_name()
    assert "RESOLVED" not in page and wording in page
    assert Item.objects.get(organisation=None, code="csat").display_name() != "csat"


def test_the_navigation_names_complaints_and_reminders(world: World) -> None:
    manager = world.users[Role.MANAGER]
    manager.language = "en"
    manager.save(update_fields=["language"])
    assert "Complaints and reminders" in client_for(manager).get("/").content.decode()


def test_an_improvement_action_is_not_an_audit_log_action_in_finnish() -> None:
    with translation.override("fi"):
        assert pgettext("improvement action", "Action") == "Toimenpide"
    with translation.override("sv"):
        assert pgettext("improvement action", "Action") == "Åtgärd"

"""“Can't say” as a first-class option on scales: offered per item version, stored as its
own answer, counted apart, shown on the results page and left out of means and NPS."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kuulo.feedback import services
from kuulo.feedback.models import Answer, ItemVersion, SurveyPublication
from kuulo.feedback.testing import make_survey, send_answers
from kuulo.insights import results
from kuulo.insights.figures import Filters
from kuulo.insights.models import DailyItemStats
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World


@pytest.fixture
def publication(world: World) -> SurveyPublication:
    item = services.create_item(
        organisation=world.org,
        code="guidance",
        kind="agreement",
        dimension="information",
        text_fi="Sain riittävästi ohjausta.",
        cant_say=True,
    )
    survey = make_survey(world.org, items=("csat",))
    services.add_question(survey, ItemVersion.objects.get(item=item), required=True)
    return services.publish_survey(survey, [world.unit])[0]


def send(world: World, publication: Any, answers: list[dict[str, Any]]) -> None:
    send_answers(world.users[Role.ADMIN], publication, answers, when=timezone.now() - timedelta(days=2))


def test_stored_as_its_own_answer_and_counted_apart(world: World, publication: SurveyPublication) -> None:
    send(world, publication, [{"guidance": 5}] * 4 + [{"guidance": 2}] * 2 + [{"guidance": "cant_say"}] * 3)
    said = Answer.objects.filter(cant_say=True)
    assert said.count() == 3 and set(said.values_list("number", flat=True)) == {None}
    stats = DailyItemStats.objects.get(item_version_id=said[0].item_version_id)
    assert (stats.n, stats.cant_say, stats.total) == (6, 3, 24)

    today = timezone.localdate()
    found = results.survey_results(
        publication.survey, world.unit, Filters(start=today - timedelta(days=27), end=today), threshold=5
    )
    guidance = next(r for r in found if r.version.item.code == "guidance")
    assert guidance.figure is not None and guidance.figure.value == pytest.approx(4.0)  # (20 + 4) / 6
    assert guidance.cant_say == (3, pytest.approx(100 * 3 / 9))
    assert sum(count for _value, count, _share in guidance.distribution) == 6
    # Deleting responses takes their "can't say" away too.
    services.delete_responses(said[0].response.__class__.objects.filter(answers__cant_say=True))
    assert DailyItemStats.objects.get(item_version_id=stats.item_version_id).cant_say == 0


def test_only_a_scale_that_offers_it_takes_it(world: World, publication: SurveyPublication) -> None:
    csat = next(q for q in publication.survey.ordered_questions() if q.item_version.item.code == "csat")
    with pytest.raises(ValidationError):
        services.clean_answer(csat, "cant_say")
    with pytest.raises(ValidationError):
        services.create_item(
            organisation=world.org, code="t", kind="text", dimension="other", text_fi="?", cant_say=True
        )


def test_the_form_offers_it_and_it_answers_a_required_question(
    publication: SurveyPublication, settings: Any
) -> None:
    settings.KUULO_SURVEY_MIN_SECONDS = 0
    url = reverse("feedback:respond", args=[publication.code])
    client = Client(headers={"accept-language": "en"})
    page = client.get(url)
    html = page.content.decode()
    guidance = next(
        q for q in publication.survey.ordered_questions() if q.item_version.item.code == "guidance"
    )
    assert f'name="q{guidance.pk}" value="cant_say"><label for="q{guidance.pk}-cant-say">Can' in html
    sent = client.post(url, {"started": page.context["started"], f"q{guidance.pk}": "cant_say"})
    assert sent.status_code == 302, sent.content
    assert Answer.objects.get(item_version=guidance.item_version).cant_say


def test_an_import_stores_the_questions_own_cant_say(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    from kuulo.feedback.models import ImportStatus
    from kuulo.feedback.tests.importing import import_file, signed_in

    client = signed_in(world, Role.CX_LEAD)
    content = b"id;guidance;csat\n1;En osaa sanoa;En osaa sanoa\n2;4;5\n"
    job = import_file(client, publication, content, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE, job.errors
    # "guidance" offers "can't say": stored as such; CSAT does not: left unanswered, and noted.
    assert Answer.objects.filter(cant_say=True, item_version__item__code="guidance").count() == 1
    assert not Answer.objects.filter(
        item_version__item__code="csat", response__source_key__endswith=":1"
    ).exists()
    assert any("csat" in note["column"] for note in job.notes), job.notes


def test_a_spreadsheets_numeric_choice_code_reads_as_the_code(world: World) -> None:
    from kuulo.feedback.import_values import ValueReader

    item = services.create_item(
        organisation=world.org,
        code="campus",
        kind="single_choice",
        dimension="other",
        text_fi="Kampus",
        choices=[{"value": "0", "fi": "Etänä"}, {"value": "2", "fi": "Kuopio"}],
    )
    survey = make_survey(world.org, items=())
    services.add_question(survey, item.versions.get())
    reader = ValueReader(survey.ordered_questions(), {})
    assert reader.read("campus", 2.0) == ["2"] and reader.known("campus", 2.0)
    assert reader.read("campus", 0) == ["0"] and reader.read("campus", "Kuopio") == ["2"]

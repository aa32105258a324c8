"""What the public form says when answers are missing: it names the questions, even when
the form was sent at once (before the minimum fill time), and links to each."""

from typing import Any

from django.test import Client
from django.urls import reverse

from kuulo.feedback.models import Response
from kuulo.feedback.testing import make_publication
from kuulo.organisations.testing import World


def test_missing_required_answers_are_named_not_called_quick(world: World, settings: Any) -> None:
    settings.KUULO_SURVEY_MIN_SECONDS = 60  # every send below is "too fast"
    publication = make_publication(world.unit, items=("csat", "nps", "open"))
    required = publication.survey.questions.get(item_version__item__code="csat")
    required.required = True
    required.save(update_fields=["required"])
    url = reverse("feedback:respond", args=[publication.code])
    client = Client(headers={"accept-language": "en"})
    started = client.get(url).context["started"]
    nps = publication.survey.questions.get(item_version__item__code="nps")
    page = client.post(url, {"started": started, f"q{nps.pk}": "9"})
    assert page.status_code == 400 and Response.objects.count() == 0
    html = page.content.decode()
    assert "That was quick" not in html
    assert f'<a href="#q{required.pk}-first">' in html and required.item_version.text_en in html
    assert "This question needs an answer." in html
    # Nothing at all: the required question named, not told it was quick.
    empty = client.post(url, {"started": client.get(url).context["started"]})
    assert f'<a href="#q{required.pk}-first">' in empty.content.decode()
    assert "That was quick" not in empty.content.decode()
    required.required = False
    required.save(update_fields=["required"])
    empty = client.post(url, {"started": client.get(url).context["started"]})
    assert "Answer at least one question." in empty.content.decode()
    # All there but too fast: then, and only then, the timing message.
    fast = client.post(url, {"started": client.get(url).context["started"], f"q{required.pk}": "4"})
    assert "That was quick" in fast.content.decode()


def test_the_thank_you_page_links_to_you_said_we_did(world: World) -> None:
    publication = make_publication(world.unit, items=("csat",))
    page = Client().get(reverse("feedback:respond_thanks", args=[publication.code]))
    assert f"/o/{world.org.slug}/{world.unit.code}/" in page.content.decode()

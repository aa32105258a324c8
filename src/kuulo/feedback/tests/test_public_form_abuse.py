"""The public form against double posts and floods: single-use start tokens, sliding
limits per publication, address and browser, and the browser check before a refusal."""

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from kuulo.feedback import abuse
from kuulo.feedback.models import Response, SurveyPublication, UsedStartToken
from kuulo.feedback.testing import make_publication
from kuulo.organisations.testing import World


@pytest.fixture
def publication(world: World, settings: Any) -> SurveyPublication:
    settings.KUULO_SURVEY_MIN_SECONDS = 0
    publication = make_publication(world.unit, items=("csat",))
    # Resolving a URL imports the API's schemas: do it before a test freezes the clock.
    form_url(publication)
    return publication


def form_url(publication: SurveyPublication) -> str:
    return reverse("feedback:respond", args=[publication.code])


def answers(publication: SurveyPublication, value: str = "4") -> dict[str, str]:
    return {f"q{publication.survey.questions.get().pk}": value}


def open_form(client: Client, publication: SurveyPublication) -> dict[str, str]:
    """The form's hidden fields as a browser would send them back, with an answer."""
    page = client.get(form_url(publication))
    assert page.status_code == 200
    return {"started": page.context["started"], **answers(publication)}


# --- One start token, one response --------------------------------------------------------------


def test_a_double_post_with_one_token_stores_one_response_and_thanks_twice(
    publication: SurveyPublication,
) -> None:
    client = Client()
    form = open_form(client, publication)
    # Answers with errors do not use the token up: the corrected form still sends.
    assert client.post(form_url(publication), {**form, **answers(publication, "9")}).status_code == 400
    first = client.post(form_url(publication), form)
    second = client.post(form_url(publication), form)  # a double click, or back and send again
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] and first["Location"].endswith("/thanks/")
    assert Response.objects.count() == 1


def test_forms_opened_in_the_same_second_have_their_own_tokens(publication: SurveyPublication) -> None:
    with freeze_time("2026-12-07 10:00:00"):
        forms = [open_form(Client(), publication) for _ in range(2)]
    assert forms[0]["started"] != forms[1]["started"]
    for form in forms:
        assert Client().post(form_url(publication), form).status_code == 302
    assert Response.objects.count() == 2


def test_used_tokens_are_forgotten_once_they_expire(publication: SurveyPublication) -> None:
    with freeze_time("2026-12-07 10:00:00", tick=True):
        Client().post(form_url(publication), open_form(Client(), publication))
    with freeze_time("2026-12-08 09:59:59"):
        abuse.sweep()
    assert UsedStartToken.objects.count() == 1
    with freeze_time("2026-12-08 10:00:01"):
        abuse.sweep()
    assert not UsedStartToken.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_a_double_click_sent_concurrently_stores_one_response(world: World, settings: Any) -> None:
    settings.KUULO_SURVEY_MIN_SECONDS = 0
    publication = make_publication(world.unit, items=("csat",))
    form = open_form(Client(), publication)
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        barrier.wait()
        try:
            statuses.append(Client().post(form_url(publication), form).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 4
    assert Response.objects.count() == 1

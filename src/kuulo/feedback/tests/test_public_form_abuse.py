"""The public form against double posts and floods: single-use start tokens, sliding
limits per publication, address and browser, and the browser check before a refusal."""

import hashlib
import itertools
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from kuulo.audit.models import AuditEvent
from kuulo.core.models import RateCounter
from kuulo.feedback import abuse
from kuulo.feedback.models import Response, SurveyPublication, UsedStartToken
from kuulo.feedback.testing import make_publication
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


@pytest.fixture
def publication(world: World, settings: Any) -> SurveyPublication:
    settings.KUULO_SURVEY_MIN_SECONDS = 0
    settings.KUULO_RESPOND_PROOF_BITS = 8  # quick to solve in a test
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


def solve(challenge: str, bits: int) -> str:
    """What survey.js does in the browser."""
    for nonce in itertools.count():
        value = int.from_bytes(hashlib.sha256(f"{challenge}{nonce}".encode()).digest())
        if 256 - value.bit_length() >= bits:
            return str(nonce)
    raise AssertionError


def send(client: Client, publication: SurveyPublication) -> Any:
    """Open the form and send it, doing the browser check when the page carries one."""
    page = client.get(form_url(publication))
    form = {"started": page.context["started"], **answers(publication)}
    if proof := page.context["proof"]:
        form["proof"] = solve(proof["challenge"], proof["bits"])
    return client.post(form_url(publication), form)


def held_for_a_check(response: Any) -> bool:
    return response.status_code == 400 and response.context["proof"]["asked"]


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


# --- How many answers, from where --------------------------------------------------------------


def test_posts_without_the_device_cookie_are_counted_too(
    publication: SurveyPublication, settings: Any
) -> None:
    settings.KUULO_RESPOND_RATE_DEVICE = 2
    client = Client()
    statuses = []
    for _ in range(3):
        form = open_form(client, publication)
        client.cookies.clear()  # a script that never sends the cookie back
        statuses.append(client.post(form_url(publication), form))
    assert [r.status_code for r in statuses[:2]] == [302, 302]
    assert held_for_a_check(statuses[2])
    assert Response.objects.count() == 2


def test_past_the_browser_limit_it_must_do_a_check_while_others_answer_freely(
    publication: SurveyPublication, settings: Any
) -> None:
    settings.KUULO_RESPOND_RATE_DEVICE = 2
    client = Client()
    assert [send(client, publication).status_code for _ in range(2)] == [302, 302]
    form = open_form(client, publication)
    assert held_for_a_check(client.post(form_url(publication), form))
    assert send(client, publication).status_code == 302  # with the check done
    assert Client().get(form_url(publication)).context["proof"] is None  # another browser
    assert Response.objects.count() == 3


def test_a_network_of_many_respondents_gets_the_check_not_a_refusal(
    publication: SurveyPublication,
) -> None:
    publication.address_soft_limit, publication.address_hard_limit = 3, 8
    publication.save()
    school = [Client(REMOTE_ADDR="198.51.100.7") for _ in range(8)]  # one NAT address
    for pupil in school[:3]:
        assert pupil.post(form_url(publication), open_form(pupil, publication)).status_code == 302
    pupil = school[3]
    page = pupil.get(form_url(publication))
    assert page.context["proof"] and not page.context["proof"]["asked"]  # solved while answering
    held = pupil.post(form_url(publication), {"started": page.context["started"], **answers(publication)})
    assert held_for_a_check(held)
    assert 'data-send="1"' in held.content.decode() and "<noscript>" in held.content.decode()
    for pupil in school[3:]:
        assert send(pupil, publication).status_code == 302
    assert Response.objects.count() == 8
    assert (
        Client(REMOTE_ADDR="198.51.100.8")
        .post(form_url(publication), open_form(Client(), publication))
        .status_code
        == 302
    )  # another address is not held back


def test_the_hard_limit_refuses_kindly_and_keeps_the_answers(
    publication: SurveyPublication, settings: Any
) -> None:
    settings.KUULO_RESPOND_RATE_IP_SOFT, settings.KUULO_RESPOND_RATE_IP_HARD = 1, 2
    assert [send(Client(), publication).status_code for _ in range(2)] == [302, 302]
    refused = send(Client(), publication)
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    html = refused.content.decode()
    assert "error-summary" in html and 'value="4" checked' in html
    assert Response.objects.count() == 2


def test_limits_are_per_publication_and_set_on_it(world: World, publication: SurveyPublication) -> None:
    strict = make_publication(world.unit, items=("csat",))
    strict.address_soft_limit, strict.address_hard_limit = 0, 1
    strict.save()
    client = Client()
    held = client.post(form_url(strict), {**open_form(client, strict), **answers(strict)})
    assert held_for_a_check(held)
    assert send(client, strict).status_code == 302
    assert send(client, strict).status_code == 429
    # The other survey's link counts its own answers, with the site's defaults.
    assert [send(client, publication).status_code for _ in range(3)] == [302, 302, 302]
    assert publication.address_limits() == (60, 600)


def test_the_window_slides(publication: SurveyPublication) -> None:
    publication.address_soft_limit = 2
    publication.save()
    client = Client()

    def answer_at(moment: str) -> Any:
        with freeze_time(moment) as clock:
            form = open_form(client, publication)
            clock.tick(5)
            return client.post(form_url(publication), form)

    assert answer_at("2026-12-07 10:00:00").status_code == 302
    assert answer_at("2026-12-07 10:09:30").status_code == 302
    # Ten minutes after the first answer a fixed window would start again from nothing;
    # the answer half a minute ago still counts.
    assert held_for_a_check(answer_at("2026-12-07 10:10:30"))
    assert answer_at("2026-12-07 10:21:00").status_code == 302
    assert Response.objects.count() == 3


def test_an_answer_is_one_write_transaction(publication: SurveyPublication, settings: Any) -> None:
    # The cache as deployed by default (in the database): whatever the limits write must be
    # part of the response's own transaction, not transactions of their own.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "kuulo_cache"}
    }
    call_command("createcachetable", verbosity=0)
    client = Client()
    form = open_form(client, publication)

    def write_transactions(response_status: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.post(form_url(publication), form).status_code == response_status
        # Inside the test's own transaction each atomic block opens a savepoint.
        return sum(q["sql"].startswith(("BEGIN", "SAVEPOINT")) for q in queries.captured_queries)

    assert write_transactions(302) == 1
    assert Response.objects.count() == UsedStartToken.objects.count() == 1
    assert RateCounter.objects.count() == 2  # the address's and the browser's
    assert write_transactions(302) == 0  # sent again: thanked, nothing written


# --- Setting a link's limits ---------------------------------------------------------------------


def test_those_who_manage_surveys_set_a_links_limits(world: World, publication: SurveyPublication) -> None:
    lead = client_for(world.users[Role.CX_LEAD])
    url = reverse("feedback:publication_limits", args=[publication.pk])
    page = lead.get(reverse("feedback:survey_detail", args=[publication.survey_id])).content.decode()
    assert f'id="limits-{publication.pk}"' in page and url in page

    def limits(soft: str, hard: str) -> dict[str, str]:
        return {
            f"limits-{publication.pk}-address_soft_limit": soft,
            f"limits-{publication.pk}-address_hard_limit": hard,
        }

    refused = lead.post(url, limits("700", ""))  # a check past the default hard limit (600)
    assert refused.status_code == 400
    shown = next(p for p in refused.context["publications"] if p.pk == publication.pk)
    assert list(shown.limits_form.errors) == ["address_hard_limit"]
    assert lead.post(url, limits("200", "2000")).status_code == 302
    publication.refresh_from_db()
    assert publication.address_limits() == (200, 2000)
    event = AuditEvent.objects.get(action="survey.updated", details__link=publication.code)
    assert event.details["address_hard_limit"] == 2000
    assert lead.post(url, limits("", "")).status_code == 302  # empty: the site's defaults again
    publication.refresh_from_db()
    assert publication.address_limits() == (60, 600)
    # A manager cannot configure surveys.
    assert client_for(world.users[Role.MANAGER]).post(url, limits("1000", "1000")).status_code == 403
    publication.refresh_from_db()
    assert publication.address_soft_limit is None

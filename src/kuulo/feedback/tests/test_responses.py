"""Answering a survey: validation, show-if, redaction, opt-in contact, idempotency,
and the public form's abuse protection."""

import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kuulo.feedback import services
from kuulo.feedback.models import Answer, Channel, Response, ResponseContact, SurveyPublication
from kuulo.feedback.testing import make_publication, make_survey, standard_version
from kuulo.organisations.testing import World


@pytest.fixture
def publication(world: World) -> SurveyPublication:
    return make_publication(world.unit, items=("csat", "resolved", "open"))


def question_ids(publication: SurveyPublication) -> dict[str, int]:
    return {
        q.item_version.item.code: q.pk
        for q in publication.survey.questions.select_related("item_version__item")
    }


def submit(publication: SurveyPublication, **answers: Any) -> Response:
    ids = question_ids(publication)
    return services.submit_response(
        publication, services.Submission(answers={ids[k]: v for k, v in answers.items()}, language="fi")
    )


def test_a_valid_response_is_stored_with_its_item_versions(publication: SurveyPublication) -> None:
    response = submit(publication, csat="4", resolved="1", open="Hyvä palvelu")
    assert response.unit == publication.unit and response.touchpoint == publication.survey.touchpoint
    numbers = {
        a.item_version.item.code: a.number for a in response.answers.select_related("item_version__item")
    }
    assert numbers == {"csat": 4, "resolved": 1, "open": None}
    assert response.answers.get(text="Hyvä palvelu").item_version == standard_version("open")


@pytest.mark.parametrize("bad", ["6", "0", "x", "4.5"])
def test_out_of_scale_answers_are_refused_and_nothing_is_stored(
    publication: SurveyPublication, bad: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        submit(publication, csat=bad, open="Teksti")
    assert f"q{question_ids(publication)['csat']}" in caught.value.message_dict
    assert Response.objects.count() == 0 and Answer.objects.count() == 0


def test_an_empty_response_is_refused(publication: SurveyPublication) -> None:
    with pytest.raises(ValidationError):
        submit(publication, open="   ")


def test_personal_data_is_redacted_from_free_text(publication: SurveyPublication) -> None:
    response = submit(
        publication,
        open="Soittakaa 040 123 4567 tai maija.meikalainen@example.fi, hetu 131052-308T, "
        "tili FI21 1234 5600 0007 85",
    )
    text = response.answers.get(item_version__item__code="open").text
    assert "040" not in text and "example.fi" not in text and "131052" not in text and "FI21" not in text
    assert "[PHONE]" in text and "[EMAIL]" in text and "[HETU]" in text and "[IBAN]" in text


def test_show_if_drops_answers_to_questions_not_asked(world: World) -> None:
    survey = make_survey(world.org, items=("resolved", "open"))
    resolved, follow_up = survey.questions.order_by("order")
    services.set_show_if(follow_up, resolved, ["0"])  # ask for details only if not resolved
    publication = services.publish_survey(survey, [world.unit])[0]
    ids = {resolved.pk: "1", follow_up.pk: "hidden question answered anyway"}
    response = services.submit_response(publication, services.Submission(answers=ids, language="fi"))
    assert list(response.answers.values_list("item_version__item__code", flat=True)) == ["resolved"]
    with pytest.raises(ValidationError):
        services.set_show_if(resolved, follow_up, ["1"])  # only an earlier question can be the condition


def test_contact_details_only_with_opt_in_and_consent_version(publication: SurveyPublication) -> None:
    ids = question_ids(publication)
    anonymous = services.submit_response(
        publication, services.Submission(answers={ids["csat"]: "5"}, language="fi")
    )
    assert not ResponseContact.objects.filter(response=anonymous).exists()
    contact = {"name": "Maija", "email": "maija@example.fi"}
    named = services.submit_response(
        publication, services.Submission(answers={ids["csat"]: "2"}, language="fi", contact=contact)
    )
    assert named.contact.email == "maija@example.fi"
    assert named.contact.consent_version == services.CONSENT_TEXT_VERSION


def test_closed_surveys_take_no_answers(publication: SurveyPublication) -> None:
    services.close_survey(publication.survey)
    publication.refresh_from_db()
    with pytest.raises(ValidationError):
        submit(publication, csat="5")


# --- The public form ---------------------------------------------------------------------------


@pytest.fixture
def patient(settings: Any) -> None:
    settings.KUULO_SURVEY_MIN_SECONDS = 0


def post_form(client: Client, publication: SurveyPublication, **fields: Any) -> Any:
    url = reverse("feedback:respond", args=[publication.code])
    page = client.get(url)
    started = page.context["started"]
    data = {"started": started, **fields}
    return client.post(url, data)


def test_the_form_renders_every_question_in_the_visitors_language(publication: SurveyPublication) -> None:
    page = Client(headers={"accept-language": "sv"}).get(reverse("feedback:respond", args=[publication.code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert standard_version("csat").text_sv in html and standard_version("open").text_sv in html
    assert 'lang="sv"' in html


def test_answering_from_the_link_stores_the_response_then_thanks(
    publication: SurveyPublication, patient: None
) -> None:
    ids = question_ids(publication)
    client = Client(REMOTE_ADDR="203.0.113.7", headers={"user-agent": "Secret Browser 1.0"})
    response = post_form(
        client, publication, **{f"q{ids['csat']}": "5", f"q{ids['open']}": "Kiitos!", "r": "student"}
    )
    assert response.status_code == 302 and response["Location"].endswith("/thanks/")
    stored = Response.objects.get()
    assert stored.channel == Channel.LINK and stored.respondent_type == "student" and stored.language == "fi"
    # Nothing identifies the respondent: no IP address or user agent anywhere in the row.
    row = " ".join(str(v) for v in Response.objects.values().get().values())
    assert "203.0.113.7" not in row and "Secret Browser" not in row
    assert Client().get(response["Location"]).status_code == 200


def test_errors_are_shown_and_answers_kept(publication: SurveyPublication, patient: None) -> None:
    ids = question_ids(publication)
    response = post_form(Client(), publication, **{f"q{ids['csat']}": "9", f"q{ids['open']}": "Pidä tämä"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "error-summary" in html and "Pidä tämä" in html
    assert Response.objects.count() == 0


def test_qr_channel_and_invalid_segments(publication: SurveyPublication, patient: None) -> None:
    ids = question_ids(publication)
    post_form(Client(), publication, **{f"q{ids['csat']}": "3", "ch": "qr", "r": "hacker", "age": "18-29"})
    stored = Response.objects.get()
    assert (stored.channel, stored.respondent_type, stored.age_band) == ("qr", "", "18-29")


def test_honeypot_pretends_success_but_stores_nothing(publication: SurveyPublication, patient: None) -> None:
    ids = question_ids(publication)
    response = post_form(Client(), publication, **{f"q{ids['csat']}": "5", "website": "http://spam.example"})
    assert response.status_code == 302
    assert Response.objects.count() == 0


def test_too_fast_submissions_are_asked_to_try_again(publication: SurveyPublication, settings: Any) -> None:
    settings.KUULO_SURVEY_MIN_SECONDS = 60
    ids = question_ids(publication)
    response = post_form(Client(), publication, **{f"q{ids['csat']}": "5"})
    assert response.status_code == 400 and Response.objects.count() == 0
    forged = Client().post(
        reverse("feedback:respond", args=[publication.code]), {"started": "forged", f"q{ids['csat']}": "5"}
    )
    assert forged.status_code == 400 and Response.objects.count() == 0


def test_contact_opt_in_needs_a_way_to_reach(publication: SurveyPublication, patient: None) -> None:
    ids = question_ids(publication)
    response = post_form(Client(), publication, **{f"q{ids['csat']}": "2", "contact_opt_in": "yes"})
    assert response.status_code == 400 and Response.objects.count() == 0
    post_form(
        Client(),
        publication,
        **{f"q{ids['csat']}": "2", "contact_opt_in": "yes", "contact_email": "a@example.fi"},
    )
    assert Response.objects.get().contact.email == "a@example.fi"
    # Asked to be phoned without a number: said beside the phone field, nothing stored.
    asked = {f"q{ids['csat']}": "2", "contact_opt_in": "yes", "contact_email": "b@example.fi"}
    page = post_form(Client(), publication, **asked, contact_preferred="phone")
    assert page.status_code == 400 and Response.objects.count() == 1
    assert 'href="#contact_phone"' in page.content.decode()
    post_form(Client(), publication, **asked, contact_phone="040 123 4567", contact_preferred="phone")
    contact = Response.objects.get(contact__email="b@example.fi").contact
    assert (contact.phone, contact.preferred) == ("040 123 4567", "phone")


def test_closed_survey_page(publication: SurveyPublication) -> None:
    services.close_survey(publication.survey)
    assert Client().get(reverse("feedback:respond", args=[publication.code])).status_code == 410


def test_minimum_time_passes_after_waiting(publication: SurveyPublication, settings: Any) -> None:
    settings.KUULO_SURVEY_MIN_SECONDS = 1
    ids = question_ids(publication)
    client = Client()
    url = reverse("feedback:respond", args=[publication.code])
    started = client.get(url).context["started"]
    time.sleep(2.1)
    assert client.post(url, {"started": started, f"q{ids['csat']}": "5"}).status_code == 302


def test_a_form_token_from_another_link_is_refused(world: World, publication: SurveyPublication) -> None:
    other = make_publication(world.unit, items=("csat",))
    client = Client()
    started_elsewhere = client.get(reverse("feedback:respond", args=[other.code])).context["started"]
    ids = question_ids(publication)
    response = client.post(
        reverse("feedback:respond", args=[publication.code]),
        {"started": started_elsewhere, f"q{ids['csat']}": "5"},
    )
    assert response.status_code == 400 and Response.objects.count() == 0

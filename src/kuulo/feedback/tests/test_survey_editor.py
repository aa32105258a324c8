"""The survey editor says what cannot be done before it is tried: the standard set's
questions are neither removed nor moved (the controls are disabled, with the reason), and
the advice on length appears while questions are added."""

from django.utils import translation

from kuulo.feedback import services
from kuulo.feedback.testing import make_survey, standard_version
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def test_standard_set_questions_are_locked_with_the_reason(world: World) -> None:
    survey = make_survey(world.org, items=(), standard_set="govuk-satisfaction")
    own = services.add_question(survey, standard_version("open"))
    lead = world.users[Role.CX_LEAD]
    lead.language = "en"
    lead.save(update_fields=["language"])
    client = client_for(lead)
    page = client.get(f"/feedback/surveys/{survey.pk}/")
    html = page.content.decode()
    locked = [q for q in page.context["questions"] if q.in_standard_set]
    assert len(locked) == survey.questions.count() - 1
    for question in locked:
        assert f'disabled aria-describedby="locked-{question.pk}"' in html
    assert f'id="locked-{own.pk}"' in html  # its "Move up" would move it into the set
    with translation.override("en"):
        assert "Part of the standard set" in html and survey.standard_set.name in html  # type: ignore[union-attr]
    # Sent anyway (an old page): refused with the same reason, nothing changed.
    first = locked[0]
    moved = client.post(
        f"/feedback/surveys/{survey.pk}/questions/{first.pk}/", {"action": "remove"}, follow=True
    )
    assert "standard set" in moved.content.decode() and survey.questions.filter(pk=first.pk).exists()
    client.post(f"/feedback/surveys/{survey.pk}/questions/{own.pk}/", {"action": "remove"})
    assert not survey.questions.filter(pk=own.pk).exists()  # one's own questions come and go


def test_the_length_advice_appears_while_editing(world: World) -> None:
    survey = make_survey(world.org, items=("csat", "nps", "ces", "resolved", "open"))
    client = client_for(world.users[Role.CX_LEAD])
    page = client.get(f"/feedback/surveys/{survey.pk}/")
    assert 'class="muted" id="length-advice"' in page.content.decode()
    for code in ("omb-quality", "omb-helpfulness"):
        services.add_question(survey, standard_version(code))
    page = client.get(f"/feedback/surveys/{survey.pk}/")  # seven: the next one goes past the advice
    assert 'class="message message--warning" id="length-advice"' in page.content.decode()

"""Demo follow-ups: people who asked to be contacted, in the units' own languages. Some are
new, one is overdue, some were answered and closed."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from kuulo.feedback import services as feedback
from kuulo.feedback.models import ResponseContact, SurveyPublication
from kuulo.followups import services as followups
from kuulo.followups.models import FollowUp, FollowUpReply
from kuulo.followups.workdays import add_working_days
from kuulo.organisations.models import Organisation

HELSINKI = ZoneInfo("Europe/Helsinki")

# (unit, days ago, language, csat, ces, comment, name, e-mail, phone, handler, replies, outcome, summary)
# A reply is (channel, text); a case with an outcome is closed the day after its last reply.
DEMO_FOLLOW_UPS = [
    ("kuopio-students", 1, "fi", 1, 2,
     "Opintotoimistoon ei saanut yhteyttä kahteen viikkoon, ja ilmoittautuminen jäi kesken.",
     "Ville Laitinen", "ville.laitinen@example.fi", "", None, [], "", ""),
    ("kuopio-students", 2, "fi", 3, 4,
     "Haluaisin tietää, voiko ammattitutkinnon suorittaa iltaopintoina.",
     "Sari Kettunen", "", "040 555 0134", "staff", [], "", ""),
    ("varkaus-students", 12, "fi", 2, 3,
     "Opiskelijakortin tilaaminen oli hankalaa, ohjeet olivat ristiriitaisia.",
     "Juha Pitkänen", "juha.pitkanen@example.fi", "044 555 0178", None, [], "", ""),
    ("svenska-students", 3, "sv", 2, 2,
     "Jag fick inget svar på min fråga om studiestödet.",
     "Johanna Lindström", "johanna.lindstrom@example.fi", "", "anna.holm",
     [("phone", "Ringde och förklarade hur man söker studiestöd. Skickar länken per e-post.")], "", ""),
    ("svenska-students", 16, "sv", 4, 5,
     "Tack för hjälpen! Kan ni ringa mig om praktikplatser i Kuopio?",
     "Mikael Nyberg", "", "050 555 0192", "anna.holm",
     [("phone", "Ringde och gav kontaktuppgifterna till praktiksamordnaren.")],
     "referred", "Hänvisad till praktiksamordnaren."),
    ("kuopio-students", 20, "fi", 1, 1,
     "Verkkokurssin tunnukset eivät toimineet koko viikkona, eikä kukaan vastannut viesteihin.",
     "Anne Hyvönen", "anne.hyvonen@example.fi", "", "staff",
     [("not_reached", ""), ("phone", "Pahoittelin viivettä. Tunnukset korjattiin samana päivänä.")],
     "resolved", "Tunnukset korjattu; ohjeistus tunnusten palauttamisesta lisätään aloitusviestiin."),
]  # fmt: skip


def create_follow_ups(organisation: Organisation) -> None:
    """Contact requests through the public form's service, dated back as if they had come in."""
    people = get_user_model().objects.in_bulk(field_name="username")
    today = timezone.localdate()
    for (unit, ago, language, csat, ces, comment, name, email, phone, handler,
         replies, outcome, summary) in DEMO_FOLLOW_UPS:  # fmt: skip
        publication = SurveyPublication.objects.get(
            unit__organisation=organisation, unit__code=unit, survey__touchpoint__code="start"
        )
        questions = {q.item_version.item.code: q.pk for q in publication.survey.ordered_questions()}
        asked = datetime.combine(today - timedelta(days=ago), time(10, 15), HELSINKI)
        response = feedback.submit_response(
            publication,
            feedback.Submission(
                answers={questions["csat"]: csat, questions["ces"]: ces, questions["open"]: comment},
                language=language,
                responded_at=asked,
                contact={"name": name, "email": email, "phone": phone},
            ),
        )
        ResponseContact.objects.filter(response=response).update(consented_at=asked)
        case = FollowUp.objects.get(response=response)
        promise = followups.settings_for(organisation).promise_days
        FollowUp.objects.filter(pk=case.pk).update(
            requested_at=asked, due_on=add_working_days(asked.date(), promise)
        )
        if handler is None:
            continue
        person = people[handler]
        followups.assign_case(case, user=person, assignee=person)
        for n, (channel, text) in enumerate(replies):
            reply = followups.record_reply(case, user=person, channel=channel, text=text)
            FollowUpReply.objects.filter(pk=reply.pk).update(
                recorded_at=asked + timedelta(days=1 + n, hours=3)
            )
        if outcome:
            followups.close_case(case, user=person, outcome=outcome, note=summary)
            FollowUp.objects.filter(pk=case.pk).update(closed_at=asked + timedelta(days=len(replies) + 1))

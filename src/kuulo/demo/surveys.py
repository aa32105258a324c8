"""The demo organisation's service paths, surveys (with two questions of its own: a waiting
time in minutes and a statement that offers "can't say") and targets."""

from decimal import Decimal

from django.db.models import Q

from kuulo.feedback import services as feedback
from kuulo.feedback.models import Item, QuestionSet, Survey
from kuulo.organisations.models import Organisation, Unit

SERVICE_PATHS = [
    ("studies", "Opintopolku", "Studievägen", "Study path", [
        ("apply", "Hakeminen", "Ansökan", "Applying"),
        ("admission", "Valinta ja opiskelupaikan vastaanotto", "Antagning", "Admission"),
        ("start", "Opintojen aloitus", "Studiestart", "Start of studies"),
        ("workplace", "Työpaikalla oppiminen", "Lärande i arbetet", "On-the-job learning"),
        ("graduation", "Valmistuminen", "Examen", "Graduation"),
    ]),
    ("employer", "Työelämäpalvelut yrityksille", "Arbetslivstjänster för företag", "Services for employers", [
        ("contact", "Yhteydenotto", "Kontakt", "First contact"),
        ("agreement", "Sopimus ja suunnittelu", "Avtal och planering", "Agreement and planning"),
        ("training", "Koulutuksen toteutus", "Utbildningen genomförs", "Training delivered"),
        ("follow-up", "Seuranta", "Uppföljning", "Follow-up"),
    ]),
]  # fmt: skip

# (touchpoint, fi, sv, en, standard set or None, extra item codes, unit codes)
SURVEYS = [
    ("apply", "Hakijapalaute", "Respons från sökande", "Applicant feedback", "govuk-satisfaction",
     ["resolved"], ["applicants", "apprenticeship"]),
    ("start", "Opintojen aloitus", "Studiestart", "Starting studies", None,
     ["csat", "ces", "omb-helpfulness", "waiting-minutes", "study-guidance", "open"],
     ["kuopio-students", "varkaus-students", "iisalmi-students", "svenska-students",
      "adult-kuopio", "adult-varkaus"]),
    ("workplace", "Työpaikalla oppiminen", "Lärande i arbetet", "On-the-job learning", None,
     ["csat", "omb-quality", "open"], ["kuopio-tech", "kuopio-care", "varkaus-industry"]),
    ("graduation", "Valmistumiskysely", "Enkät vid examen", "Graduation survey", None,
     ["nps", "omb-quality", "omb-equity", "open"], ["kuopio", "varkaus", "iisalmi", "svenska"]),
    ("training", "Yritysasiakaspalaute", "Respons från företagskunder", "Employer feedback", None,
     ["nps", "csat", "omb-efficiency", "open"], ["workplace", "corporate-training"]),
]  # fmt: skip


def _own_items(organisation: Organisation) -> None:
    """The organisation's own questions: a waiting time in minutes, and a statement that
    offers "can't say"."""
    feedback.create_item(
        organisation=organisation,
        code="waiting-minutes",
        kind="number",
        dimension="efficiency",
        text_fi="Kuinka monta minuuttia jouduit odottamaan palvelua?",
        text_sv="Hur många minuter fick du vänta på service?",
        text_en="How many minutes did you wait to be served?",
        number={
            "lower": 0,
            "upper": 240,
            "decimals": 0,
            "unit_label": {"fi": "min", "sv": "min", "en": "min"},
        },
    )
    feedback.create_item(
        organisation=organisation,
        code="study-guidance",
        kind="agreement",
        dimension="information",
        text_fi="Sain riittävästi ohjausta opintojeni suunnitteluun.",
        text_sv="Jag fick tillräckligt med handledning för att planera mina studier.",
        text_en="I got enough guidance for planning my studies.",
        cant_say=True,
    )


def create_demo_feedback(organisation: Organisation, units: dict[str, Unit]) -> list[Survey]:
    """Service paths, published surveys and targets for the demo organisation."""
    touchpoints = {}
    for code, fi, sv, en, steps in SERVICE_PATHS:
        path = feedback.create_service_path(
            organisation=organisation, code=code, name_fi=fi, name_sv=sv, name_en=en, touchpoints=steps
        )
        touchpoints.update({tp.code: tp for tp in path.touchpoints.all()})
    _own_items(organisation)
    surveys = []
    for touchpoint, fi, sv, en, standard_set, extra_items, unit_codes in SURVEYS:
        survey = feedback.create_survey(
            organisation=organisation,
            touchpoint=touchpoints[touchpoint],
            name_fi=fi,
            name_sv=sv,
            name_en=en,
            standard_set=QuestionSet.objects.get(code=standard_set) if standard_set else None,
        )
        for item_code in extra_items:
            version = (
                Item.objects.filter(code=item_code)
                .filter(Q(organisation=None) | Q(organisation=organisation))
                .get()
                .latest_version()
            )
            assert version is not None
            feedback.add_question(survey, version, required=item_code in {"csat", "nps"})
        feedback.publish_survey(survey, [units[code] for code in unit_codes])
        surveys.append(survey)
    standard = {item.code: item for item in Item.objects.filter(organisation=None)}
    feedback.set_target(
        organisation=organisation, item=standard["csat"], unit=None, measure="mean", value=Decimal("4.2")
    )
    feedback.set_target(
        organisation=organisation, item=standard["nps"], unit=None, measure="nps", value=Decimal("30")
    )
    feedback.set_target(
        organisation=organisation,
        item=standard["csat"],
        unit=units["applicants"],
        measure="mean",
        value=Decimal("4.4"),
    )
    return surveys

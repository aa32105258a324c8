"""The demo organisation: a fictional Finnish vocational education consortium.

Built only through the domain services, so the demo follows the same rules
(and leaves the same audit trail) as real use.
"""

import os
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from kuulo.feedback import services as feedback
from kuulo.feedback.models import HeldAnswer, Item, QuestionSet, Survey, SurveyPublication
from kuulo.organisations import services
from kuulo.organisations.models import Organisation, Role, Unit, UnitType
from kuulo.webhooks import services as webhooks

ORGANISATION = {
    "slug": "jarvilinna",
    "name_fi": "Koulutuskuntayhtymä Järvilinna",
    "name_sv": "Samkommunen för utbildning Järvilinna",
    "name_en": "Järvilinna Education Consortium",
    "business_id": "2345678-0",
}

# code: (fi, sv, en)
UNIT_TYPES = {
    "service-area": ("Palvelualue", "Serviceområde", "Service area"),
    "campus": ("Kampus", "Campus", "Campus"),
    "student-services": ("Opiskelijapalvelut", "Studerandeservice", "Student services"),
    "apprenticeship": ("Oppisopimustoimisto", "Läroavtalsbyrå", "Apprenticeship office"),
    "adult-education": ("Aikuiskoulutus", "Vuxenutbildning", "Adult education"),
    "business-services": ("Yrityspalvelut", "Företagstjänster", "Business services"),
    "team": ("Tiimi", "Team", "Team"),
}

# (code, type, fi, sv, en, language, children)
UNIT_TREE = [
    (
        "vocational",
        "service-area",
        "Ammatillinen koulutus",
        "Yrkesutbildning",
        "Vocational education",
        "fi",
        [
            (
                "kuopio",
                "campus",
                "Kampus Kuopio",
                "Campus Kuopio",
                "Kuopio campus",
                "fi",
                [
                    (
                        "kuopio-students",
                        "student-services",
                        "Opiskelijapalvelut, Kuopio",
                        "Studerandeservice, Kuopio",
                        "Student services, Kuopio",
                        "fi",
                        [],
                    ),
                    (
                        "kuopio-tech",
                        "team",
                        "Tekniikan opetustiimi",
                        "Teknikens undervisningsteam",
                        "Technology teaching team",
                        "fi",
                        [],
                    ),
                    (
                        "kuopio-care",
                        "team",
                        "Sosiaali- ja terveysalan tiimi",
                        "Social- och hälsovårdsteamet",
                        "Social and health care team",
                        "fi",
                        [],
                    ),
                ],
            ),
            (
                "varkaus",
                "campus",
                "Kampus Varkaus",
                "Campus Varkaus",
                "Varkaus campus",
                "fi",
                [
                    (
                        "varkaus-students",
                        "student-services",
                        "Opiskelijapalvelut, Varkaus",
                        "Studerandeservice, Varkaus",
                        "Student services, Varkaus",
                        "fi",
                        [],
                    ),
                    (
                        "varkaus-industry",
                        "team",
                        "Teollisuuden tiimi",
                        "Industriteamet",
                        "Industry team",
                        "fi",
                        [],
                    ),
                ],
            ),
            (
                "iisalmi",
                "campus",
                "Kampus Iisalmi",
                "Campus Idensalmi",
                "Iisalmi campus",
                "fi",
                [
                    (
                        "iisalmi-students",
                        "student-services",
                        "Opiskelijapalvelut, Iisalmi",
                        "Studerandeservice, Idensalmi",
                        "Student services, Iisalmi",
                        "fi",
                        [],
                    ),
                ],
            ),
            (
                "svenska",
                "campus",
                "Ruotsinkielinen koulutus",
                "Svenskspråkig utbildning",
                "Swedish-language education",
                "sv",
                [
                    (
                        "svenska-students",
                        "student-services",
                        "Opiskelijapalvelut, ruotsinkielinen",
                        "Studerandeservice, svenska",
                        "Student services, Swedish-language",
                        "sv",
                        [],
                    ),
                ],
            ),
        ],
    ),
    (
        "admissions",
        "service-area",
        "Haku ja opintopalvelut",
        "Ansökan och studietjänster",
        "Admissions and study services",
        "fi",
        [
            (
                "applicants",
                "student-services",
                "Hakijapalvelut",
                "Sökandeservice",
                "Applicant services",
                "fi",
                [],
            ),
            (
                "apprenticeship",
                "apprenticeship",
                "Oppisopimustoimisto",
                "Läroavtalsbyrån",
                "Apprenticeship office",
                "fi",
                [],
            ),
        ],
    ),
    (
        "adult",
        "service-area",
        "Aikuiskoulutus",
        "Vuxenutbildning",
        "Adult education",
        "fi",
        [
            (
                "adult-kuopio",
                "adult-education",
                "Aikuiskoulutus, Kuopio",
                "Vuxenutbildning, Kuopio",
                "Adult education, Kuopio",
                "fi",
                [],
            ),
            (
                "adult-varkaus",
                "adult-education",
                "Aikuiskoulutus, Varkaus",
                "Vuxenutbildning, Varkaus",
                "Adult education, Varkaus",
                "fi",
                [],
            ),
        ],
    ),
    (
        "business",
        "service-area",
        "Yrityspalvelut",
        "Företagstjänster",
        "Business services",
        "fi",
        [
            (
                "workplace",
                "business-services",
                "Työelämäpalvelut",
                "Arbetslivstjänster",
                "Workplace services",
                "fi",
                [],
            ),
            (
                "corporate-training",
                "business-services",
                "Henkilöstökoulutus yrityksille",
                "Personalutbildning för företag",
                "Staff training for companies",
                "fi",
                [],
            ),
        ],
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    unit_code: str | None
    language: str = ""
    description: str = ""


# The first six usernames are fixed: people and scripts rely on them.
DEMO_USERS = [
    DemoUser("admin", "Aino", "Virtanen", Role.ADMIN, None, "fi", "organisation admin"),
    DemoUser("cxlead", "Mikko", "Korhonen", Role.CX_LEAD, None, "fi", "CX lead, organisation-wide"),
    DemoUser(
        "manager",
        "Leena",
        "Mäkinen",
        Role.MANAGER,
        "vocational",
        "fi",
        "manager, Vocational education",
    ),
    DemoUser(
        "staff",
        "Jussi",
        "Nieminen",
        Role.STAFF,
        "kuopio-students",
        "fi",
        "staff, Student services Kuopio",
    ),
    DemoUser("accounts", "Sanna", "Heikkinen", Role.ACCOUNT_MANAGER, "business", "fi", "account manager"),
    DemoUser("viewer", "Erik", "Lindqvist", Role.VIEWER, "varkaus", "sv", "viewer, Varkaus campus"),
    DemoUser("anna.holm", "Anna", "Holm", Role.STAFF, "svenska-students", "sv"),
    DemoUser("pekka.laine", "Pekka", "Laine", Role.MANAGER, "admissions", "fi"),
    DemoUser("tiina.koskinen", "Tiina", "Koskinen", Role.STAFF, "applicants", "fi"),
    DemoUser("ville.jarvinen", "Ville", "Järvinen", Role.STAFF, "apprenticeship", "fi"),
    DemoUser("maria.lehto", "Maria", "Lehto", Role.MANAGER, "adult", "fi"),
    DemoUser("olli.saarinen", "Olli", "Saarinen", Role.STAFF, "varkaus-students", "fi"),
    DemoUser("emma.wilson", "Emma", "Wilson", Role.STAFF, "iisalmi-students", "en"),
    DemoUser("kaisa.ahonen", "Kaisa", "Ahonen", Role.ACCOUNT_MANAGER, "workplace", "fi"),
]


def demo_password() -> str:
    """KUULO_DEMO_PASSWORD if set, else a password generated once and kept in var/."""
    if password := os.environ.get("KUULO_DEMO_PASSWORD"):
        return password
    path = Path(settings.VAR_DIR) / "demo-password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"kuulo-{secrets.token_urlsafe(9)}")
        path.chmod(0o600)
    return path.read_text().strip()


@transaction.atomic
def create_demo_organisation(password: str) -> Organisation:
    organisation = Organisation(**ORGANISATION)
    organisation.full_clean()
    organisation.save()
    unit_types = {}
    for code, (fi, sv, en) in UNIT_TYPES.items():
        unit_types[code] = services.save_unit_type(
            UnitType(organisation=organisation, code=code, name_fi=fi, name_sv=sv, name_en=en)
        )
    units: dict[str, Unit] = {}

    def add(nodes: list, parent: Unit | None) -> None:
        for code, type_code, fi, sv, en, language, children in nodes:
            units[code] = services.create_unit(
                organisation=organisation,
                parent=parent,
                unit_type=unit_types[type_code],
                code=code,
                name_fi=fi,
                name_sv=sv,
                name_en=en,
                language=language,
            )
            add(children, units[code])

    add(UNIT_TREE, None)
    for demo in DEMO_USERS:
        user = services.create_member(
            organisation=organisation,
            username=demo.username,
            email=f"{demo.username}@jarvilinna.example",
            first_name=demo.first_name,
            last_name=demo.last_name,
            language=demo.language,
            password=password,
        )
        services.grant_role(user, demo.role, units[demo.unit_code] if demo.unit_code else None)
    create_demo_feedback(organisation, units)
    create_demo_webhook(organisation)
    create_demo_kiosk(organisation)
    return organisation


def create_demo_kiosk(organisation: Organisation) -> None:
    """A kiosk in the Kuopio student services' lobby, with one answer on hold: it was
    tapped while the survey was briefly closed, so a CX lead can try accepting it."""
    publication = SurveyPublication.objects.get(
        unit__code="kuopio-students", survey__organisation=organisation
    )
    admin = get_user_model().objects.get(username="admin")
    kiosk, _token = feedback.create_kiosk(publication, name="Aula, B-talo", created_by=admin)
    HeldAnswer.objects.create(
        organisation=organisation,
        unit=publication.unit,
        publication=publication,
        kiosk=kiosk,
        source_key="kiosk-demo-1",
        payload={"answers": {"csat": 2, "open": "Jonotin puoli tuntia, eikä kukaan kertonut syytä."}},
        reasons=[{"field": "link", "message": "Kyselyyn ei voi vastata tällä hetkellä."}],
    )


def create_demo_webhook(organisation: Organisation) -> None:
    """An example webhook, switched off: the demo never calls anyone."""
    webhooks.create_endpoint(
        organisation=organisation,
        name="Kirjaamon Jira (esimerkki)",
        url="https://jira.jarvilinna.example/rest/webhooks/kuulo",
        topics=["actions", "complaints"],
        active=False,
    )


DEMO_API_KEY_FILE = "demo-api-key"


def create_demo_api_key(organisation: Organisation) -> str:
    """An API key for trying the ingest API; its secret is kept in var/ for `demo_info`."""
    _, secret = services.create_api_key(
        organisation=organisation,
        name="Demo e-service",
        permissions=["responses.submit", "units.view"],
        whole_organisation=True,
    )
    key_file = Path(settings.VAR_DIR) / DEMO_API_KEY_FILE
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(secret)
    key_file.chmod(0o600)
    return secret


# (code, fi, sv, en, [(touchpoint code, fi, sv, en)])
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

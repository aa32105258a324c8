"""The demo organisation: a fictional Finnish vocational education consortium.

Built only through the domain services, so the demo follows the same rules
(and leaves the same audit trail) as real use.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from kuulo.feedback import services as feedback
from kuulo.feedback.models import HeldAnswer, SurveyPublication
from kuulo.organisations import services
from kuulo.organisations.models import Organisation, Role, Unit, UnitType
from kuulo.webhooks import services as webhooks

from .surveys import create_demo_feedback

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

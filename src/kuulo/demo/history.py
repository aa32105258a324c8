"""About a year of realistic feedback for the demo organisation.

Responses go through the same ingest service as the API (validated, stored in
batches), verbal feedback and complaints through their services. Seeded random
numbers keep the demo the same on every machine.
"""

import contextlib
import math
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from kuulo.demo.followups import create_follow_ups
from kuulo.feedback import ingest, volumes
from kuulo.feedback import services as feedback
from kuulo.feedback.models import Complaint, ComplaintOutcome, ComplaintStatus, Item, SurveyPublication
from kuulo.feedback.services import CANT_SAY
from kuulo.improvements import services as improvements
from kuulo.improvements.models import Action, ActionStatus
from kuulo.insights.models import AlertSubscription
from kuulo.organisations.models import Organisation, Unit

HELSINKI = ZoneInfo("Europe/Helsinki")

COMMENTS: dict[str, dict[str, list[str]]] = {
    "fi": {
        "positive": [
            "Sain nopeasti vastauksen kysymykseeni, kiitos!",
            "Opinto-ohjaaja oli todella avulias ja kärsivällinen.",
            "Hakeminen oli helppoa ja ohjeet selkeät.",
            "Työpaikkaohjaaja otti minut hyvin vastaan ensimmäisenä päivänä.",
            "Kiitos joustavuudesta, sain suunnitelman sovitettua työvuoroihin.",
            "Ystävällinen palvelu infopisteessä.",
            "Opettajat ovat asiantuntevia ja innostavia.",
            "Kaikki sujui juuri niin kuin luvattiin.",
            "Wilman viestit tulivat ajallaan ja olivat selkeitä.",
            "Hyvä kokemus kokonaisuudessaan, suosittelen kavereillekin.",
            "Näyttö järjestettiin nopeasti ja arviointi oli reilu.",
            "Yhteistyö yrityksemme kanssa toimi erinomaisesti.",
        ],
        "neutral": [
            "Ihan ok, ei erityistä sanottavaa.",
            "Asia hoitui, vaikka vähän piti odottaa.",
            "Tietoa oli paljon, osa jäi vähän epäselväksi.",
            "Palvelu oli asiallista.",
            "Ajanvaraus toimi, mutta muistutusviestiä ei tullut.",
        ],
        "negative": [
            "Jonotin puhelimessa yli puoli tuntia.",
            "En saanut vastausta sähköpostiini viikkoon.",
            "Opiskelupaikan vastaanotosta oli ristiriitaista tietoa eri sivuilla.",
            "Työpaikalla oppimisen sopimus viivästyi kolme viikkoa.",
            "Ohjeet verkkosivulla ovat vanhentuneita.",
            "Lukujärjestys muuttui monta kertaa ilman ilmoitusta.",
            "Infopiste oli kiinni ilmoitettuna aukioloaikana.",
            "Laskutuksessa oli virhe eikä sitä korjattu heti.",
            "Tunsin, ettei asiaani otettu vakavasti.",
        ],
    },
    "sv": {
        "positive": [
            "Snabb och vänlig service, tack!",
            "Studiehandledaren hjälpte mig mycket.",
            "Det var lätt att ansöka och instruktionerna var tydliga.",
            "Bra bemötande på arbetsplatsen från första dagen.",
        ],
        "neutral": ["Det gick bra, men jag fick vänta en stund.", "Servicen var saklig."],
        "negative": [
            "Jag fick inget svar på min e-post på en vecka.",
            "Informationen på svenska var bristfällig.",
            "Jag väntade i telefonkö över en halvtimme.",
        ],
    },
    "en": {
        "positive": [
            "Very helpful staff, thank you!",
            "The application process was clear and quick.",
            "Great support from my workplace instructor.",
        ],
        "neutral": ["It was fine, nothing special.", "Took a while, but I got what I needed."],
        "negative": [
            "Hard to find information in English.",
            "Nobody answered the phone during opening hours.",
            "My questions were passed from one person to another.",
        ],
    },
}

# Responses per weekday at a busy publication; seasons and unit size scale it.
BASE_DAILY = {
    "apply": 9.0,
    "start": 6.0,
    "workplace": 2.5,
    "graduation": 2.0,
    "training": 1.2,
}
# Month multipliers: joint application in March, studies start in August, graduations in May-June.
SEASON = {
    "apply": [0.8, 1.4, 2.2, 1.0, 0.8, 0.6, 0.5, 1.6, 1.0, 0.9, 0.8, 0.6],
    "start": [1.2, 0.6, 0.5, 0.5, 0.4, 0.3, 0.4, 2.4, 1.8, 0.8, 0.7, 0.5],
    "workplace": [1.0, 1.1, 1.2, 1.2, 1.1, 0.5, 0.2, 0.6, 1.0, 1.2, 1.2, 0.8],
    "graduation": [0.6, 0.5, 0.6, 0.9, 2.6, 2.4, 0.2, 0.3, 0.5, 0.6, 0.8, 1.6],
    "training": [1.0, 1.1, 1.1, 1.0, 1.0, 0.6, 0.2, 0.6, 1.2, 1.3, 1.2, 0.8],
}


def _unit_quality(unit: Unit) -> float:
    """A unit's usual satisfaction (on a 0..1 scale), stable across runs."""
    return 0.62 + 0.25 * random.Random(f"quality-{unit.code}").random()


def _quality_on(day: date, unit: Unit, base: float, today: date) -> float:
    """Slow drift, plus a dip at one campus in the spring (staff shortage) and an
    improvement at applicant services after their phone-queue fix in the autumn."""
    days_ago = (today - day).days
    quality = base + 0.03 * math.sin(days_ago / 58)
    if unit.code.startswith("varkaus") and 120 <= days_ago <= 200:
        quality -= 0.14
    if unit.code == "applicants":
        quality += 0.08 if days_ago < 75 else -0.02
    return min(max(quality, 0.05), 0.97)


def _rating(rng: random.Random, low: int, high: int, quality: float) -> int:
    spread = high - low
    value = rng.gauss(low + quality * spread, 0.22 * spread)
    return int(min(max(round(value), low), high))


def _language(rng: random.Random, unit: Unit) -> str:
    if unit.language == "sv":
        return "sv" if rng.random() < 0.9 else "fi"
    roll = rng.random()
    return "fi" if roll < 0.9 else ("sv" if roll < 0.94 else "en")


def _answers(
    rng: random.Random, publication: SurveyPublication, quality: float, language: str
) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    mood = quality + rng.gauss(0, 0.12)
    for question in publication.survey.questions.all():
        version = question.item_version
        code = version.item.code
        if code in ("open", "govuk-improve"):
            if rng.random() < 0.28:
                sentiment = "positive" if mood > 0.72 else ("negative" if mood < 0.52 else "neutral")
                answers[code] = rng.choice(COMMENTS[language][sentiment])
        elif version.item.kind == "yes_no":
            answers[code] = 1 if rng.random() < 0.55 + 0.4 * mood else 0
        elif version.item.kind == "number":
            if rng.random() < 0.8:  # minutes waited: mostly a few, sometimes long, less when it goes well
                minutes = rng.lognormvariate(2.6 - 1.2 * (mood - 0.6), 0.8)
                answers[code] = min(round(minutes), int(version.upper or 240))
        elif version.cant_say and rng.random() < 0.08:
            answers[code] = CANT_SAY
        elif (
            version.scale_min is not None
            and version.scale_max is not None
            and (
                question.required or rng.random() < 0.93  # some skip an optional question
            )
        ):
            answers[code] = _rating(rng, version.scale_min, version.scale_max, mood)
    return answers


def create_history(organisation: Organisation, *, days: int = 365, seed: int = 2026) -> int:
    """Responses for the past `days` days for every publication; returns how many."""
    rng = random.Random(seed)
    admin = get_user_model().objects.get(username="admin")
    today = datetime.now(HELSINKI).date()
    publications = list(
        SurveyPublication.objects.filter(survey__organisation=organisation)
        .select_related("unit", "survey__touchpoint__service_path")
        .prefetch_related("survey__questions__item_version__item")
    )
    channels = ["link", "qr", "qr", "kiosk", "email", "link"]
    batch: list[ingest.IncomingResponse] = []
    total = 0
    for publication in publications:
        touchpoint = publication.survey.touchpoint.code
        base = _unit_quality(publication.unit)
        size = 0.9 + 1.2 * random.Random(f"size-{publication.unit.code}").random()
        for days_ago in range(days, 0, -1):
            day = today - timedelta(days=days_ago)
            weekend = day.weekday() >= 5
            expected = (
                BASE_DAILY[touchpoint] * size * SEASON[touchpoint][day.month - 1] * (0.15 if weekend else 1)
            )
            count = _poisson(rng, expected)
            quality = _quality_on(day, publication.unit, base, today)
            for n in range(count):
                language = _language(rng, publication.unit)
                at = datetime.combine(day, time(8, 0), HELSINKI) + timedelta(minutes=rng.randint(0, 9 * 60))
                batch.append(
                    ingest.IncomingResponse(
                        link=publication.code,
                        answers=_answers(rng, publication, quality, language),
                        responded_at=at,
                        language=language,
                        channel=rng.choice(channels),
                        idempotency_key=f"demo-{publication.code}-{day.isoformat()}-{n}",
                        respondent_type=_respondent(rng, touchpoint),
                        age_band=rng.choice(["-17", "18-29", "18-29", "30-49", "50-64", ""]),
                    )
                )
                if len(batch) >= ingest.MAX_BATCH:
                    total += len(ingest.ingest(admin, batch).created)
                    batch = []
    if batch:
        total += len(ingest.ingest(admin, batch).created)
    _service_volumes(rng, admin, publications, today, days)
    _verbal_feedback(rng, organisation, today, days)
    _complaints(rng, organisation, today, days)
    _actions(organisation, today, days)
    _alert_subscriptions(organisation)
    create_follow_ups(organisation)
    return total


# (unit, title, stage, days ago done, public text or "", metric): the history's turns have
# causes. Each in its unit's service language: Finnish, and Swedish in the Swedish-language unit.
DEMO_ACTIONS = [
    ("applicants", "Takaisinsoitto puhelinjonon sijaan", "measured", 75,
     "Kerroitte, että puhelinjono oli liian pitkä. "
     "Nyt voit jättää numerosi, ja soitamme sinulle takaisin samana päivänä.",
     "resolved"),
    ("varkaus", "Lisää opinto-ohjaajia kevään ruuhkaan", "done", 120,
     "Kerroitte, että opinto-ohjaajaa oli keväällä vaikea tavoittaa. "
     "Lisäsimme ohjaajia kiireisimmille viikoille.",
     "csat"),
    ("svenska-students", "Studiehandledning på svenska varje vecka", "done", 40,
     "Ni berättade att det var svårt att få studiehandledning på svenska. "
     "Nu har vi mottagning på svenska varje tisdag.",
     "csat"),
    ("kuopio-students", "Opinto-ohjauksen ajanvaraus verkkoon", "in_progress", None, "", "csat"),
    ("kuopio-students", "Selkeämmät ohjeet ensimmäiselle opiskeluviikolle", "planned", None, "", "ces"),
    ("svenska-students", "Tydligare information om antagningen på svenska", "idea", None, "", ""),
    ("varkaus-industry", "Palautekioski hallin ovelle", "idea", None, "", ""),
    ("workplace", "Yksi yhteyshenkilö jokaiselle työnantajalle", "planned", None, "", "nps"),
]  # fmt: skip


def _actions(organisation: Organisation, today: date, days: int) -> None:
    """Improvement actions on the board, three of them done where the history turns; one
    marked "effect measured" once its figures show the effect (with enough history)."""
    admin = get_user_model().objects.get(username="admin")
    manager = get_user_model().objects.get(username="manager")
    for code, title, stage, done_ago, public_text, metric in DEMO_ACTIONS:
        unit = Unit.objects.get(organisation=organisation, code=code)
        action = improvements.save_action(
            Action(),
            user=admin,
            unit=unit,
            title=title,
            status=ActionStatus.DONE if stage == ActionStatus.MEASURED else stage,
            owner=manager,
            due_date=today + timedelta(days=30) if done_ago is None else None,
            item=Item.objects.get(organisation=None, code=metric) if metric else None,
            public=bool(public_text),
            public_text=public_text,
        )
        if done_ago is not None and done_ago < days:
            Action.objects.filter(pk=action.pk).update(done_on=today - timedelta(days=done_ago))
            action.refresh_from_db()
        if stage == ActionStatus.MEASURED:
            with contextlib.suppress(ValidationError):  # too little history to measure it
                improvements.move_action(action, user=admin, step=1)


def _alert_subscriptions(organisation: Organisation) -> None:
    """The demo manager follows their area, so alerts and digests have someone to tell."""
    manager = get_user_model().objects.get(username="manager")
    area = Unit.objects.get(organisation=organisation, code="vocational")
    AlertSubscription.objects.get_or_create(user=manager, unit=area, defaults={"digest": "weekly"})


def _service_volumes(
    rng: random.Random, admin: Any, publications: list[SurveyPublication], today: date, days: int
) -> None:
    """Customers served and offered the survey (about a fifth answer), waiting and processing times."""
    rows = []
    for publication in publications:
        touchpoint = publication.survey.touchpoint.code
        size = 0.9 + 1.2 * random.Random(f"size-{publication.unit.code}").random()
        for days_ago in range(days, 0, -1):
            day = today - timedelta(days=days_ago)
            if day.weekday() >= 5:
                continue
            expected = BASE_DAILY[touchpoint] * size * SEASON[touchpoint][day.month - 1]
            served = max(1, round(expected * rng.uniform(4.0, 6.0)))
            waiting = max(
                0.5,
                rng.gauss(7.0, 2.0)
                + (9 if publication.unit.code.startswith("varkaus") and 120 <= days_ago <= 200 else 0),
            )
            rows.append(
                {
                    "unit": publication.unit.code,
                    "touchpoint": f"{publication.survey.touchpoint.service_path.code}.{touchpoint}",
                    "date": day,
                    "customers_served": served,
                    "customers_offered_survey": round(served * rng.uniform(0.55, 0.75)),
                    "waiting_minutes": Decimal(f"{waiting:.1f}"),
                    "processing_days": Decimal(f"{max(0.5, rng.gauss(9, 3)):.1f}")
                    if touchpoint in ("apply", "training")
                    else None,
                }
            )
    for start in range(0, len(rows), volumes.MAX_ROWS):
        volumes.save_batch(admin, rows[start : start + volumes.MAX_ROWS])


def _respondent(rng: random.Random, touchpoint: str) -> str:
    if touchpoint == "training":
        return "employer"
    if touchpoint == "apply":
        return rng.choice(["applicant", "applicant", "applicant", "citizen"])
    return rng.choice(["student"] * 8 + ["partner", "other"])


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small daily means used here.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _verbal_feedback(rng: random.Random, organisation: Organisation, today: date, days: int) -> None:
    staff_units = Unit.objects.filter(organisation=organisation, unit_type__code="student-services")
    recorder = get_user_model().objects.get(username="admin")
    for unit in staff_units:
        for _ in range(days // 9):
            day = today - timedelta(days=rng.randint(1, days))
            sentiment = rng.choices(["positive", "neutral", "negative"], weights=[5, 2, 3])[0]
            language = "sv" if unit.language == "sv" else "fi"
            feedback.record_verbal_feedback(
                recorded_by=recorder,
                unit=unit,
                touchpoint=None,
                sentiment=sentiment,
                text=rng.choice(COMMENTS[language][sentiment]),
                language=language,
                how=rng.choice(["counter", "counter", "phone", "visit"]),
                heard_at=datetime.combine(day, time(12, 0), HELSINKI),
            )


def _complaints(rng: random.Random, organisation: Organisation, today: date, days: int) -> None:
    units = list(Unit.objects.filter(organisation=organisation, depth__gte=1))
    admin = get_user_model().objects.get(username="admin")
    summaries = [
        "Opiskelija koki arvioinnin epäoikeudenmukaiseksi.",
        "Huoltaja oli tyytymätön tiedottamiseen poissaoloista.",
        "Asiakas koki tulleensa kohdelluksi epäasiallisesti puhelinpalvelussa.",
        "Yritys oli tyytymätön koulutuksen laskutukseen.",
        "Opiskelupaikan peruuttamisesta ei ilmoitettu ajoissa.",
    ]
    for n in range(1, 16):
        received = today - timedelta(days=rng.randint(1, max(days, 1)))
        decided = received + timedelta(days=rng.randint(10, 60))
        done = decided < today
        feedback.save_complaint(
            Complaint(),
            user=admin,
            kind=rng.choice(["complaint", "reminder", "reminder"]),
            case_number=f"JL/{received.year}/{100 + n}",
            unit=rng.choice(units),
            received_on=received,
            status=ComplaintStatus.CLOSED
            if done
            else rng.choice([ComplaintStatus.RECEIVED, ComplaintStatus.IN_PROGRESS]),
            summary=rng.choice(summaries),
            decided_on=decided if done else None,
            outcome=rng.choice(list(ComplaintOutcome.values)) if done else "",
            outcome_notes="Toimintaohjetta tarkennettiin ja asiasta keskusteltiin tiimissä." if done else "",
        )

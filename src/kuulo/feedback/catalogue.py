"""The standard catalogue that ships with Kuulo: items with locked wording and the
standard question sets built from them.

`install_standard_catalogue()` runs after every migrate (and test-database flush).
It is idempotent: an item whose shipped wording changed gets a new version, so
answers to the old wording stay with the old version.

Sources and the status of each wording are recorded on the sets (and in
docs/standard-question-sets.md): where no official Finnish or Swedish wording
exists, the translation is Kuulo's own and says so.
"""

from typing import Any

from django.db import transaction

from .models import Dimension, Item, ItemKind, ItemVersion, QuestionSet, QuestionSetItem

AGREE = {
    "low": {"fi": "Täysin eri mieltä", "sv": "Helt av annan åsikt", "en": "Strongly disagree"},
    "high": {"fi": "Täysin samaa mieltä", "sv": "Helt av samma åsikt", "en": "Strongly agree"},
}
SATISFACTION_POINTS = {
    "low": {"fi": "Erittäin tyytymätön", "sv": "Mycket missnöjd", "en": "Very dissatisfied"},
    "high": {"fi": "Erittäin tyytyväinen", "sv": "Mycket nöjd", "en": "Very satisfied"},
    "points": {
        "1": {"fi": "Erittäin tyytymätön", "sv": "Mycket missnöjd", "en": "Very dissatisfied"},
        "2": {"fi": "Tyytymätön", "sv": "Missnöjd", "en": "Dissatisfied"},
        "3": {
            "fi": "Ei tyytyväinen eikä tyytymätön",
            "sv": "Varken nöjd eller missnöjd",
            "en": "Neither satisfied nor dissatisfied",
        },
        "4": {"fi": "Tyytyväinen", "sv": "Nöjd", "en": "Satisfied"},
        "5": {"fi": "Erittäin tyytyväinen", "sv": "Mycket nöjd", "en": "Very satisfied"},
    },
}
LIKELY = {
    "low": {"fi": "Erittäin epätodennäköisesti", "sv": "Inte alls sannolikt", "en": "Not at all likely"},
    "high": {"fi": "Erittäin todennäköisesti", "sv": "Mycket sannolikt", "en": "Extremely likely"},
}
EFFORT = {
    "low": {"fi": "Täysin eri mieltä", "sv": "Helt av annan åsikt", "en": "Strongly disagree"},
    "high": {"fi": "Täysin samaa mieltä", "sv": "Helt av samma åsikt", "en": "Strongly agree"},
}

# code: (kind, dimension, fi, sv, en, anchors)
STANDARD_ITEMS: dict[str, tuple[str, str, str, str, str, dict[str, Any]]] = {
    "csat": (
        ItemKind.CSAT, Dimension.SATISFACTION,
        "Kuinka tyytyväinen olit saamaasi palveluun?",
        "Hur nöjd var du med servicen du fick?",
        "How satisfied were you with the service you received?",
        SATISFACTION_POINTS,
    ),
    "nps": (
        ItemKind.NPS, Dimension.RECOMMENDATION,
        "Kuinka todennäköisesti suosittelisit palveluamme ystävällesi tai kollegallesi?",
        "Hur sannolikt är det att du skulle rekommendera vår service till en vän eller kollega?",
        "How likely is it that you would recommend our service to a friend or colleague?",
        LIKELY,
    ),
    "ces": (
        ItemKind.CES, Dimension.EFFORT,
        "Asiani hoitaminen tehtiin minulle helpoksi.",
        "Det gjordes lätt för mig att sköta mitt ärende.",
        "The organisation made it easy for me to handle my issue.",
        EFFORT,
    ),
    "resolved": (
        ItemKind.YES_NO, Dimension.QUALITY,
        "Saitko asiasi hoidettua?",
        "Fick du ditt ärende uträttat?",
        "Did you get what you came for?",
        {},
    ),
    "verbal": (
        ItemKind.TEXT, Dimension.OTHER,
        "Mitä asiakas kertoi?",
        "Vad berättade kunden?",
        "What did the customer say?",
        {},
    ),
    "open": (
        ItemKind.TEXT, Dimension.OTHER,
        "Mitä muuta haluaisit kertoa meille?",
        "Vad mer skulle du vilja berätta för oss?",
        "Is there anything else you would like to tell us?",
        {},
    ),
    # US OMB Circular A-11 §280 post-transaction questions (5-point agreement).
    "omb-satisfaction": (
        ItemKind.AGREEMENT, Dimension.SATISFACTION,
        "Olen tyytyväinen saamaani palveluun.",
        "Jag är nöjd med servicen jag fick.",
        "I am satisfied with the service I received.",
        AGREE,
    ),
    "omb-trust": (
        ItemKind.AGREEMENT, Dimension.TRUST,
        "Tämä asiointi lisäsi luottamustani palveluun.",
        "Det här ärendet ökade mitt förtroende för tjänsten.",
        "This interaction increased my confidence in this service.",
        AGREE,
    ),
    "omb-quality": (
        ItemKind.AGREEMENT, Dimension.QUALITY,
        "Tarpeeseeni vastattiin.",
        "Mitt behov blev tillgodosett.",
        "My need was addressed.",
        AGREE,
    ),
    "omb-ease": (
        ItemKind.AGREEMENT, Dimension.EASE,
        "Oli helppoa tehdä se, mitä minun piti tehdä.",
        "Det var lätt att göra det jag behövde göra.",
        "It was easy to complete what I needed to do.",
        AGREE,
    ),
    "omb-efficiency": (
        ItemKind.AGREEMENT, Dimension.EFFICIENCY,
        "Asiani hoitamiseen kului kohtuullisesti aikaa.",
        "Det tog rimligt med tid att göra det jag behövde göra.",
        "It took a reasonable amount of time to do what I needed to do.",
        AGREE,
    ),
    "omb-equity": (
        ItemKind.AGREEMENT, Dimension.EQUITY,
        "Minua kohdeltiin reilusti.",
        "Jag blev rättvist behandlad.",
        "I was treated fairly.",
        AGREE,
    ),
    "omb-helpfulness": (
        ItemKind.AGREEMENT, Dimension.HELPFULNESS,
        "Henkilökunta, jonka kanssa asioin, oli avuliasta.",
        "Personalen jag hade kontakt med var hjälpsam.",
        "Employees I interacted with were helpful.",
        AGREE,
    ),
    # THL national client feedback for social and health services (Kansallinen asiakaspalaute).
    "thl-nps": (
        ItemKind.NPS, Dimension.RECOMMENDATION,
        "Kuinka todennäköisesti suosittelisit saamaasi palvelua läheisillesi, jos he tarvitsisivat "
        "vastaavaa palvelua?",
        "Hur sannolikt är det att du skulle rekommendera tjänsten du fick åt dina närstående om de behövde "
        "motsvarande tjänst?",
        "How likely is it that you would recommend the service you received to your family or friends "
        "if they needed similar services?",
        LIKELY,
    ),
    "thl-timely": (
        ItemKind.AGREEMENT, Dimension.EFFICIENCY,
        "Sain apua silloin, kun sitä tarvitsin.",
        "Jag fick hjälp när jag behövde det.",
        "I received help when I needed it.",
        AGREE,
    ),
    "thl-respect": (
        ItemKind.AGREEMENT, Dimension.EQUITY,
        "Minua kohdeltiin arvostavasti.",
        "Jag blev bemött med respekt.",
        "I was treated with respect.",
        AGREE,
    ),
    "thl-safety": (
        ItemKind.AGREEMENT, Dimension.SAFETY,
        "Koin oloni turvalliseksi hoidon tai palvelun aikana.",
        "Jag kände mig trygg under vården eller tjänsten.",
        "I felt safe during the care or service.",
        AGREE,
    ),
    "thl-information": (
        ItemKind.AGREEMENT, Dimension.INFORMATION,
        "Saamani tieto oli ymmärrettävää.",
        "Informationen jag fick var begriplig.",
        "The information I received was easy to understand.",
        AGREE,
    ),
    "thl-useful": (
        ItemKind.AGREEMENT, Dimension.QUALITY,
        "Saamani hoito tai palvelu oli hyödyllistä.",
        "Vården eller tjänsten jag fick var till nytta.",
        "The care or service I received was useful.",
        AGREE,
    ),
    # GOV.UK service manual: the user satisfaction question.
    "govuk-satisfaction": (
        ItemKind.CSAT, Dimension.SATISFACTION,
        "Kaiken kaikkiaan, mitä mieltä olit tänään saamastasi palvelusta?",
        "Vad tyckte du på det hela taget om tjänsten du fick i dag?",
        "Overall, how did you feel about the service you received today?",
        SATISFACTION_POINTS,
    ),
    "govuk-improve": (
        ItemKind.TEXT, Dimension.OTHER,
        "Miten voisimme parantaa tätä palvelua?",
        "Hur kunde vi förbättra den här tjänsten?",
        "How could we improve this service?",
        {},
    ),
}  # fmt: skip

# code: (fi, sv, en, source, url, (description fi, sv, en), [(item code, required)])
STANDARD_SETS: dict[str, tuple[str, str, str, str, str, tuple[str, str, str], list[tuple[str, bool]]]] = {
    "omb-a11-280": (
        "OMB A-11 §280 -asiakaskokemuskysymykset",
        "OMB A-11 §280 frågor om kundupplevelse",
        "OMB A-11 §280 customer experience questions",
        "US Office of Management and Budget, Circular A-11 Section 280 (post-transaction survey)",
        "https://www.performance.gov/cx/a11-280/",
        (
            "Tyytyväisyys, luottamus ja palvelun viisi osatekijää viisiportaisella samanmielisyysasteikolla. "
            "Virallinen sanamuoto on englanninkielinen; suomen- ja ruotsinkieliset ovat Kuulon käännöksiä.",
            "Nöjdhet, förtroende och tjänstens fem drivkrafter på en femgradig skala för instämmande. "
            "Den officiella formuleringen är på engelska; de finska och svenska är Kuulos översättningar.",
            "Satisfaction, trust and the five service drivers on a 5-point agreement scale. English is the "
            "official wording; Finnish and Swedish are Kuulo's translations.",
        ),
        [
            ("omb-satisfaction", True),
            ("omb-trust", True),
            ("omb-quality", False),
            ("omb-ease", False),
            ("omb-efficiency", False),
            ("omb-equity", False),
            ("omb-helpfulness", False),
        ],
    ),
    "thl-asiakaspalaute": (
        "THL:n kansallinen asiakaspalaute",
        "THL:s nationella kundrespons",
        "THL national client feedback",
        "Finnish Institute for Health and Welfare (THL): national client feedback for social and health "
        "services — recommendation index and core statements",
        "https://thl.fi/aiheet/sote-palvelujen-johtaminen/asiakas-palveluissa/asiakaskokemus/"
        "asiakaspalautteen-kansallisen-keruun-yhtenaistaminen",
        (
            "Suosittelukysymys ja ydinväittämät palvelun saatavuudesta, kohtaamisesta, turvallisuudesta, "
            "tiedonsaannista ja hyödyllisyydestä sekä avoin palaute. Vertaa sanamuotoja THL:n julkaisemiin "
            "kieliversioihin ennen tuotantokäyttöä.",
            "Rekommendationsfrågan och kärnpåståenden om tillgång, bemötande, trygghet, information och "
            "nytta, följda av öppen respons. Jämför formuleringarna med THL:s publicerade språkversioner "
            "innan de tas i bruk.",
            "The recommendation question and core statements on access, encounter, safety, information and "
            "usefulness, followed by open feedback. Compare wording with THL's published language versions "
            "before production use.",
        ),
        [
            ("thl-nps", True),
            ("thl-timely", False),
            ("thl-respect", False),
            ("thl-safety", False),
            ("thl-information", False),
            ("thl-useful", False),
            ("open", False),
        ],
    ),
    "govuk-satisfaction": (
        "GOV.UK-tyytyväisyyskysymys",
        "GOV.UK:s fråga om nöjdhet",
        "GOV.UK user satisfaction question",
        "GOV.UK Service Manual: measuring user satisfaction",
        "https://www.gov.uk/service-manual/measuring-success/measuring-user-satisfaction",
        (
            "Yksi kysymys viisiportaisella tyytyväisyysasteikolla ja avoin kysymys parannuksista. "
            "Virallinen sanamuoto on englanninkielinen.",
            "En fråga på en femgradig nöjdhetsskala och en öppen fråga om förbättringar. "
            "Den officiella formuleringen är på engelska.",
            "One question on a 5-point satisfaction scale and an open improvement question. English is the "
            "official wording.",
        ),
        [("govuk-satisfaction", True), ("govuk-improve", False)],
    ),
}


def _scale(kind: str) -> tuple[int | None, int | None]:
    from .models import FIXED_SCALES

    return FIXED_SCALES.get(kind, (None, None))


@transaction.atomic
def install_standard_catalogue() -> None:
    """Create or update the standard items and sets (safe to run any number of times)."""
    versions: dict[str, ItemVersion] = {}
    for code, (kind, dimension, fi, sv, en, anchors) in STANDARD_ITEMS.items():
        item, _ = Item.objects.get_or_create(
            organisation=None, code=code, defaults={"kind": kind, "dimension": dimension, "locked": True}
        )
        low, high = _scale(kind)
        wanted = ItemVersion(
            item=item, text_fi=fi, text_sv=sv, text_en=en, scale_min=low, scale_max=high, anchors=anchors
        )
        latest = item.latest_version()
        if latest is None or latest.content() != wanted.content():
            wanted.number = (latest.number + 1) if latest else 1
            wanted.save()
            latest = wanted
        versions[code] = latest
    for code, (fi, sv, en, source, url, description, entries) in STANDARD_SETS.items():
        question_set, _ = QuestionSet.objects.update_or_create(
            code=code,
            defaults={
                "name_fi": fi,
                "name_sv": sv,
                "name_en": en,
                "source": source,
                "source_url": url,
                "description_fi": description[0],
                "description_sv": description[1],
                "description_en": description[2],
            },
        )
        wanted_entries = [(versions[item_code].pk, required) for item_code, required in entries]
        current = list(question_set.entries.values_list("item_version_id", "required"))
        if current != wanted_entries:
            question_set.entries.all().delete()
            QuestionSetItem.objects.bulk_create(
                QuestionSetItem(question_set=question_set, item_version_id=version_id, order=n, required=req)
                for n, (version_id, req) in enumerate(wanted_entries, start=1)
            )

"""Finnish, Swedish and English: choosing the language and complete catalogues."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for

LOCALE = Path(settings.LOCALE_PATHS[0])


@pytest.mark.parametrize(
    ("accept", "expected"), [("sv-FI,sv;q=0.9", "sv"), ("en-GB,en;q=0.8", "en"), ("de-DE", "fi"), ("", "fi")]
)
def test_browser_language_is_used_for_anonymous_visitors(db: Any, accept: str, expected: str) -> None:
    response = Client(headers={"accept-language": accept}).get("/accounts/login/")
    assert f'<html lang="{expected}">' in response.content.decode()


def test_language_switcher_remembers_the_choice(db: Any) -> None:
    client = Client(headers={"accept-language": "fi"})
    response = client.post("/i18n/setlang/", {"language": "sv", "next": "/accessibility/"})
    assert response.status_code == 302 and response["Location"] == "/accessibility/"
    assert '<html lang="sv">' in client.get("/accessibility/").content.decode()


def test_language_switcher_refuses_foreign_redirects(db: Any) -> None:
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_signed_in_users_choice_is_stored_and_wins_over_the_browser(world: World) -> None:
    user = world.users[Role.STAFF]
    client_for(user).post("/i18n/setlang/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    fresh = client_for(user)
    fresh.defaults["HTTP_ACCEPT_LANGUAGE"] = "sv"
    assert '<html lang="en">' in fresh.get("/").content.decode()


def parse_po(path: Path) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for each entry of a .po file."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = "#, fuzzy" in block or re.search(r"^#,.*fuzzy", block, re.M) is not None
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)?\s*"(.*)"', block.split("msgstr")[0], re.M))
        msgstrs = []
        for part in re.split(r"^msgstr(?:\[\d\])?\s", block, flags=re.M)[1:]:
            msgstrs.append(
                "".join(re.findall(r'^"(.*)"', '"' + part.split('"', 1)[1] if '"' in part else "", re.M))
            )
        if msgstrs:
            entries.append((msgid, msgstrs, fuzzy))
    return entries


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_catalogue_is_complete(language: str) -> None:
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"missing catalogue {path}"
    entries = [e for e in parse_po(path) if e[0]]  # skip the header
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstrs, _ in entries if not all(msgstrs)]
    fuzzy = [msgid for msgid, _, is_fuzzy in entries if is_fuzzy]
    assert untranslated == [], f"{language}: untranslated {untranslated[:10]}"
    assert fuzzy == [], f"{language}: fuzzy {fuzzy[:10]}"


def test_english_catalogue_exists() -> None:
    assert (LOCALE / "en" / "LC_MESSAGES" / "django.po").exists()


def test_pages_are_translated(world: World) -> None:
    client = client_for(world.users[Role.ADMIN])
    for language, word in [("fi", "Yksiköt"), ("sv", "Enheter"), ("en", "Units")]:
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
        assert word in client.get("/organisation/units/").content.decode()


def test_catalogues_contain_every_string_in_the_source(tmp_path: Path) -> None:
    """Re-extracting the strings from the source finds nothing the catalogues lack."""
    import shutil
    import subprocess
    import sys

    source = LOCALE.parent
    copy = tmp_path / "kuulo"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo"))
    manage = Path(settings.BASE_DIR) / "manage.py"
    subprocess.run(
        [sys.executable, str(manage), "makemessages", "-l", "fi", "--no-obsolete", "--ignore", "tests/*"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    extracted = {msgid for msgid, _, _ in parse_po(copy / "locale" / "fi" / "LC_MESSAGES" / "django.po")}
    committed = {msgid for msgid, _, _ in parse_po(LOCALE / "fi" / "LC_MESSAGES" / "django.po")}
    assert len(extracted) > 100
    assert extracted - committed == set(), "run `make messages` and translate the new strings"

"""The kiosk's service worker: served as a script whose scope covers the kiosk pages,
never cached by the browser, and with a cache version that follows its files."""

from typing import Any

import pytest
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

from kuulo.feedback.testing import make_publication
from kuulo.feedback.views import kiosk
from kuulo.organisations.testing import World

WORKER_URL = "/kiosk/sw.js"


def test_worker_is_a_script_that_browsers_always_fetch_again(db: Any) -> None:
    response = Client().get(reverse("feedback:kiosk_service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "no-cache" in response["Cache-Control"]
    assert "worker-src 'self'" in response["Content-Security-Policy"]
    source = response.content.decode()
    for name in kiosk.KIOSK_ASSETS:
        assert f'"{static(name)}"' in source
    version = kiosk.kiosk_worker_version([static(name) for name in kiosk.KIOSK_ASSETS])
    assert f'CACHE_PREFIX + "{version}";' in source


def test_kiosk_page_registers_the_worker_within_its_scope(world: World) -> None:
    publication = make_publication(world.unit, items=("csat", "open"))
    page_url = reverse("feedback:kiosk_page", args=[publication.code])
    response = Client().get(page_url)
    assert response.status_code == 200
    assert reverse("feedback:kiosk_service_worker") == WORKER_URL
    assert f'"service_worker": "{WORKER_URL}"' in response.content.decode()
    # A worker controls only pages below its own folder, so no Service-Worker-Allowed is needed.
    assert page_url.startswith(WORKER_URL.rsplit("/", 1)[0] + "/")
    assert "worker-src 'self'" in response["Content-Security-Policy"]


def test_other_pages_do_not_load_the_kiosk_script(db: Any) -> None:
    assert "kiosk.js" not in Client().get("/accounts/login/").content.decode()


def test_cache_version_changes_when_a_kept_file_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    assets = [static(name) for name in kiosk.KIOSK_ASSETS]
    before = kiosk.kiosk_worker_version(assets)
    assert kiosk.kiosk_worker_version(assets) == before
    monkeypatch.setattr(kiosk, "_asset_bytes", lambda name: b"changed " + name.encode())
    assert kiosk.kiosk_worker_version(assets) != before
    assert kiosk.kiosk_worker_version([*assets[:-1], "/static/kuulo/faces.abc123.svg"]) != before

"""The embeddable widget: a script tag on another site (another origin and site) shows
the survey in an iframe that answers like the public link, fits its content and passes axe."""

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from kuulo.demo.data import create_demo_organisation
from kuulo.feedback.models import Channel, Response, SurveyPublication

from .conftest import AXE_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def host_site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A separate web site on 127.0.0.1 (the app runs on localhost: another site)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_widget_on_another_site(
    page: Page, live_server: Any, host_site: tuple[Path, str], settings: Any
) -> None:
    settings.KUULO_SURVEY_MIN_SECONDS = 0
    create_demo_organisation("demo-Password-2026")
    publication = SurveyPublication.objects.get(unit__code="kuopio-students")
    folder, host = host_site
    (folder / "index.html").write_text(
        f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>City services</title>
        <style>body {{ font-family: serif; color: #800; }} button {{ background: hotpink; }}</style></head>
        <body><main><h1>Student services</h1><p>Tell us how we did:</p>
        <script src="{live_server.url}/static/kuulo/widget.js" data-kuulo-survey="{publication.code}"
                data-lang="sv" data-title="Feedback survey" async></script></main></body></html>"""
    )
    page.goto(f"{host}/index.html")
    frame_element = page.locator("iframe[title='Feedback survey']")
    frame_element.wait_for()
    frame = page.frame_locator("iframe[title='Feedback survey']")
    frame.locator(".survey-form").wait_for()
    assert frame.locator("html").get_attribute("lang") == "sv"
    # The host page's styles do not reach the survey.
    submit_colour = frame.locator(".survey-form button[type=submit]").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    assert submit_colour != "rgb(255, 105, 180)"
    # The iframe grows to the survey's height instead of scrolling inside.
    page.wait_for_function("() => document.querySelector('iframe').getBoundingClientRect().height > 600")

    # Accessibility of the embedded survey, checked inside the frame.
    inner = page.frames[1]
    inner.add_script_tag(path=str(AXE_JS))
    violations = inner.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations.map(v => v.id)"""
    )
    assert violations == []

    frame.locator(".scale--csat label").nth(3).click()  # people click the visible label
    frame.locator(".survey-form button[type=submit]").click()
    frame.locator(".survey--done").wait_for()
    stored = Response.objects.get()
    assert stored.channel == Channel.WIDGET and stored.language == "sv" and stored.unit == publication.unit

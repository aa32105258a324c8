"""The main navigation marks the section a page belongs to, subnav pages included."""

import re

from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def current_items(html: str) -> list[str]:
    nav = html[html.index('class="main-nav"') :]
    nav = nav[: nav.index("</nav>")]
    return re.findall(r'aria-current="page">([^<]+)</a>', nav)


def test_settings_pages_under_other_addresses_are_in_the_settings_section(world: World) -> None:
    admin = world.users[Role.ADMIN]
    admin.language = "en"
    admin.save()
    client = client_for(admin)
    for path in ["/organisation/settings/", "/organisation/webhooks/", "/organisation/api-keys/"]:
        assert current_items(client.get(path).content.decode()) == ["Settings"], path
    assert current_items(client.get("/organisation/units/").content.decode()) == ["Units"]
    assert current_items(client.get("/dashboards/reports/").content.decode()) == ["Dashboards"]


def test_the_reports_page_is_in_the_dashboards_subnav(world: World) -> None:
    viewer = world.users[Role.VIEWER]
    viewer.language = "en"
    viewer.save()
    html = client_for(viewer).get("/dashboards/").content.decode()
    subnav = html[html.index('aria-label="Dashboards"') :]
    subnav = subnav[: subnav.index("</nav>")]
    assert 'href="/dashboards/reports/"' in subnav and "PDF reports" in subnav
    assert 'href="/dashboards/wall/' in subnav


def test_the_survey_settings_pages_keep_surveys_marked(world: World) -> None:
    lead = world.users[Role.CX_LEAD]
    lead.language = "en"
    lead.save()
    client = client_for(lead)
    for path in [
        "/feedback/service-paths/",
        "/feedback/catalogue/",
        "/feedback/targets/",
        "/feedback/kiosks/on-hold/",
    ]:
        assert current_items(client.get(path).content.decode()) == ["Surveys"], path

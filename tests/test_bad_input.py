"""Bad input gets a 4xx with a clear message, never a 500, and the API's error bodies are
the ones its OpenAPI schema documents (a schema-driven client can read every refusal)."""

import json
from typing import Any

import pytest
from django.test import Client

from kuulo.core.api import ErrorOut
from kuulo.feedback.models import Response
from kuulo.feedback.testing import make_publication
from kuulo.organisations import services as org_services
from kuulo.organisations.access import Permission
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for

YEAR_ONE = {"period": "custom", "start": "0001-01-01", "end": "0001-01-31"}


def api_client(world: World, *permissions: str) -> Client:
    _, secret = org_services.create_api_key(
        organisation=world.org, name="Client", permissions=list(permissions), whole_organisation=True
    )
    return Client(headers={"authorization": f"Bearer {secret}", "accept-language": "en"})


def documented_error(path: str, method: str, status: int) -> str:
    operation = Client().get("/api/openapi.json").json()["paths"][path][method]
    return json.dumps(operation["responses"][str(status)])


@pytest.mark.parametrize(
    "url", ["/dashboards/", "/dashboards/export/?download=csv&", "/dashboards/units/{unit}/"]
)
def test_a_year_one_period_on_the_dashboards_is_refused_clearly(world: World, url: str) -> None:
    client = client_for(world.users[Role.CX_LEAD])
    client.cookies["django_language"] = "en"
    query = "&".join(f"{key}={value}" for key, value in YEAR_ONE.items())
    address = url.format(unit=world.unit.pk)
    response = client.get(address + ("" if address.endswith("&") else "?") + query)
    assert response.status_code < 500
    if response["Content-Type"].startswith("text/html"):
        assert "Choose days between 2000-01-01 and 2099-12-31." in response.content.decode()


def test_a_year_one_period_in_the_report_form_is_refused_clearly(world: World) -> None:
    client = client_for(world.users[Role.CX_LEAD])
    client.cookies["django_language"] = "en"
    form = {f"report-{key}": value for key, value in YEAR_ONE.items()} | {"report-language": "fi"}
    response = client.post("/dashboards/reports/new/", form)
    assert response.status_code == 400 or "Choose days between" in response.content.decode()


def test_a_year_one_period_in_the_api_is_a_documented_422(world: World) -> None:
    client = api_client(world, Permission.VIEW_INSIGHTS)
    response = client.get("/api/v1/insights/units?start=0001-01-01&end=0001-01-02")
    assert response.status_code == 422
    body = ErrorOut.model_validate(response.json())
    assert "2000-01-01" in body.detail and body.errors[0].field == "start"
    assert "ErrorOut" in documented_error("/api/v1/insights/units", "get", 422)


def test_a_malformed_body_gets_the_documented_error_shape(world: World) -> None:
    client = api_client(world, Permission.SUBMIT_RESPONSES)
    body = {"responses": [{"link": "x", "answers": {"csat": 4}}, {"link": "y", "answers": "not an object"}]}
    response = client.post("/api/v1/responses", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    error = ErrorOut.model_validate(response.json())  # before: detail was pydantic's list
    assert isinstance(response.json()["detail"], str)
    assert [(e.index, e.field) for e in error.errors] == [(1, "answers")]
    assert "ErrorOut" in documented_error("/api/v1/responses", "post", 422)
    bad_query = client.get("/api/v1/insights/units?start=yesterday")
    assert bad_query.status_code in (403, 422)
    ErrorOut.model_validate(bad_query.json())


def test_a_body_over_the_limit_is_a_413_not_a_500(world: World, settings: Any) -> None:
    publication = make_publication(world.unit)
    client = api_client(world, Permission.SUBMIT_RESPONSES)
    item = {"link": publication.code, "answers": {"csat": 4, "open": "x" * 4000}}
    body = json.dumps({"responses": [item] * 700})  # about 2.8 MB
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post("/api/v1/responses", data=body, content_type="application/json")
    assert response.status_code == 413
    assert "fewer responses" in ErrorOut.model_validate(response.json()).detail
    assert not Response.objects.exists()
    assert "ErrorOut" in documented_error("/api/v1/responses", "post", 413)

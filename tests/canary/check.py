"""Fetching everything as one principal, searching it, and trying ids out of scope."""

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django import forms
from django.db.models import Model
from django.forms import BaseForm
from django.urls import resolve, reverse

from kuulo.organisations.access import has_permission
from kuulo.organisations.models import Unit
from kuulo.organisations.testing import ApiBody

from ..routes import Route, all_routes
from .api import API_BODIES, body_json, objects_for
from .markers import Marker, MarkerIndex, scope_of_model
from .pages import (
    FIELD_VALUES,
    ID_PARAMETERS,
    NOT_IDS,
    HtmlForm,
    Page,
    Probe,
    Response,
    context_forms,
    fill,
    readable,
    route_of,
)
from .sight import Sight, changed, fingerprint
from .world import CanaryWorld, Principal


@dataclass
class Leak:
    principal: str
    route: str
    method: str
    url: str
    marker: Marker

    def __str__(self) -> str:
        return f"{self.method} {self.url} ({self.route}) shows {self.marker.text} to {self.principal}"


@dataclass
class Findings:
    leaks: list[Leak] = field(default_factory=list)  # markers the principal must not see
    changes: list[str] = field(default_factory=list)  # out-of-scope rows changed by a request
    missing: list[str] = field(default_factory=list)  # markers the principal should find but did not
    untaught: list[str] = field(default_factory=list)  # what the check cannot fill or try yet
    unfilled: list[str] = field(default_factory=list)  # in-scope controls that did not succeed
    errors: list[str] = field(default_factory=list)  # requests that crashed
    formats: set[str] = field(default_factory=set)
    requests: int = 0

    def problems(self) -> list[str]:
        """One line per problem; a marker leaking from one route is one problem."""
        leaks: dict[tuple[str, str], list[Leak]] = {}
        for leak in self.leaks:
            leaks.setdefault((leak.route, leak.marker.text), []).append(leak)
        return [
            *(f"leak: {found[0]} (and {len(found) - 1} more like it)" for found in leaks.values()),
            *(f"changed out of scope: {c}" for c in self.changes),
            *(f"never shown: {m}" for m in self.missing),
            *(f"teach the canary test: {u}" for u in self.untaught),
            *(f"in-scope control failed: {u}" for u in self.unfilled),
            *(f"crashed: {e}" for e in self.errors),
        ]


class Checker:
    """One principal's run: walk the pages and the API, then try what they offer out of scope."""

    def __init__(self, world: CanaryWorld, principal: Principal, routes: list[Route]) -> None:
        self.world = world
        self.principal = principal
        self.routes = routes
        self.client = principal.client()
        self.sight = Sight(principal)
        self.index = MarkerIndex(world.markers)
        self.findings = Findings()
        self.seen: set[Marker] = set()
        self.followed: set[Any] = set()
        self.probes: dict[Any, Probe] = {}
        self.mixed_posts: list[str] = []  # addresses naming an object in scope and one out of it
        self.api_posts: list[tuple[str, ApiBody]] = []

    # Fetching and searching

    def fetch(
        self, method: str, url: str, data: Any = None, *, public_unit: Unit | None = None, json: bool = False
    ) -> Response | None:
        headers = self.principal.headers
        try:
            if method == "GET":
                response = self.client.get(url, headers=headers)
            elif json:
                response = self.client.post(url, data=data, content_type="application/json", headers=headers)
            else:
                response = self.client.post(url, data=data or {}, headers=headers)
        except Exception as error:  # a crash is reported, and the rest still checked
            self.findings.errors.append(f"{method} {url}: {error!r}")
            return None
        self.findings.requests += 1
        text, kind = readable(response)
        self.findings.formats.add(kind)
        for marker in self.index.find(text):
            if self.sight.may_see(marker, public_unit):
                self.seen.add(marker)
            else:
                route = route_of(url) or url
                self.findings.leaks.append(Leak(self.principal.name, route, method, url, marker))
        return response

    # Pages

    def walk_pages(self) -> None:
        if self.principal.key is not None:
            return  # a key reaches the API only; to pages it is an anonymous visitor
        for route in self.routes:
            if route.is_api or (route.params and not route.is_kuulo_view):
                continue  # the API is walked from its schema; third-party pages' tokens name nothing
            if not route.params:
                self.page(reverse(route.name), None)
            elif missing := [p for p in route.params if p not in self.world.url_values]:
                self.findings.untaught.append(f"{route.name}: what parameter(s) {missing} name")
            else:
                self.walk_objects(route)
        for url in [*self.world.extra_urls, *self.principal.own_urls]:
            self.page(url, None)

    def walk_objects(self, route: Route) -> None:
        """The route with every unit's objects; and, with several ids, one in scope with
        the others out of it (another unit's question of one's own survey, say)."""
        public = bool(route.rule and route.rule.public)
        if not public and not has_permission(self.principal.subject, route.rule.permission):  # type: ignore[union-attr]
            # @requires refuses before any object is read (the access-matrix test checks it).
            self.page(reverse(route.name, kwargs=self.kwargs(route, self.world.units[0])), None)
            return
        for unit in self.world.units:
            response = self.page(
                reverse(route.name, kwargs=self.kwargs(route, unit)), unit if public else None
            )
            if response is not None and response.status_code == 405:
                return  # POST only: refused before any object is read
        own = next((unit for unit in self.world.units if unit.pk in self.sight.units), None)
        ids = [p for p in route.params if len(set(self.world.url_values[p].values())) > 1]
        if own is None or public or len(ids) < 2:
            return
        for param in ids[1:]:
            for unit in self.world.units:
                if unit.pk not in self.sight.units:
                    url = reverse(
                        route.name, kwargs={**self.kwargs(route, own), param: self.kwargs(route, unit)[param]}
                    )
                    self.page(url, None)
                    self.mixed_posts.append(url)

    def kwargs(self, route: Route, unit: Unit) -> dict[str, Any]:
        return {p: self.world.url_values[p][unit.pk] for p in route.params}

    def page(self, url: str, public_unit: Unit | None) -> Response | None:
        """GET a page; follow its links and note its forms."""
        response = self.fetch("GET", url, public_unit=public_unit)
        if response is None or response.status_code != 200:
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        page = Page(response.content.decode())
        for href in page.links:
            self.follow(url, href, public_unit)
        forms_here = context_forms(response)
        for html_form in page.forms:
            self.discover_form(url, html_form, forms_here, public_unit)
        return response

    def follow(self, page_url: str, href: str, public_unit: Unit | None) -> None:
        """Open each kind of link with a query string once (sorting, exports, a unit's filter)
        and try the ids in it out of scope."""
        url = urljoin(page_url, href)
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or not parts.query:
            return
        route = route_of(url)
        if route is None or route.startswith("api:"):
            return
        query = parse_qsl(parts.query, keep_blank_values=True)
        key = (route, tuple(sorted((k, "#" if v.isdigit() else v) for k, v in query)))
        if key in self.followed:
            return
        self.followed.add(key)
        self.fetch("GET", url, public_unit=public_unit)
        ids = {}
        for name, value in query:
            if name in ID_PARAMETERS:
                ids[name] = ID_PARAMETERS[name]
            elif value.isdigit() and not NOT_IDS.fullmatch(name):
                self.findings.untaught.append(f"{route}: what ?{name}= names")
        if ids:
            self.add_probe(Probe("get", parts.path, route, dict(query), ids, public_unit))

    def discover_form(
        self, page_url: str, html_form: HtmlForm, django_forms: list[BaseForm], public_unit: Unit | None
    ) -> None:
        target = urljoin(page_url, html_form.action or page_url)
        route = route_of(target)
        if route is None:
            return
        names = set(html_form.offered) | {name for name, _value in html_form.values}
        # The Django form rendered into this HTML form: the one with most fields in it.
        fields: dict[str, forms.Field] = {}
        best = max(django_forms, key=lambda f: len(names & {f.add_prefix(n) for n in f.fields}), default=None)
        if best is not None:
            fields = {best.add_prefix(n): f for n, f in best.fields.items() if best.add_prefix(n) in names}
        ids: dict[str, type[Model]] = {}
        for name in sorted(names):
            form_field = fields.get(name)
            if form_field is not None:
                if isinstance(form_field, forms.ModelChoiceField):
                    model = form_field.queryset.model  # type: ignore[union-attr]
                    if scope_of_model(model) is not None:
                        ids[name] = model
            elif name in ID_PARAMETERS:
                ids[name] = ID_PARAMETERS[name]
            elif any(v.isdigit() for v in html_form.offered.get(name, [])) and not NOT_IDS.fullmatch(name):
                self.findings.untaught.append(f"{route}: what the form field {name!r} names")
        if not ids:
            return
        base: dict[str, Any] = {}
        for name, value in html_form.values:
            if name in base:
                base[name] = [*(base[name] if isinstance(base[name], list) else [base[name]]), value]
            else:
                base[name] = value
        for name, form_field in fields.items():
            multiple = isinstance(form_field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField)
            if multiple and name in base and not isinstance(base[name], list):
                base[name] = [base[name]]
            if (form_field.required or name in FIELD_VALUES) and not base.get(name):
                base[name] = fill(name, form_field)
        if html_form.method == "post" and html_form.submit:
            base.setdefault(*html_form.submit)
        self.add_probe(Probe(html_form.method, urlsplit(target).path, route, base, ids, public_unit))

    def add_probe(self, probe: Probe) -> None:
        self.probes.setdefault((probe.method, probe.route, frozenset(probe.ids)), probe)

    # Trying ids out of scope

    def run_probes(self) -> None:
        """Filters and links with out-of-scope ids first; then every form and API operation
        sent with out-of-scope ids, which may change nothing out of scope; then each sent
        as it is (in scope), which must succeed, or the tries above prove nothing."""
        posts = [probe for probe in self.probes.values() if probe.method == "post"]
        for probe in self.probes.values():
            if probe.method == "get":
                for name, model in probe.ids.items():
                    for pk in self.sight.samples(model):
                        url = f"{probe.url}?{urlencode(probe.with_id(name, pk), doseq=True)}"
                        self.fetch("GET", url, public_unit=probe.public_unit)
        before = fingerprint(self.sight)
        for probe in posts:
            for name, model in probe.ids.items():
                for pk in self.sight.samples(model):
                    self.fetch("POST", probe.url, probe.with_id(name, pk), public_unit=probe.public_unit)
        for url in self.mixed_posts:
            self.fetch("POST", url)
        subject = self.principal.subject
        for path, operation in self.api_posts:
            # Each object the body names out of scope in turn, the others the principal's own.
            own = next(
                (u for u in self.world.units if subject and has_permission(subject, operation.permission, u)),
                self.world.units[0],
            )
            for ref in operation.refs:
                for unit in self.world.units:
                    objects = objects_for(operation, self.world, own, **{ref: unit})
                    if self.sight.reaches(objects[ref]):
                        continue
                    response = self.fetch("POST", path, body_json(operation, objects), json=True)
                    if response is not None and response.status_code < 300:
                        self.findings.changes.append(
                            f"POST {path} naming {unit.code}'s {ref}: {response.status_code}"
                        )
        if differences := changed(before, fingerprint(self.sight)):
            sent = sorted(
                {p.route for p in posts} | {path for path, _ in self.api_posts} | set(self.mixed_posts)
            )
            self.findings.changes.append(f"after POSTs with out-of-scope ids to {sent}: {differences}")
        for probe in posts:
            control = self.fetch("POST", probe.url, probe.data(), public_unit=probe.public_unit)
            if control is not None and not succeeded(control):
                errors = [dict(f.errors) for f in context_forms(control) if f.errors]
                self.findings.unfilled.append(
                    f"POST {probe.url} ({probe.route}): {control.status_code} {errors}"
                )
        for path, operation in self.api_posts:
            for unit in self.world.units:
                if subject is not None and has_permission(subject, operation.permission, unit):
                    objects = objects_for(operation, self.world, unit)
                    response = self.fetch("POST", path, body_json(operation, objects), json=True)
                    if response is not None and response.status_code >= 300:
                        self.findings.unfilled.append(
                            f"POST {path} naming {unit.code}: {response.status_code}"
                        )

    # The API, from its own schema

    def walk_api(self) -> None:
        response = self.fetch("GET", reverse("api:openapi-json"))
        assert response is not None and response.status_code == 200
        schema = response.json()
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                parameters = operation.get("parameters", [])
                in_path = [p["name"] for p in parameters if p["in"] == "path"]
                flags = [
                    p["name"]
                    for p in parameters
                    if p["in"] == "query" and p.get("schema", {}).get("type") == "boolean"
                ]
                if method == "get":
                    for url in self.api_urls(path, in_path):
                        self.fetch("GET", url)
                        if flags:
                            self.fetch("GET", f"{url}?{urlencode(dict.fromkeys(flags, 'true'))}")
                elif method == "post" and not in_path:
                    if (name := resolve(path).url_name) in API_BODIES:
                        self.api_posts.append((path, API_BODIES[name]))
                    else:
                        where = f"CANARY.api_bodies[{name!r}] in its app's testing.py"
                        self.findings.untaught.append(f"a valid body for POST {path} ({where})")
                else:
                    self.findings.untaught.append(f"the API's {method.upper()} {path}")

    def api_urls(self, path: str, params: list[str]) -> list[str]:
        if not params:
            return [path]
        if missing := [p for p in params if p not in self.world.url_values]:
            self.findings.untaught.append(f"{path}: what parameter(s) {missing} name")
            return []
        return [
            path.format(**{p: self.world.url_values[p][unit.pk] for p in params}) for unit in self.world.units
        ]

    def expectations(self) -> None:
        for marker in self.world.markers:
            if self.sight.must_find(marker) and marker not in self.seen:
                self.findings.missing.append(f"{marker.text} (nothing listed it to {self.principal.name})")


def succeeded(response: Response) -> bool:
    """A form was accepted: redirected onwards (not to sign in), or shown again without errors."""
    if response.status_code == 302:
        return "/accounts/login/" not in response["Location"]
    return response.status_code == 200 and not any(f.errors for f in context_forms(response))


def check(world: CanaryWorld, principal: str, routes: list[Route] | None = None) -> Findings:
    """Everything `principal` is sent, searched for markers it must not see; ids tried out of scope."""
    checker = Checker(world, world.principals[principal], routes if routes is not None else all_routes())
    # Hundreds of 403s and 404s are expected: their log lines (with tracebacks) only cost time.
    quiet = [logging.getLogger(name) for name in ("django.request", "pypdf")]
    levels = [log.level for log in quiet]
    for log in quiet:
        log.setLevel(logging.CRITICAL)
    try:
        checker.walk_pages()
        checker.walk_api()
        checker.run_probes()
        checker.expectations()
    finally:
        for log, level in zip(quiet, levels, strict=True):
            log.setLevel(level)
    return checker.findings

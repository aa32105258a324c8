"""Every URL pattern of the project, as the access tests walk them."""

from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from kuulo.organisations.access import AccessRule


@dataclass
class Route:
    name: str
    params: list[str]
    callback: Any

    @property
    def rule(self) -> AccessRule | None:
        return getattr(self.callback, "access_rule", None)

    @property
    def is_kuulo_view(self) -> bool:
        return getattr(self.callback, "__module__", "").startswith("kuulo.")

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")


def all_routes(urlconf: str | None = None) -> list[Route]:
    """Every named pattern of `urlconf` (default: the project's, ROOT_URLCONF)."""
    routes = []

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
                params = list(pattern.pattern.regex.groupindex)
                routes.append(Route(name, params, pattern.callback))

    walk(get_resolver(urlconf).url_patterns, None)
    return routes

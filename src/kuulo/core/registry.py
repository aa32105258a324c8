"""What each app adds to the whole, declared in the app's own `declarations.py`.

A new app must not have to edit lists that live in other apps: the audit log's actions,
who gets which permission, the main navigation, the pages under Settings. Each app
declares its own with the functions below in `<app>/declarations.py`; `CoreConfig.ready()`
imports every installed app's declarations module (as Django's admin finds `admin.py`),
so the lists are complete once Django has started. They are the same on every server:
declarations are code, not data.

`core` imports no app: it only holds these lists, and the apps fill them.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class PermissionSpec:
    code: str
    roles: frozenset[str]  # roles holding it besides the organisation admin, who holds every one
    api_key_label: StrOrPromise | None  # set when an API key may be given it


@dataclass(frozen=True)
class NavItem:
    label: StrOrPromise
    url_name: str
    permission: str | None  # None: every signed-in member
    order: int
    # Pages under other addresses that belong to this item's section (its subnav).
    section: tuple[str, ...] = ()
    # A number shown beside the label (e.g. open cases in the user's units), and what it
    # counts, for screen readers.
    count: Callable[[Any], int] | None = None
    count_label: StrOrPromise = ""


@dataclass(frozen=True)
class SettingsPage:
    label: StrOrPromise
    url_name: str
    key: str  # what a page passes as `current` to mark itself in the subnav
    permission: str
    order: int


@dataclass(frozen=True)
class HomePanel:
    template: str  # rendered with the context `build` returns, in the home page's grid
    build: Callable[[Any], dict[str, Any] | None]  # (request) -> context, or None: nothing to show
    permission: str | None  # None: every signed-in member
    order: int


@dataclass
class Registry:
    permissions: dict[str, PermissionSpec] = field(default_factory=dict)
    audit_actions: dict[str, StrOrPromise] = field(default_factory=dict)
    navigation: list[NavItem] = field(default_factory=list)
    settings_pages: list[SettingsPage] = field(default_factory=list)
    home_panels: list[HomePanel] = field(default_factory=list)


registry = Registry()


def permission(code: str, *, roles: tuple[str, ...] = (), api_key_label: StrOrPromise | None = None) -> str:
    """Declare a permission and the roles that hold it (the organisation admin holds all)."""
    _unique(registry.permissions, code, "permission")
    registry.permissions[code] = PermissionSpec(code, frozenset(roles), api_key_label)
    return code


def audit_action(code: str, label: StrOrPromise) -> str:
    """Declare an action the audit log records, with the label administrators see."""
    _unique(registry.audit_actions, code, "audit action")
    registry.audit_actions[code] = label
    return code


def navigation(
    label: StrOrPromise,
    url_name: str,
    permission: str | None,
    *,
    order: int,
    section: tuple[str, ...] = (),
    count: Callable[[Any], int] | None = None,
    count_label: StrOrPromise = "",
) -> None:
    """An item of the main navigation, shown to those holding `permission` somewhere;
    `count(user)`, if given, is shown beside it when not zero."""
    registry.navigation.append(NavItem(label, url_name, permission, order, section, count, count_label))
    registry.navigation.sort(key=lambda item: item.order)


def settings_page(label: StrOrPromise, url_name: str, key: str, permission: str, *, order: int) -> None:
    """A page under Settings (its subnav), for those holding `permission`."""
    registry.settings_pages.append(SettingsPage(label, url_name, key, permission, order))
    registry.settings_pages.sort(key=lambda page: page.order)


def home_panel(
    template: str, build: Callable[[Any], dict[str, Any] | None], permission: str | None, *, order: int
) -> None:
    """A panel of the signed-in home page, for those holding `permission` somewhere:
    `build(request)` gives the template's context (None when there is nothing to show).
    Panels keep their own reads small: the home page is everyone's first page."""
    registry.home_panels.append(HomePanel(template, build, permission, order))
    registry.home_panels.sort(key=lambda panel: panel.order)


def _unique(declared: Mapping[str, object], code: str, what: str) -> None:
    if code in declared:
        raise ImproperlyConfigured(f"The {what} {code!r} is declared twice.")

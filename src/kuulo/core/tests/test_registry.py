"""Apps add themselves: permissions, audit actions, navigation and settings pages are
declared in each app's own `declarations.py`, and `core` imports no app."""

import ast
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from kuulo.core import registry as declared
from kuulo.core.registry import registry
from kuulo.organisations.access import Permission, role_permissions
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for

CORE = Path(declared.__file__).parent


def test_core_imports_no_app() -> None:
    for path in CORE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith("kuulo.") or name.startswith("kuulo.core"), f"{path}: {name}"


def test_every_permission_constant_is_declared_by_an_app() -> None:
    assert {str(p) for p in Permission} <= set(registry.permissions)


def test_roles_hold_what_the_apps_granted_and_admins_hold_everything() -> None:
    assert role_permissions(Role.ADMIN) == frozenset(registry.permissions)
    assert Permission.CONFIGURE_FEEDBACK in role_permissions(Role.CX_LEAD)
    assert Permission.CONFIGURE_FEEDBACK not in role_permissions(Role.MANAGER)
    assert role_permissions(Role.VIEWER) == {Permission.VIEW_UNITS, Permission.VIEW_INSIGHTS}


def test_a_declaration_is_made_once() -> None:
    with pytest.raises(ImproperlyConfigured):
        declared.audit_action("auth.login", "Twice")


def test_a_new_app_adds_its_permission_navigation_and_settings_page_without_editing_others(
    world: World, monkeypatch: Any
) -> None:
    """What a new app's declarations.py does: a permission of its own for CX leads, a
    navigation item and an audit action, with nothing in another app's lists changed."""
    monkeypatch.setattr(
        declared,
        "registry",
        fresh := declared.Registry(
            permissions=dict(registry.permissions),
            audit_actions=dict(registry.audit_actions),
            navigation=list(registry.navigation),
            settings_pages=list(registry.settings_pages),
        ),
    )
    monkeypatch.setattr("kuulo.organisations.access.registry", fresh)
    monkeypatch.setattr("kuulo.pages.context_processors.registry", fresh)
    panel = declared.permission("panel.manage", roles=(Role.CX_LEAD,))
    declared.navigation("Customer panel", "feedback:survey_list", panel, order=55)
    declared.audit_action("panel.member_joined", "Panel member joined")
    lead, manager = client_for(world.users[Role.CX_LEAD]), client_for(world.users[Role.MANAGER])
    assert "Customer panel" in lead.get("/").content.decode()
    assert "Customer panel" not in manager.get("/").content.decode()

"""Fixtures shared by the whole suite."""

from typing import Any

import pytest
from django.core.cache import cache

from kuulo.organisations.testing import PASSWORD, World, build_world


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit counters live in the cache; no test may inherit another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def password() -> str:
    return PASSWORD

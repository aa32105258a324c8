"""Fixtures the import tests share (test_imports.py, test_import_limits.py)."""

from collections.abc import Iterator

import pytest
from django.utils import translation

from kuulo.feedback.models import SurveyPublication
from kuulo.feedback.testing import make_publication
from kuulo.organisations.testing import World


@pytest.fixture
def english() -> Iterator[None]:
    """Messages read in English (the assertions are); requests use their user's language."""
    with translation.override("en"):
        yield


@pytest.fixture
def publication(world: World) -> SurveyPublication:
    return make_publication(world.unit, items=("csat", "open"))

"""Fixtures for webhook tests."""

from collections.abc import Iterator
from typing import Any

import pytest

from kuulo.webhooks.testing import Receiver, running_receiver


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    # The receiver is on this machine: a private address that production refuses.
    settings.KUULO_WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    with running_receiver() as state:
        yield state

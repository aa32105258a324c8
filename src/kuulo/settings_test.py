"""Settings for the test suite: the normal settings with KUULO_ENV=test."""

import os

os.environ["KUULO_ENV"] = "test"

from kuulo.settings import *  # noqa: F403

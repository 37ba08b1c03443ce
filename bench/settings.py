"""Settings for the GET benchmark: the service's own settings, plus trivial endpoints to compare with."""

from core.settings import *  # noqa: F403 (the benchmark measures the real configuration)

ROOT_URLCONF = "bench.urls"

"""Settings for the GET benchmark: the service's own settings, plus trivial endpoints to compare with."""

import os

from core.settings import *  # noqa: F403 (the benchmark measures the real configuration)

ROOT_URLCONF = "bench.urls"


if os.environ.get("BENCH_NO_HEALTH_CHECKS"):
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405

"""What the db entrypoint's password step costs a start: `python bench/db_entrypoint_sync.py [RUNS]`, as root.

docker/entrypoint-db.sh runs before the postgres image's entrypoint on every start of the db
service. On a new volume it only writes the password file; on a volume with a cluster it also sets
the password (a server of its own on a private socket, ALTER ROLE, stop). Runs both, alternated,
with the test's stand-ins for the image's entrypoint and gosu and a real cluster made with the
embedded wheel's PostgreSQL (tests/test_entrypoint_db_password.py), and prints the medians.
"""

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
django.setup()

from tests import test_entrypoint_db_password as db_entrypoint  # noqa: E402


def main(runs: int) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="deals-bench-db-entrypoint-"))
    stand_ins = scratch / "bin"
    stand_ins.mkdir()
    for name, text in {"docker-entrypoint.sh": db_entrypoint.IMAGE_ENTRYPOINT, "gosu": db_entrypoint.GOSU}.items():
        (stand_ins / name).write_text(text)
        (stand_ins / name).chmod(0o755)
    cluster = db_entrypoint.Cluster(password="deals")
    timings: dict[str, list[float]] = {"new volume": [], "existing cluster": []}
    try:
        for run in range(runs):
            order = list(timings) if run % 2 == 0 else list(reversed(timings))
            for case in order:
                pgdata = scratch / "no-cluster" if case == "new volume" else cluster.pgdata
                password_file = scratch / f"password-{case.replace(' ', '-')}-{run}"
                started = time.monotonic()
                db_entrypoint.start_db(stand_ins, password_file, pgdata)
                timings[case].append(time.monotonic() - started)
    finally:
        shutil.rmtree(cluster.folder)
        shutil.rmtree(scratch)
    for case, seconds in timings.items():
        print(f"{case:17} median {statistics.median(seconds):.2f} s  runs {[round(s, 2) for s in seconds]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)

"""What the Python side of reading an upload costs: `python bench/source_cost.py FILE...` (see docs/benchmarks.md).

For each file, the CPU seconds (best of --runs) of reading it to the end through the layers an
upload goes through before COPY: decompression alone, then everything (decompression,
transcoding, line-end and blank-line cleaning, quote tracking) as CopySource hands it to COPY.
No database is involved. Run it from an older checkout (PYTHONPATH) to compare: without
deals/source the file goes straight into CopySource, as it did then.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")

import django

django.setup()

from deals.source.csv_format import CHUNK_BYTES, CopySource  # noqa: E402

try:
    from deals.source.compression import Decompressed
    from deals.source.stream import csv_stream
except ImportError:  # a checkout from before deals/source
    Decompressed = csv_stream = None


def cpu_seconds(action) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


def drain(reader) -> None:
    while reader.read(CHUNK_BYTES):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("| file | MB | decompression CPU s | all layers to COPY CPU s |")
    print("|---|---:|---:|---:|")
    for path in args.files:
        results = []
        for layers in ("decompress", "all"):
            if layers == "decompress" and Decompressed is None:
                results.append(None)
                continue
            runs = []
            for _ in range(args.runs):
                with path.open("rb") as file:
                    if layers == "decompress":
                        runs.append(cpu_seconds(lambda f=file: drain(Decompressed(f, limit=1 << 40))))
                    else:
                        stream = csv_stream(file) if csv_stream else file
                        runs.append(cpu_seconds(lambda s=stream: drain(CopySource(s))))
            results.append(min(runs))
        cells = ["" if r is None else f"{r:.2f}" for r in results]
        print(f"| {path.name} | {path.stat().st_size / 1e6:.0f} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()

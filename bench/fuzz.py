"""The long fuzz run: the tests in tests/fuzz with many more examples, every failure listed, grouped.

    python bench/fuzz.py               # 10x the CI examples (tens of thousands of cases, ~30 min)
    python bench/fuzz.py --scale 2     # 2x
    python bench/fuzz.py --scale 0.2   # a smoke run

In CI the same tests stop at the first failing example; here failures are collected instead (the
RNNLENS_FUZZ_COLLECT file), so one run lists every distinct problem. At scale > 1 the costly values join
in (a batch size of 10^9). Prints the number of cases run, then each distinct failure once, with a count.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=10.0, help="multiplier of every max_examples"
    )
    parser.add_argument("tests", nargs="*", default=["tests/fuzz"], help="test paths to run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        failures = Path(folder) / "failures.jsonl"
        counts = Path(folder) / "counts.json"
        env = {
            **os.environ,
            "RNNLENS_FUZZ_SCALE": str(args.scale),
            "RNNLENS_FUZZ_COLLECT": str(failures),
            "RNNLENS_FUZZ_COUNTS": str(counts),
        }
        command = [sys.executable, "-m", "pytest", *args.tests, "-q", "-p", "no:cacheprovider"]
        code = subprocess.call(command, cwd=ROOT, env=env)
        total = json.loads(counts.read_text()) if counts.exists() else {"total": 0}
        records = [json.loads(line) for line in failures.open()] if failures.exists() else []
    print(f"\n{total.pop('total')} fuzz cases: {json.dumps(total)}")
    groups = collections.Counter(_signature(record["message"]) for record in records)
    print(f"{len(records)} failing case(s), {len(groups)} distinct:")
    for signature, count in groups.most_common():
        print(f"  {count:5d} x {signature}")
    return 1 if records or code else 0


def _signature(message: str) -> str:
    """A failure without its paths, numbers and sample values, so repeats of one cause group together."""
    first, _, rest = message.partition("\n")
    detail = [line.strip() for line in rest.splitlines() if not line.strip().startswith("output:")]
    label = re.search(r"\[([^\]]*)\]\s*$", first)
    text = label.group(1) if label else first
    if first.startswith("accepted a wrong input"):
        text = f"accepted: {text}"
    text = " | ".join([text, *detail])
    text = re.sub(r"/\S+", "<path>", text)
    return re.sub(r"\b\d+\b", "N", text)[:300]


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark fleets (issue #15): sequences per second by engine, and peak memory against the fleet's size.

    python bench/fleet.py            # both parts, default sizes (about 5 minutes on 2 cores)
    python bench/fleet.py --quick    # small sizes, for a smoke run (about 2 minutes)
    python bench/fleet.py speed      # local engine and Ray, each with 1 and with 2 workers, on the same fleet
    python bench/fleet.py memory     # local engine on N and 10 N sequences (a Parquet long table)

Model: 2 x LSTM(64) -> Dense(1) over 100 steps x 8 features, explained by integrated gradients (the
predict and attribute tasks), where compute dominates. Every run is its own process (fresh Ray, fresh
TensorFlow); its whole process tree (workers, Ray's actors and daemons) is sampled from /proc.

Throughput is the steady state, between 25 % and 90 % of the fleet written: start-up (process spawn,
TensorFlow import, model load, Ray start) is reported apart, since it is paid once per run, not per
sequence, and the tail (a worker idle while the last chunk finishes) is left out.

Goals: Ray on 2 workers >= 1.6 x Ray on 1 worker; the local engine's peak RSS on 10 N sequences within
1.2 x its peak on N.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

STEPS, FEATURES, UNITS = 100, 8, 64
MEMORY_STEPS = (
    4  # integration steps in the memory runs: what is measured there is streaming, not compute
)


def build_model(path: Path) -> None:
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((STEPS, FEATURES)),
            keras.layers.LSTM(UNITS, return_sequences=True, name="lstm_1"),
            keras.layers.LSTM(UNITS, name="lstm_2"),
            keras.layers.Dense(1, name="head"),
        ]
    )
    model.save(path)


def write_npy(path: Path, n: int) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    array = np.lib.format.open_memmap(path, mode="w+", dtype="float32", shape=(n, STEPS, FEATURES))
    for start in range(0, n, 1000):
        stop = min(start + 1000, n)
        array[start:stop] = rng.normal(size=(stop - start, STEPS, FEATURES))
    array.flush()


def write_parquet(path: Path, n: int) -> None:
    """A long table (one row per sequence and step), written 1,000 sequences at a time."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    writer = None
    try:
        for start in range(0, n, 1000):
            count = min(1000, n - start)
            values = rng.normal(size=(count * STEPS, FEATURES)).astype("float32")
            columns = {
                "engine": np.repeat(np.arange(start, start + count), STEPS),
                "cycle": np.tile(np.arange(STEPS), count),
                **{f"s{k}": values[:, k] for k in range(FEATURES)},
            }
            table = pa.table(columns)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=STEPS * 250)
    finally:
        if writer is not None:
            writer.close()


class TreeRss:
    """Peak resident memory of a process and all its descendants, sampled from /proc every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree_rss_mb(self) -> float:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, parent = int(entry), int(fields[1])
            children.setdefault(parent, []).append(pid)
            rss[pid] = int(fields[21])  # pages
        total, stack = 0, [self.pid]
        while stack:
            pid = stack.pop()
            total += rss.get(pid, 0)
            stack.extend(children.get(pid, []))
        return total * os.sysconf("SC_PAGE_SIZE") / 2**20

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._tree_rss_mb())
            time.sleep(0.05)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_one(engine: str, workers: int, model: Path, data: Path, chunk: int, n_steps: int) -> dict:
    """One fleet run in a child process; returns its timings and the peak RSS of its process tree."""
    with tempfile.TemporaryDirectory(dir=model.parent) as folder:
        command = [
            sys.executable,
            __file__,
            "_child",
            engine,
            str(workers),
            str(model),
            str(data),
            str(Path(folder) / "out"),
            str(chunk),
            str(n_steps),
        ]
        load = os.getloadavg()[0]  # other work on the machine shares the cores and skews the rates
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        with TreeRss(process.pid) as memory:
            output, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"{engine} x{workers} failed (exit {process.returncode})")
        result = json.loads(output.decode().strip().splitlines()[-1])
        result["peak_rss_mb"] = memory.peak_mb
        result["load"] = load
        return result


def child(
    engine: str, workers: int, model: str, data: str, out: str, chunk: int, n_steps: int
) -> None:
    from rnnlens.fleet import batch

    done: list[tuple[float, int]] = []
    start = time.perf_counter()
    summary = batch(
        model,
        data,
        out,
        engine=engine,
        workers=workers,
        chunk_size=chunk,
        tasks="predict,attribute",
        method="integrated_gradients",
        n_steps=n_steps,
        faithfulness=False,
        on_progress=lambda n: done.append((time.perf_counter(), n)),
    )
    end = time.perf_counter()
    # Steady state: between the chunks that bring the count to 25 % and to 90 % of the fleet, every worker
    # has started (start-up is behind) and none is idle waiting for the last chunks (no tail).
    times = [t for t, _ in done]
    counts = list(itertools.accumulate(n for _, n in done))
    first = next(i for i, c in enumerate(counts) if c >= 0.25 * counts[-1])
    last = next(i for i, c in enumerate(counts) if c >= 0.9 * counts[-1])
    print(
        json.dumps(
            {
                "n": summary.n_sequences,
                "wall_s": end - start,
                "startup_s": done[0][0] - start,
                "rate": (counts[last] - counts[first]) / max(times[last] - times[first], 1e-9),
            }
        )
    )


def speed(folder: Path, n: int, chunk: int, n_steps: int) -> list[tuple[str, dict]]:
    model, data = folder / "model.keras", folder / f"speed_{n}.npy"
    write_npy(data, n)
    runs = []
    for engine, workers in (("local", 1), ("local", 2), ("ray", 1), ("ray", 2)):
        result = run_one(engine, workers, model, data, chunk, n_steps)
        runs.append((f"{engine} x{workers}", result))
        print(
            f"  {engine:5} {workers} worker(s): {result['rate']:7.1f} seq/s steady (start-up "
            f"{result['startup_s']:.1f} s), {result['n'] / result['wall_s']:6.1f} seq/s end to end, "
            f"load average before {result['load']:.1f} on {os.cpu_count()} cores",
            flush=True,
        )
    return runs


def memory(folder: Path, n: int, chunk: int, n_steps: int) -> list[tuple[int, dict]]:
    model = folder / "model.keras"
    runs = []
    for size in (n, 10 * n):
        data = folder / f"fleet_{size}.parquet"
        write_parquet(data, size)
        result = run_one("local", 2, model, data, chunk, n_steps)
        runs.append((size, result))
        print(
            f"  local on {size:6} sequences: peak RSS {result['peak_rss_mb']:7.0f} MB (process tree), "
            f"{result['wall_s']:.0f} s",
            flush=True,
        )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("part", nargs="?", choices=("speed", "memory", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    sizes = (
        {"speed_n": 320, "speed_chunk": 16, "speed_steps": 8, "memory_n": 200, "memory_chunk": 50}
        if args.quick
        else {
            "speed_n": 2048,
            "speed_chunk": 64,
            "speed_steps": 32,
            "memory_n": 500,
            "memory_chunk": 100,
        }
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="rnnlens-fleet-bench-") as tmp:
        folder = Path(tmp)
        build_model(folder / "model.keras")
        if args.part in ("speed", "both"):
            print(
                f"speed: {sizes['speed_n']} sequences, chunks of {sizes['speed_chunk']}, IG with "
                f"{sizes['speed_steps']} steps",
                flush=True,
            )
            runs = dict(speed(folder, sizes["speed_n"], sizes["speed_chunk"], sizes["speed_steps"]))
            for name, result in runs.items():
                rows.append((f"{name} seq/s", f"{result['rate']:.1f}"))
            ratio = runs["ray x2"]["rate"] / runs["ray x1"]["rate"]
            rows.append(("Ray 2 workers / 1 worker", f"{ratio:.2f}x (aim >= 1.6x)"))
            ratio = runs["local x2"]["rate"] / runs["local x1"]["rate"]
            rows.append(("local 2 workers / 1 worker", f"{ratio:.2f}x"))
        if args.part in ("memory", "both"):
            print(f"memory: local engine, 2 workers, chunks of {sizes['memory_chunk']}", flush=True)
            (small, low), (big, high) = memory(
                folder, sizes["memory_n"], sizes["memory_chunk"], MEMORY_STEPS
            )
            rows.append((f"peak RSS, {small} sequences", f"{low['peak_rss_mb']:.0f} MB"))
            rows.append((f"peak RSS, {big} sequences", f"{high['peak_rss_mb']:.0f} MB"))
            ratio = high["peak_rss_mb"] / low["peak_rss_mb"]
            rows.append(("RSS(10 N) / RSS(N)", f"{ratio:.2f} (aim <= 1.2)"))
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        engine, workers, model, data, out, chunk, n_steps = sys.argv[2:9]
        child(engine, int(workers), model, data, out, int(chunk), int(n_steps))
    else:
        main()

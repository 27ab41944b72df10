"""Benchmark rnnlens.trace: speed against model.predict, and peak memory of a streamed trace.

    python bench/trace.py            # both parts, full size (each in its own process)
    python bench/trace.py --quick    # smaller sizes, for a smoke run
    python bench/trace.py speed      # time(trace) / time(model.predict) and / its floor: 2 x LSTM(64),
                                     # batch 256, 200 steps
    python bench/trace.py memory     # trace_to_file of 10,000 x 1,000 steps under a memory budget; peak RSS

The floor is one compiled forward pass of the model over the same batch (rnnlens's backend seam, no
``predict`` loop): what a trace costs at least, before it records any gate. Calls alternate, so load from
other processes affects every side alike.

Goal: the speed ratio is at most 2.0 on CPU; the memory run's peak RSS stays near the budget, far below
the size of the trace it writes.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def build_model(steps: int | None, features: int, units: int = 64):
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input(shape=(steps, features)),
            keras.layers.LSTM(units, return_sequences=True, name="lstm_1"),
            keras.layers.LSTM(units, return_sequences=True, name="lstm_2"),
            keras.layers.Dense(1, name="head"),
        ]
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class AnonPeak:
    """Sample /proc/self/status while tracing: peak anonymous memory (what the process holds) apart from
    file-backed pages (the memory-mapped inputs), which RSS also counts but the kernel can drop."""

    def __init__(self) -> None:
        self.peak = {"RssAnon": 0.0, "RssFile": 0.0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _read(self) -> dict[str, float]:
        values = {}
        with open("/proc/self/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in self.peak:
                    values[key] = int(rest.split()[0]) / 1024
        return values

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, value in self._read().items():
                self.peak[key] = max(self.peak[key], value)
            time.sleep(0.02)

    def __enter__(self) -> AnonPeak:
        self.before = self._read()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def speed(quick: bool) -> None:
    import numpy as np

    import rnnlens
    from rnnlens import backends

    batch, steps, features = 256, (50 if quick else 200), 16
    repeats = 3 if quick else 7
    model = build_model(steps, features)
    x = np.random.default_rng(0).normal(size=(batch, steps, features)).astype("float32")
    forward = backends.model_function(lambda call, inputs, extras: [call(inputs[0])], model)

    calls = {
        "predict": lambda: model.predict(x, batch_size=batch, verbose=0),
        "floor": lambda: forward([x], []),
        "trace": lambda: rnnlens.trace(model, x),
        "hidden": lambda: rnnlens.trace(model, x, quantities=["hidden", "cell_state"]),
    }
    times: dict[str, list[float]] = {name: [] for name in calls}
    for fn in calls.values():
        fn()  # warm-up: compilation is not what we compare
    for _ in range(repeats):  # alternating, so load from other processes affects every call alike
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in times.items()}

    def over_floor(name: str) -> str:
        ratios = [a / b for a, b in zip(times[name], times["floor"], strict=True)]
        return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"

    t_predict, t_trace, t_hidden = median["predict"], median["trace"], median["hidden"]
    print(
        f"backend={os.environ['KERAS_BACKEND']} 2 x LSTM(64), batch {batch}, {steps} steps, {features} features"
    )
    print(f"floor (compiled forward){median['floor'] * 1000:8.1f} ms")
    print(f"model.predict           {t_predict * 1000:8.1f} ms   vs floor {over_floor('predict')}")
    print(
        f"trace (all gates)       {t_trace * 1000:8.1f} ms   ratio {t_trace / t_predict:.2f}  (goal <= 2.0)"
        f"   vs floor {over_floor('trace')}"
    )
    print(
        f"trace (h and c only)    {t_hidden * 1000:8.1f} ms   ratio {t_hidden / t_predict:.2f}"
        f"   vs floor {over_floor('hidden')}"
    )


def memory(quick: bool, budget_mb: float, keep: bool) -> None:
    import numpy as np

    import rnnlens

    samples, steps, features = (1_000 if quick else 10_000), 1_000, 16
    workdir = Path(tempfile.mkdtemp(prefix="rnnlens-bench-"))
    inputs_path = workdir / "x.npy"
    # Write the inputs to disk in slices and map them: the inputs never sit in memory at once either.
    x = np.lib.format.open_memmap(
        inputs_path, mode="w+", dtype="float32", shape=(samples, steps, features)
    )
    rng = np.random.default_rng(0)
    for start in range(0, samples, 500):
        stop = min(start + 500, samples)
        x[start:stop] = rng.normal(size=(stop - start, steps, features)).astype("float32")
    x.flush()
    del x
    x = np.load(inputs_path, mmap_mode="r")
    model = build_model(None, features)
    out = workdir / "trace.h5"
    before = peak_rss_mb()
    start = time.perf_counter()
    with AnonPeak() as sampled:
        rnnlens.trace_to_file(model, x, out, memory_budget_mb=budget_mb)
    elapsed = time.perf_counter() - start
    size_mb = out.stat().st_size / 2**20
    opened = rnnlens.Trace.load(out, mmap=True)
    sample = float(np.asarray(opened["lstm_2"].hidden[samples - 1, steps - 1, 0]))
    print(
        f"streamed trace of {samples} x {steps} steps x {features} features, 2 x LSTM(64), all gates"
    )
    print(f"trace file              {size_mb:10.0f} MB  ({elapsed:.0f} s)")
    print(f"inputs on disk          {inputs_path.stat().st_size / 2**20:10.0f} MB")
    print(f"memory budget           {budget_mb:10.0f} MB")
    print(f"peak RSS before tracing {before:10.0f} MB")
    anon, anon0 = sampled.peak["RssAnon"], sampled.before.get("RssAnon", 0.0)
    print(
        f"anonymous memory        {anon0:10.0f} MB before, peak {anon:.0f} MB while tracing (+{anon - anon0:.0f} MB)"
    )
    print(
        f"file-backed pages peak  {sampled.peak['RssFile']:10.0f} MB  (mapped inputs, libraries; reclaimable)"
    )
    print(
        f"peak RSS                {peak_rss_mb():10.0f} MB  (last value read back lazily: {sample:+.4f})"
    )
    if not keep:
        out.unlink()
        inputs_path.unlink()
        workdir.rmdir()
    else:
        print(f"kept {workdir}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("part", nargs="?", choices=["speed", "memory", "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="smaller sizes for a smoke run")
    parser.add_argument(
        "--budget-mb", type=float, default=512.0, help="memory budget of the streamed trace"
    )
    parser.add_argument("--keep", action="store_true", help="keep the memory run's files")
    args = parser.parse_args()
    if args.part == "speed":
        speed(args.quick)
    elif args.part == "memory":
        memory(args.quick, args.budget_mb, args.keep)
    else:  # separate processes, so each peak RSS is its own
        for part in ("speed", "memory"):
            command = [sys.executable, __file__, part, "--budget-mb", str(args.budget_mb)]
            subprocess.run(command + (["--quick"] if args.quick else []), check=True)


if __name__ == "__main__":
    main()

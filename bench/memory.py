"""The per-row memory estimate that sizes attribution's chunks, against what each backend really uses.

For every model of a small zoo (100 steps, 8 features) and every Keras backend, one fresh process warms the
compiled call up on 4 rows, then runs it on ``--rows`` rows and reads how far its peak resident memory rose
above the memory resident before the call (Linux ``VmHWM``, reset first; ``ru_maxrss`` elsewhere). ``rnnlens.attribution.memory.bytes_per_row`` must be at least that (ratio >= 1: chunks never
outgrow the memory budget) and not far above it (chunks as large as the budget allows: bigger chunks are
much faster). Both the forward + backward pass (gradient methods) and the forward pass alone (occlusion,
Shapley values, the outputs) are measured.

Run:  python bench/memory.py [--backend tensorflow|jax|torch] [--rows 1024] [--model lstm2 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

BACKENDS = ("tensorflow", "jax", "torch")
STEPS, FEATURES = 100, 8
MODELS = (
    "lstm2",
    "gru",
    "simple_rnn",
    "bidirectional",
    "lstm_sequence",
    "time_distributed",
    "lstm256",
    "embedding_masked",
)


def build(name: str) -> Any:
    """One model of the zoo."""
    import keras

    layers = keras.layers
    floats = keras.Input((STEPS, FEATURES))
    if name == "embedding_masked":
        ids = keras.Input((STEPS,), dtype="int32")
        hidden = layers.LSTM(64)(layers.Embedding(1000, 32, mask_zero=True)(ids))
        return keras.Model(ids, layers.Dense(1, activation="sigmoid")(hidden))
    body = {
        "lstm2": lambda x: layers.Dense(3, activation="softmax")(
            layers.LSTM(64)(layers.LSTM(64, return_sequences=True)(x))
        ),
        "gru": lambda x: layers.Dense(1)(layers.GRU(64)(x)),
        "simple_rnn": lambda x: layers.Dense(1)(layers.SimpleRNN(64)(x)),
        "bidirectional": lambda x: layers.Dense(1)(layers.Bidirectional(layers.LSTM(64))(x)),
        "lstm_sequence": lambda x: layers.Dense(1)(layers.LSTM(64, return_sequences=True)(x)),
        "time_distributed": lambda x: layers.TimeDistributed(layers.Dense(1))(
            layers.LSTM(64, return_sequences=True)(x)
        ),
        "lstm256": lambda x: layers.Dense(1)(layers.LSTM(256)(x)),
    }[name]
    return keras.Model(floats, body(floats))


def measure(name: str, rows: int, gradients: bool) -> dict[str, Any]:
    """Peak memory growth per row of one compiled call on ``rows`` rows, and rnnlens's estimate."""
    from rnnlens import backends
    from rnnlens.attribution.engine import Engine

    model = build(name)
    engine = Engine.for_model(model)
    target = engine._target_fn(0)
    fn = (
        backends.value_and_grad(target, model)
        if gradients
        else backends.model_function(target, model)
    )
    rng = np.random.default_rng(0)
    if name == "embedding_masked":
        ids = rng.integers(0, 1000, (rows, STEPS))
        ids[:, : STEPS // 4] = 0  # padded first quarter
        space, extras = engine.to_space([ids]), [ids]
    else:
        space, extras = [rng.normal(size=(rows, STEPS, FEATURES)).astype("float32")], []
    weights = np.ones((rows, *model.outputs[0].shape[1:]), "float32")
    fn([a[:4] for a in space], [*(e[:4] for e in extras), weights[:4]])
    before = _reset_peak()
    fn(space, [*extras, weights])
    grown = (_peak_kb() - before) * 1024 / rows
    estimate = engine.bytes_per_row(gradients=gradients)
    return {"model": name, "gradients": gradients, "measured": grown, "estimate": estimate}


def _reset_peak() -> int:
    """Forget the process's earlier peak (Linux: ``/proc/self/clear_refs``); return the resident KB now.

    Without the reset, a transient peak before the measured call (while importing or compiling) would
    hide the call's own growth.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kb("VmRSS")
    except OSError:  # Not Linux: the peak so far is the baseline.
        return _peak_kb()


def _peak_kb() -> int:
    try:
        return _status_kb("VmHWM")
    except OSError:
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default=None)
    parser.add_argument("--rows", type=int, default=1024)
    parser.add_argument("--model", choices=MODELS, nargs="*", default=list(MODELS))
    parser.add_argument("--one", nargs=2, metavar=("MODEL", "PASS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], args.rows, args.one[1] == "gradient")))
        return
    print(
        f"peak memory growth per row over {args.rows} rows (fresh process each) vs rnnlens's estimate\n"
        f"{'backend':<11} {'model':<17} {'pass':<9} {'measured KB':>12} {'estimate KB':>12} "
        f"{'estimate/measured':>18}"
    )
    worst = float("inf")
    for backend in [args.backend] if args.backend else BACKENDS:
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        for name in args.model:
            for pass_ in ("gradient", "forward"):
                command = [sys.executable, str(Path(__file__).resolve()), "--rows", str(args.rows)]
                done = subprocess.run(
                    [*command, "--one", name, pass_], env=env, capture_output=True, text=True
                )
                if done.returncode != 0:
                    print(f"{backend} {name} {pass_}: failed\n{done.stderr[-2000:]}")
                    continue
                result = json.loads(done.stdout.strip().splitlines()[-1])
                ratio = result["estimate"] / max(result["measured"], 1.0)
                worst = min(worst, ratio)
                print(
                    f"{backend:<11} {name:<17} {pass_:<9} {result['measured'] / 1024:>12.1f} "
                    f"{result['estimate'] / 1024:>12.1f} {ratio:>17.2f}x",
                    flush=True,
                )
    print(f"lowest estimate/measured: {worst:.2f}x (>= 1: the estimate is an upper bound)")


if __name__ == "__main__":
    main()

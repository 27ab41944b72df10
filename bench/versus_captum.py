"""rnnlens integrated gradients against Captum's, on identical weights (issue #16).

The model: 2 x LSTM(64) + Dense(3, softmax) over batch 32 x 100 steps x 8 features; integrated gradients with
64 Gauss-Legendre points from a zero baseline, explaining class 1. The PyTorch twin is built from the Keras
weights (``nn.LSTM``: gate order i, f, g, o as Keras's, kernels transposed, ``bias_ih`` = the Keras bias,
``bias_hh`` = 0) and checked equal to 1e-5 on the outputs AND on the attributions (Captum with
``method="gausslegendre"``: the same points and weights) before anything is timed.

Timed calls alternate (rnnlens, Captum, rnnlens's floor, ...), so load from other processes on a shared
machine affects both sides alike; each timing waits until its call's memory is released (see ``settle``); the table gives medians and the per-pair ratio rnnlens / Captum (median,
min, max). Captum runs in a worker process of its own, called in turn, so that neither framework's thread
pools or floating-point settings affect the other.

The weights are drawn by NumPy (Glorot-uniform scale), the same on every backend: Keras's initializers
draw differently per backend, and with the TensorFlow backend's draw Captum ran ~9x slower on this
machine (17 s against 1.9 s) while rnnlens did not; denormal floats are the likely cause (PyTorch does not
flush them to zero by default; TensorFlow and XLA do), not verified. ``--flush-denormal`` turns flushing
on in Captum's worker.

Each Keras backend runs in its own subprocess (KERAS_BACKEND is fixed per process), on the same number of
threads as torch (``--threads``, default 2).

Run:  python bench/versus_captum.py [--backend tensorflow|jax|torch] [--repeats 7] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import mmap
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

BACKENDS = ("tensorflow", "jax", "torch")
BATCH, STEPS, FEATURES, UNITS, CLASSES = 32, 100, 8, 64, 3
N_POINTS, TARGET = 64, 1
TOLERANCE = 1e-5


def set_threads(threads: int) -> None:
    """Pin every framework of this process to ``threads`` (set before the frameworks are imported)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    flags = os.environ.get("XLA_FLAGS", "")
    os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen=true".strip()


def keras_model() -> Any:
    """The Keras model, with the same weights on every backend (drawn by NumPy, not the backend's RNG)."""
    import keras

    model = keras.Sequential(
        [
            keras.Input((STEPS, FEATURES)),
            keras.layers.LSTM(UNITS, return_sequences=True),
            keras.layers.LSTM(UNITS),
            keras.layers.Dense(CLASSES, activation="softmax"),
        ]
    )
    rng = np.random.default_rng(0)
    for layer in model.layers:
        # Glorot-uniform scale for every matrix, small biases.
        layer.set_weights(
            [
                rng.uniform(-1, 1, w.shape).astype("float32")
                * np.float32(np.sqrt(6 / sum(w.shape)) if w.ndim == 2 else 0.1)
                for w in layer.get_weights()
            ]
        )
    return model


def keras_weights(model: Any) -> list[list[np.ndarray]]:
    """Per layer (LSTM, LSTM, Dense), its Keras weights as NumPy arrays."""
    return [[np.asarray(w) for w in layer.get_weights()] for layer in model.layers]


def torch_twin(weights: list[list[np.ndarray]]) -> Any:
    """The same network in plain PyTorch, weights copied from the Keras model's."""
    import torch

    class Twin(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(FEATURES, UNITS, num_layers=2, batch_first=True)
            self.head = torch.nn.Linear(UNITS, CLASSES)

        def forward(self, x: Any) -> Any:
            sequence, _ = self.lstm(x)
            return torch.softmax(self.head(sequence[:, -1]), dim=-1)

    twin = Twin()
    *lstms, dense = weights
    with torch.no_grad():
        for index, (kernel, recurrent, bias) in enumerate(lstms):
            # Keras and torch both order the gates i, f, g (candidate), o.
            getattr(twin.lstm, f"weight_ih_l{index}").copy_(torch.from_numpy(kernel.T.copy()))
            getattr(twin.lstm, f"weight_hh_l{index}").copy_(torch.from_numpy(recurrent.T.copy()))
            getattr(twin.lstm, f"bias_ih_l{index}").copy_(torch.from_numpy(bias))
            getattr(twin.lstm, f"bias_hh_l{index}").zero_()
        kernel, bias = dense
        twin.head.weight.copy_(torch.from_numpy(kernel.T.copy()))
        twin.head.bias.copy_(torch.from_numpy(bias))
    return twin.eval()


def captum_worker(
    connection: Any,
    weights: list[list[np.ndarray]],
    x: np.ndarray,
    threads: int,
    flush_denormal: bool,
) -> None:
    """Serve Captum calls in a process of its own: ``"check"`` -> (outputs, attributions), ``"time"`` -> s.

    Captum runs apart from the Keras backend's framework so that neither's thread pools (TensorFlow's
    spinning workers, XLA's) slow the other down; the calls still alternate in time with rnnlens's.
    """
    import torch
    from captum.attr import IntegratedGradients as CaptumIG

    torch.set_num_threads(threads)
    torch.set_flush_denormal(flush_denormal)
    twin = torch_twin(weights)
    captum = CaptumIG(twin)
    inputs = torch.from_numpy(x)

    def attribute() -> Any:
        return captum.attribute(
            inputs,
            baselines=torch.zeros_like(inputs),
            target=TARGET,
            n_steps=N_POINTS,
            method="gausslegendre",
        )

    while True:
        command = connection.recv()
        if command == "check":
            with torch.no_grad():
                outputs = twin(inputs).numpy()
            connection.send((outputs, attribute().detach().numpy()))
        elif command == "time":
            start = time.perf_counter()
            attribute()
            connection.send(time.perf_counter() - start)
        else:
            return


def settle() -> None:
    """Wait until the process has released the memory of the call just timed.

    JAX returns before its worker thread has unmapped the call's buffers (about 1.3 GB here, ~0.1 s);
    until then a new memory mapping waits. Mapping a page makes each timing include its own teardown
    instead of passing it on to the next call timed (costs microseconds otherwise).
    """
    page = mmap.mmap(-1, mmap.PAGESIZE)
    page[0] = 1
    page.close()


def summary(times: list[float]) -> float:
    return statistics.median(times)


def run_backend(
    backend: str, repeats: int, threads: int, flush_denormal: bool = False
) -> dict[str, Any]:
    """Check the twins agree, then time rnnlens, Captum and the floor alternately."""
    if backend == "torch":
        import torch

        torch.set_num_threads(threads)
    model = keras_model()
    x = np.random.default_rng(0).normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    context = multiprocessing.get_context("spawn")
    connection, theirs_end = context.Pipe()
    worker = context.Process(
        target=captum_worker,
        args=(theirs_end, keras_weights(model), x, threads, flush_denormal),
        daemon=True,
    )
    worker.start()
    try:
        return _compare(backend, repeats, model, x, connection)
    finally:
        connection.send("stop")
        worker.join(timeout=30)


def _compare(
    backend: str, repeats: int, model: Any, x: np.ndarray, connection: Any
) -> dict[str, Any]:
    import keras

    from rnnlens import backends
    from rnnlens.attribution import IntegratedGradients
    from rnnlens.attribution.engine import Engine

    ig = IntegratedGradients(model)

    def ours() -> np.ndarray:
        return ig.attribute(x, target=TARGET, n_steps=N_POINTS, method="gausslegendre").values

    connection.send("check")
    torch_out, torch_attributions = connection.recv()
    keras_out = np.asarray(keras.ops.convert_to_numpy(model(x, training=False)))
    output_error = float(np.abs(keras_out - torch_out).max())
    attribution_error = float(np.abs(ours() - torch_attributions).max())
    if output_error > TOLERANCE or attribution_error > TOLERANCE:
        raise SystemExit(
            f"{backend}: the twins disagree (outputs {output_error:.1e}, attributions "
            f"{attribution_error:.1e}; tolerance {TOLERANCE:.0e}): no timing."
        )

    # The floor: rnnlens's own compiled target gradient, one call over all 2,048 rows.
    engine = Engine.for_model(model)
    grad = backends.value_and_grad(engine._target_fn(0), model)
    rows = np.repeat(x, N_POINTS, axis=0)
    weights = np.zeros((len(rows), CLASSES), "float32")
    weights[:, TARGET] = 1.0

    def floor() -> None:
        grad([rows], [weights])

    def timed(fn: Any) -> float:
        start = time.perf_counter()
        fn()
        settle()
        return time.perf_counter() - start

    floor()
    timings: dict[str, list[float]] = {"rnnlens": [], "captum": [], "floor": []}
    for _ in range(repeats):
        timings["rnnlens"].append(timed(ours))
        connection.send("time")
        timings["captum"].append(connection.recv())
        timings["floor"].append(timed(floor))
    versus = [a / b for a, b in zip(timings["rnnlens"], timings["captum"], strict=True)]
    over_floor = [a / b for a, b in zip(timings["rnnlens"], timings["floor"], strict=True)]
    return {
        "backend": backend,
        "output_error": output_error,
        "attribution_error": attribution_error,
        "rnnlens_s": summary(timings["rnnlens"]),
        "captum_s": summary(timings["captum"]),
        "floor_s": summary(timings["floor"]),
        "ratio": [statistics.median(versus), min(versus), max(versus)],
        "floor_ratio": [statistics.median(over_floor), min(over_floor), max(over_floor)],
    }


def table(results: list[dict[str, Any]], threads: int) -> str:
    lines = [
        f"IG {N_POINTS} Gauss-Legendre points, batch {BATCH} x {STEPS} x {FEATURES}, 2 x LSTM({UNITS}) + "
        f"Dense({CLASSES}); {threads} threads each; alternating calls (medians; ratios per pair)",
        f"{'backend':<11} {'max |diff| out/attr':>20} {'rnnlens':>9} {'captum':>9} {'floor':>9} "
        f"{'vs captum (min-max)':>21} {'vs floor (min-max)':>20}",
    ]
    for r in results:
        ratio, floor = r["ratio"], r["floor_ratio"]
        lines.append(
            f"{r['backend']:<11} {r['output_error']:>9.1e}/{r['attribution_error']:<9.1e} "
            f"{r['rnnlens_s']:>8.3f}s {r['captum_s']:>8.3f}s {r['floor_s']:>8.3f}s "
            f"{ratio[0]:>6.2f}x ({ratio[1]:.2f}-{ratio[2]:.2f}) "
            f"{floor[0]:>6.2f}x ({floor[1]:.2f}-{floor[2]:.2f})"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default=None)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--json", action="store_true", help="print one JSON line (used by the parent)"
    )
    parser.add_argument(
        "--flush-denormal",
        action="store_true",
        help="Captum: torch.set_flush_denormal(True), as TensorFlow and XLA flush denormals by default",
    )
    parser.add_argument(
        "--keras-loop",
        action="store_true",
        help="torch backend: run Keras's own recurrent loop, not PyTorch's fused kernels (the old path)",
    )
    args = parser.parse_args()
    if args.backend is not None and os.environ.get("KERAS_BACKEND") == args.backend:
        if args.keras_loop and args.backend == "torch":
            from rnnlens.backends import torch_recurrent

            torch_recurrent.fused_call = lambda layer: None
        result = run_backend(args.backend, args.repeats, args.threads, args.flush_denormal)
        print(json.dumps(result) if args.json else table([result], args.threads))
        return
    results = []
    for backend in [args.backend] if args.backend else BACKENDS:
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        command = [sys.executable, str(Path(__file__).resolve()), "--backend", backend, "--json"]
        command += ["--repeats", str(args.repeats), "--threads", str(args.threads)]
        command += ["--keras-loop"] if args.keras_loop else []
        command += ["--flush-denormal"] if args.flush_denormal else []
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{backend}: failed\n{done.stderr[-3000:]}{done.stdout[-2000:]}", file=sys.stderr)
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(table(results, args.threads))


if __name__ == "__main__":
    set_threads(int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2)
    main()

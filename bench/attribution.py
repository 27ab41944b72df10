"""Attribution speed against its physical floor.

Integrated gradients with n steps needs n forward+backward passes over the batch; occlusion needs one
forward pass per window (plus one unperturbed). This script times both on batch 32 x 100 steps x 8
features through 2 x LSTM(64), and prints

    IG ratio        = IG wall time / (n_steps x one compiled batched forward+backward pass on the batch)
    occlusion ratio = occlusion wall time / (n_passes x one compiled batched forward pass on the batch)

Goal: <= 1.25 for both (warm: compiled functions reused; cold includes tracing / compilation).
Run:  python bench/attribution.py [--steps 64] [--repeats 3]    (KERAS_BACKEND picks the backend)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

from rnnlens import backends
from rnnlens.attribution import IntegratedGradients, Occlusion
from rnnlens.attribution.engine import Engine


def build_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((100, 8)),
            keras.layers.LSTM(64, return_sequences=True),
            keras.layers.LSTM(64),
            keras.layers.Dense(1),
        ]
    )


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--internal-batch-size", type=int, default=None)
    args = parser.parse_args()

    model = build_model()
    x = np.random.default_rng(0).normal(size=(args.batch, 100, 8)).astype("float32")
    weights = np.ones((args.batch, 1), "float32")
    engine = Engine.for_model(model)

    # The floor: the same compiled target function rnnlens uses, one pass over the batch.
    grad = backends.value_and_grad(engine._target_fn(0), model)
    forward = backends.model_function(engine._target_fn(0), model)
    grad([x], [weights])
    forward([x], [weights])
    floor_grad = statistics.median(
        [best_of(lambda: grad([x], [weights]), 1) for _ in range(args.repeats * 3)]
    )
    floor_fwd = statistics.median(
        [best_of(lambda: forward([x], [weights]), 1) for _ in range(args.repeats * 3)]
    )

    ig = IntegratedGradients(model)
    options = {"n_steps": args.steps, "internal_batch_size": args.internal_batch_size}
    start = time.perf_counter()
    result = ig.attribute(x, target=0, **options)
    ig_cold = time.perf_counter() - start
    ig_warm = best_of(lambda: ig.attribute(x, target=0, **options), args.repeats)

    occlusion = Occlusion(model)
    occ_options = {"window": 1, "internal_batch_size": args.internal_batch_size}
    start = time.perf_counter()
    occlusion.attribute(x, target=0, **occ_options)
    occ_cold = time.perf_counter() - start
    occ_warm = best_of(lambda: occlusion.attribute(x, target=0, **occ_options), args.repeats)
    occ_passes = 100 + 1  # one window per step, plus the unperturbed batch

    print(f"backend {backends.name()}, batch {args.batch} x 100 steps x 8 features, 2 x LSTM(64)")
    print(f"floor: forward+backward {floor_grad * 1e3:.1f} ms, forward {floor_fwd * 1e3:.1f} ms")
    print(
        f"IG {args.steps} steps: warm {ig_warm:.2f} s, cold {ig_cold:.2f} s; "
        f"ratio warm {ig_warm / (args.steps * floor_grad):.2f}, "
        f"cold {ig_cold / (args.steps * floor_grad):.2f} "
        f"(max relative completeness gap {float(np.max(result.relative_gap)):.1e})"
    )
    print(
        f"occlusion {occ_passes} passes: warm {occ_warm:.2f} s, cold {occ_cold:.2f} s; "
        f"ratio warm {occ_warm / (occ_passes * floor_fwd):.2f}, "
        f"cold {occ_cold / (occ_passes * floor_fwd):.2f}"
    )


if __name__ == "__main__":
    main()

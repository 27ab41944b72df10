"""Shapley values for sequences: accuracy per model evaluation on one long sequence.

The model is a 2 x LSTM(64) classifier over T=100 steps x F=8 features (sigmoid output), trained for a
few seconds on a synthetic task that uses the last 8 steps of feature 0 and steps 84-96 of feature 1
(weights cached under ``bench/.cache/``; ``--untrained`` keeps the random weights). One test sequence is
explained at event level (one player per step) with TimeSHAP's temporal pruning at ``--prune``; the pruned
game is small enough to enumerate, which gives its exact values.

Three measurements:

0. Coalition evaluation against its floor (``--floor`` runs only this): ``v(S)`` for ``--coalitions``
   random event-level coalitions of a batch of 32 sequences (100 players each), against one compiled
   forward pass of the same target function over as many rows in one call. Calls alternate.
1. ``ShapleyValues.attribute(..., exact=False)`` per estimator with ``--budget`` model rows in total
   (pruning included): rows used, time, max |error| vs the exact values of the pruned game (over seeds).
2. Error vs evaluations of every estimator, replayed on the enumerated game (no model calls), next to
   plain Monte Carlo permutation sampling and unpaired KernelSHAP (the estimator behind TimeSHAP).

Run:  python bench/shapley.py [--floor] [--coalitions 2048] [--prune 0.003] [--sample 4] [--budget 500] [--seeds 10] [--untrained] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

from rnnlens.attribution.problem import prepare_problem
from rnnlens.attribution.shapley import ShapleyValues
from rnnlens.attribution.shapley.evaluation import coalition_values
from rnnlens.attribution.shapley.exact import shapley_from_table
from rnnlens.attribution.shapley.players import build_games
from rnnlens.attribution.shapley.pruning import prune_games
from rnnlens.attribution.shapley.sampling import _Adjusted, _Permutation, _Regression
from rnnlens.attribution.shapley_options import ESTIMATORS

STEPS, FEATURES, UNITS = 100, 8, 64
CACHE = Path(__file__).parent / ".cache"


def build_model() -> Any:
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((STEPS, FEATURES), name="signals"),
            keras.layers.LSTM(UNITS, return_sequences=True, name="lstm_1"),
            keras.layers.LSTM(UNITS, name="lstm_2"),
            keras.layers.Dense(1, activation="sigmoid", name="head"),
        ]
    )


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(seed).normal(size=(n, STEPS, FEATURES)).astype("float32")
    score = x[:, -8:, 0].sum(axis=1) + 0.5 * x[:, -16:-4, 1].sum(axis=1)
    return x, (score > 0).astype("float32")


def trained_model(untrained: bool, epochs: int) -> Any:
    model = build_model()
    if untrained:
        return model
    path = CACHE / f"shapley_lstm_recent_{epochs}.weights.h5"
    if path.exists():
        model.load_weights(path)
        return model
    x, y = synthetic(2048, seed=1)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    CACHE.mkdir(exist_ok=True)
    model.save_weights(path)
    return model


def enumerate_game(
    model: Any, x: np.ndarray, prune: float, cache: Path | None = None
) -> tuple[np.ndarray, int, int, int]:
    """The pruned game's v for all 2^n coalitions, n, the pruning's rows and the cut (cached)."""
    if cache is not None and cache.exists():
        with np.load(cache) as saved:
            return saved["table"], int(saved["n"]), int(saved["rows"]), int(saved["cut"])
    problem = prepare_problem(model, x, target=0)
    games = build_games(
        problem.engine.slots,
        [a.shape[1:] for a in problem.space],
        problem.masks,
        problem.target.row_samples(),
        "event",
        None,
    )
    pruned = prune_games(problem, games, prune)
    game = pruned.games[0]
    if game.n > 22:
        raise SystemExit(
            f"The pruned game has {game.n} players, too many to enumerate (2^{game.n}); raise --prune."
        )
    bits = np.int64(1) << np.arange(game.n, dtype=np.int64)
    table = coalition_values(
        problem,
        [game],
        1 << game.n,
        lambda i: (np.zeros(len(i), dtype=np.int64), (i[:, None] & bits[None, :]) != 0),
    )
    cut = game.cut[0] if game.cut[0] is not None else 0
    if cache is not None:
        CACHE.mkdir(exist_ok=True)
        np.savez(cache, table=table, n=game.n, rows=int(pruned.evaluations[0]), cut=int(cut))
    return table, game.n, int(pruned.evaluations[0]), int(cut)


def coalition_floor(model: Any, n_coalitions: int, repeats: int) -> None:
    """Time ``coalition_values`` for random coalitions against one compiled forward pass over the rows."""
    from rnnlens import backends

    x, _ = synthetic(32, seed=3)
    problem = prepare_problem(model, x, target=0)
    games = build_games(
        problem.engine.slots,
        [a.shape[1:] for a in problem.space],
        problem.masks,
        problem.target.row_samples(),
        "event",
        None,
    )
    n_rows, n_players = problem.n_rows, games[0].n
    rng = np.random.default_rng(0)
    rows = rng.integers(0, n_rows, n_coalitions)
    coalitions = rng.random((n_coalitions, n_players)) < 0.5

    def evaluate() -> None:
        coalition_values(problem, games, n_coalitions, lambda i: (rows[i], coalitions[i]))

    engine = problem.engine
    forward = backends.model_function(engine._target_fn(problem.target.output), engine.model)
    points = [a[rows // problem.target.per_sample] for a in problem.space]
    weights = problem.target.weights[rows]

    def floor() -> None:
        forward(points, [weights])

    evaluate()
    floor()
    times: dict[str, list[float]] = {"coalitions": [], "floor": []}
    for _ in range(repeats):
        for name, fn in (("coalitions", evaluate), ("floor", floor)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    ratios = [a / b for a, b in zip(times["coalitions"], times["floor"], strict=True)]
    print(
        f"0. coalition evaluation: {n_coalitions} coalitions of {n_players} players over {n_rows} rows: "
        f"{statistics.median(times['coalitions']):.2f} s; floor (one compiled forward over the same "
        f"rows) {statistics.median(times['floor']):.2f} s; ratio {statistics.median(ratios):.2f} "
        f"({min(ratios):.2f}-{max(ratios):.2f}) (goal <= 1.25)"
    )


# ----------------------------------------------------------------------- replays on the enumerated game
def replay(name: str, table: np.ndarray, n: int, evaluations: int, seed: int) -> np.ndarray:
    """The estimate of ``name`` after about ``evaluations`` evaluations (v(empty), v(N) included)."""
    rng = np.random.default_rng(seed)
    bits = 1 << np.arange(n)
    empty, full = table[0], table[-1]
    total = full - empty
    if name in ESTIMATORS:
        state: Any = (
            _Permutation(n, rng, empty, full)
            if name == "permutation"
            else _Adjusted(n, rng, empty, full)
            if name == "adjusted"
            else _Regression(n, rng, empty, full, uniform=name == "leverage")
        )
        pairs = max(1, (evaluations - 2) // state.per_pair)
        coalitions = state.propose(pairs)
        state.update(table[coalitions @ bits])
        return state.estimate(total)[0]
    if name == "plain_permutation":
        count = max(1, (evaluations - 2) // (n - 1))
        estimate = np.zeros(n)
        for _ in range(count):
            order = rng.permutation(n)
            prefix = np.concatenate([[0], np.cumsum(bits[order])])
            estimate[order] += np.diff(table[prefix])
        return estimate / count
    if name == "plain_kernel":  # unpaired KernelSHAP, efficiency as a constraint
        sizes = np.arange(1, n)
        kernel = 1.0 / (sizes * (n - sizes))
        count = max(n, evaluations - 2)
        picks = rng.choice(n - 1, size=count, p=kernel / kernel.sum())
        order = np.argsort(rng.random((count, n)), axis=1)
        z = (np.argsort(order, axis=1) < sizes[picks][:, None]).astype(float)
        u = table[z.astype(np.int64) @ bits] - empty
        a, b = z.T @ z / count, z.T @ u / count
        kkt = np.zeros((n + 1, n + 1))
        kkt[:n, :n], kkt[:n, n], kkt[n, :n] = a, 1.0, 1.0
        return (np.linalg.pinv(kkt) @ np.append(b, total))[:n]
    raise ValueError(name)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--prune", type=float, default=0.003, help="pruning tolerance (absolute)")
    parser.add_argument("--budget", type=int, default=500, help="model rows per explanation")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=4, help="which test sequence")
    parser.add_argument("--untrained", action="store_true")
    parser.add_argument("--quick", action="store_true", help="3 seeds, fewer replay budgets")
    parser.add_argument("--floor", action="store_true", help="only measurement 0 (untrained model)")
    parser.add_argument("--coalitions", type=int, default=2048, help="coalitions in measurement 0")
    parser.add_argument("--repeats", type=int, default=5, help="timed pairs in measurement 0")
    args = parser.parse_args()
    seeds = 3 if args.quick else args.seeds

    if args.floor:
        coalition_floor(build_model(), args.coalitions, args.repeats)
        return
    model = trained_model(args.untrained, args.epochs)
    coalition_floor(model, args.coalitions, args.repeats)
    x_test, y_test = synthetic(256, seed=2)
    accuracy = float(np.mean((model.predict(x_test, verbose=0)[:, 0] > 0.5) == y_test))
    x = x_test[args.sample : args.sample + 1]
    start = time.perf_counter()
    cache = (
        None
        if args.untrained
        else CACHE / f"shapley_game_{args.epochs}_{args.sample}_{args.prune:g}.npz"
    )
    table, n, pruning_rows, cut = enumerate_game(model, x, args.prune, cache)
    exact = shapley_from_table(table, n)
    print(
        f"model: 2 x LSTM({UNITS}), T={STEPS}, F={FEATURES}, test accuracy {accuracy:.3f}; "
        f"F(x) = {table[-1]:.4f}, F(baseline) = {table[0]:.4f}"
    )
    print(
        f"pruning at {args.prune:g}: cut at step {cut} ({pruning_rows} rows) -> {n} players; "
        f"exact values from {1 << n} coalitions in {time.perf_counter() - start:.1f} s; "
        f"max |phi| = {np.abs(exact).max():.4f}"
    )

    print(
        f"\n1. ShapleyValues.attribute(players='event', prune={args.prune:g}, exact=False), "
        f"budget {args.budget} rows, {seeds} seeds"
    )
    print(
        f"{'estimator':<12} {'rows':>6} {'time s':>7} {'max|err| mean':>14} {'worst':>9} {'max err/SE':>11}"
    )
    explainer = ShapleyValues(model)
    for estimator in ESTIMATORS:
        errors, ratios, rows, times = [], [], [], []
        for seed in range(seeds):
            began = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = explainer.attribute(
                    x,
                    target=0,
                    players="event",
                    prune=args.prune,
                    exact=False,
                    estimator=estimator,
                    tolerance=1e-9,
                    seed=seed,
                    max_evaluations=args.budget - pruning_rows,
                )
            times.append(time.perf_counter() - began)
            players = result.players
            values = players["value"].to_numpy()
            se = players["standard_error"].to_numpy()
            errors.append(np.abs(values - exact).max())
            ratios.append(np.max(np.abs(values - exact) / np.maximum(se, 1e-12)))
            rows.append(result.options["evaluations"][0])
        print(
            f"{estimator:<12} {np.mean(rows):>6.0f} {np.median(times):>7.2f} {np.mean(errors):>14.2e} "
            f"{np.max(errors):>9.2e} {np.median(ratios):>11.2f}"
        )

    budgets = (100, 250, 500, 1000, 2500) if not args.quick else (250, 500, 2500)
    names = (*ESTIMATORS, "plain_kernel", "plain_permutation")
    print(
        f"\n2. Replayed on the enumerated {n}-player game: mean over {seeds} seeds of max |error| "
        "(game rows, pruning not included)"
    )
    print(f"{'estimator':<18}" + "".join(f"{b:>10}" for b in budgets))
    for name in names:
        cells = []
        for budget in budgets:
            errs = [
                np.abs(replay(name, table, n, budget, 1000 + s) - exact).max() for s in range(seeds)
            ]
            cells.append(f"{np.mean(errs):>10.2e}")
        print(f"{name:<18}" + "".join(cells))


if __name__ == "__main__":
    main()

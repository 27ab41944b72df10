"""Faithfulness of attributions on the box benchmark of Ismail et al. (NeurIPS 2020), Gaussian background.

Every sample is (T=50 steps, F=50 features) of N(0, 1) noise; the cells of one box are shifted by +1 for
class 1 and by -1 for class 0, so a model that classifies well can only use the box. One small LSTM per
layout is trained (seeded; weights cached under ``bench/.cache/``), every method attributes the predicted
class on N test samples, and |attribution| is scored against the box mask per sample:

    AUPRC   sklearn's average_precision_score(mask, |a|), mean over samples (random map ~ box share)
    AUP/AUR the paper's saliency-weighted precision / recall, integrated over the threshold on
            |a| / max|a| (see ``weighted_precision_recall``), mean over samples

and rnnlens.quality is checked against the ground truth: per layout, the Spearman correlation between the
methods' deletion AOPC (deleting towards the training data's mean, as ``quality`` does with a background)
and their AUPRC (``quality vs truth`` line; median over layouts).

Methods are registry names with options, ``name[:key=value]...``; ``baseline=zeros|mean|median|opposite``
picks a baseline built from the training data (``opposite``: the mean sequence of the training samples the
model predicts as the other class, ``Baseline.opposite_class``), ``background=train`` hands the training data
to the method as ``background``, other keys go through the registry's option checks. ``random`` is a uniform
random map; ``default`` is ``rnnlens.attribute(model, x, target="predicted", background=x_train)`` with no
method (what rnnlens recommends). Example:  ig:baseline=mean:n_steps=64   occlusion:window=1,1

Run:  python bench/faithfulness.py [--quick] [--layouts Middle,RareTime] [--samples 100] [--epochs 20]
      [--methods random,saliency,ig,ig:baseline=mean,occlusion:window=1,1] [--metric auprc|aup|aur|all]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import numpy as np
from sklearn.metrics import average_precision_score

import rnnlens
from rnnlens.attribution import AttributionResult, Baseline
from rnnlens.attribution.registry import method_info
from rnnlens.quality import deletion_curve, rank_agreement

STEPS = FEATURES = 50
CACHE = Path(__file__).parent / ".cache"
# References measured in the same run: a random map, and the zero-baseline methods as they were before
# background data (integrated gradients with 50 fixed points), then the default explanation.
DEFAULT_METHODS = (
    "random,saliency,ig:n_steps=50,occlusion:window=1,1,ig:baseline=mean,ig:baseline=opposite,"
    "eg:background=train:n_steps=32,default"
)


@dataclass(frozen=True)
class Layout:
    """Where the informative box lies: ``steps`` x ``features`` cells from (``time``, ``feature``).

    A moving layout draws the box's first step per sample (features stay fixed).
    """

    name: str
    time: int
    feature: int
    steps: int
    features: int
    moving: bool = False


LAYOUTS = {
    layout.name: layout
    for layout in (
        Layout("Middle", 10, 10, 30, 30),
        Layout("SmallMiddle", 18, 18, 14, 14),
        Layout("RareTime", 22, 5, 6, 40),
        Layout("RareFeature", 5, 22, 40, 6),
        Layout("MovingMiddle", 10, 10, 30, 30, moving=True),
        Layout("MovingRareTime", 22, 5, 6, 40, moving=True),
    )
}
QUICK_LAYOUTS = ("Middle", "RareTime")


# --- data -------------------------------------------------------------------------------------------


BACKGROUNDS = ("gaussian", "ar")


def make_data(
    layout: Layout, n: int, seed: int, background: str = "gaussian"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` samples of the layout: x ``(n, time, features)``, labels ``(n,)``, box mask like x (bool).

    ``background``: ``"gaussian"`` (i.i.d. N(0, 1), the paper's) or ``"ar"`` (per feature an AR(1) process
    ``z_t = 0.8 z_(t-1) + e_t`` scaled to unit variance: neighbouring steps are correlated, as in sensors).
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, STEPS, FEATURES)).astype("float32")
    if background == "ar":
        for t in range(1, STEPS):
            x[:, t] = 0.8 * x[:, t - 1] + np.sqrt(1 - 0.8**2) * x[:, t]
    y = rng.integers(0, 2, n)
    if layout.moving:
        starts = rng.integers(0, STEPS - layout.steps + 1, n)
    else:
        starts = np.full(n, layout.time)
    mask = np.zeros(x.shape, bool)
    for i, start in enumerate(starts):
        mask[i, start : start + layout.steps, layout.feature : layout.feature + layout.features] = (
            True
        )
    x += np.where(mask, np.where(y == 1, 1.0, -1.0)[:, None, None], 0.0).astype("float32")
    return x, y, mask


# --- model and training -----------------------------------------------------------------------------


def build_model(units: int) -> keras.Model:
    """One LSTM and a 2-logit head: attributions explain a logit, not a saturated probability."""
    return keras.Sequential(
        [keras.Input((STEPS, FEATURES)), keras.layers.LSTM(units), keras.layers.Dense(2)]
    )


def trained_model(
    layout: Layout,
    train: tuple[np.ndarray, np.ndarray],
    units: int,
    epochs: int,
    seed: int,
    background: str = "gaussian",
) -> keras.Model:
    """The layout's model, from the cache or trained deterministically (seeded) and cached."""
    keras.utils.set_random_seed(seed)
    model = build_model(units)
    kind = "" if background == "gaussian" else f"-{background}"
    path = CACHE / f"{layout.name}{kind}-u{units}-e{epochs}-n{len(train[0])}-s{seed}.weights.h5"
    if path.exists():
        model.load_weights(path)
        return _compiled(model)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(*train, epochs=epochs, batch_size=32, verbose=0, shuffle=True)
    CACHE.mkdir(exist_ok=True)
    model.save_weights(path)
    return _compiled(model)


def _compiled(model: keras.Model) -> keras.Model:
    """Compiled with its training loss, so rnnlens reads the 2-unit head as class logits."""
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=-1) == y))


# --- methods ----------------------------------------------------------------------------------------


def parse_methods(text: str) -> list[str]:
    """Split ``--methods`` on commas that start a new method (``occlusion:window=1,1`` stays whole)."""
    specs: list[str] = []
    for part in text.split(","):
        if specs and "=" in specs[-1] and part.strip().isdigit():
            specs[-1] += "," + part  # the tail of a value such as window=1,1
        elif part:
            specs.append(part.strip())
    return specs


def attribute(
    spec: str, model: keras.Model, x: np.ndarray, train_x: np.ndarray, seed: int
) -> AttributionResult | np.ndarray:
    """The attribution of the predicted class by the method ``spec`` (``random``: an array of noise)."""
    name, *pairs = spec.split(":")
    if name == "random":
        return np.random.default_rng(seed).random(x.shape)
    if name == "default":
        return _one(
            rnnlens.attribute(model, x, target="predicted", background=train_x, faithfulness=False)
        )
    info = method_info(name)
    by_name = {option.name: option for option in info.options}
    options: dict[str, Any] = {}
    baselines = None
    background = None
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key == "baseline":
            baselines = {
                "zeros": Baseline.zeros(),
                "mean": Baseline.mean(train_x),
                "median": Baseline.median(train_x),
                "opposite": Baseline.opposite_class(train_x),
            }[value]
        elif key == "background":
            background = train_x
        elif key in by_name:
            option = by_name[key]
            options[key] = option.check(option.type(value), option.flag)
        else:
            options[key] = int(value) if value.lstrip("-").isdigit() else value
    result = rnnlens.attribute(
        model,
        x,
        method=name,
        target="predicted",
        baselines=baselines,
        background=background,
        faithfulness=False,
        **options,
    )
    return _one(result)


def _one(result: Any) -> AttributionResult:
    if not isinstance(result, AttributionResult):  # one input, so one result
        raise TypeError(f"expected one AttributionResult, received {type(result).__name__}")
    return result


def quality_score(
    model: keras.Model, x: np.ndarray, result: AttributionResult, train_x: np.ndarray
) -> float:
    """What rnnlens.quality says of ``result`` without the ground truth: the mean deletion AOPC, deleting
    cells towards the training data's per-feature mean (``background=``)."""
    curve = deletion_curve(model, x, result, target="predicted", background=train_x, n_random=1)
    return float(np.mean(curve.aopc))


# --- scoring ----------------------------------------------------------------------------------------


def scores(saliency: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """Mean over samples of AUPRC, AUP and AUR of ``saliency`` against ``mask`` (both ``(n, time, features)``)."""
    auprc, aup, aur = [], [], []
    for a, m in zip(saliency, mask, strict=True):
        a, m = a.ravel().astype(np.float64), m.ravel()
        auprc.append(average_precision_score(m, a))
        precision, recall = weighted_precision_recall(a, m)
        aup.append(precision)
        aur.append(recall)
    return {"auprc": float(np.mean(auprc)), "aup": float(np.mean(aup)), "aur": float(np.mean(aur))}


def weighted_precision_recall(saliency: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """The paper's saliency-weighted AUP and AUR of one sample.

    With ``s`` the saliency scaled to a maximum of 1 and ``S(t)`` the cells with ``s >= t``: precision
    ``P(t) = sum(s over S(t) and the box) / sum(s over S(t))`` and recall ``R(t) = sum(s over S(t) and the
    box) / sum(s over the box)``; AUP and AUR are their integrals over the threshold ``t`` from 0 to 1.

    >>> weighted_precision_recall(np.array([1.0, 0.5, 0.0]), np.array([True, False, False]))
    (0.8333333333333333, 1.0)
    """
    top = saliency.max()
    if top <= 0:  # no saliency at all: nothing selected at any threshold
        return 0.0, 0.0
    s = saliency / top
    order = np.argsort(-s, kind="stable")
    s, inside = s[order], truth[order]
    selected = np.cumsum(s)  # the s-weight of S(t) for t = s[k], k = 0, 1, ...
    hits = np.cumsum(np.where(inside, s, 0.0))
    in_box = max(float(np.sum(np.where(truth, saliency / top, 0.0))), 1e-300)
    # P and R are step functions of t: constant between consecutive distinct values of s.
    last = np.r_[s[1:] != s[:-1], True]  # the last cell of each group of equal values
    levels = s[last]
    widths = levels - np.r_[levels[1:], 0.0]  # t in (next level, this level] selects down to here
    precision = hits[last] / np.maximum(selected[last], 1e-300)
    recall = hits[last] / in_box
    return float(np.sum(widths * precision)), float(np.sum(widths * recall))


# --- table ------------------------------------------------------------------------------------------


def print_table(
    table: dict[str, dict[str, dict[str, float]]], layouts: list[str], metric: str
) -> None:
    """One row per method, one column per layout, plus the mean over layouts."""
    width = max(len(spec) for spec in table) + 2
    print(f"\n{metric.upper()}")
    print("method".ljust(width) + "".join(f"{name:>15}" for name in layouts) + f"{'mean':>10}")
    for spec, row in table.items():
        values = [row[name][metric] for name in layouts]
        print(
            spec.ljust(width) + "".join(f"{v:>15.3f}" for v in values) + f"{np.mean(values):>10.3f}"
        )


def main() -> None:
    # Gap and zero-baseline warnings are expected here; the scores say the rest.
    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layouts", default=",".join(LAYOUTS), help="comma-separated layout names")
    parser.add_argument(
        "--methods", default=DEFAULT_METHODS, help="name[:key=value]... comma-separated"
    )
    parser.add_argument(
        "--samples", type=int, default=100, help="test samples attributed per layout"
    )
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--train", type=int, default=2000, help="training samples per layout")
    parser.add_argument("--units", type=int, default=16, help="LSTM units (5-16 in the issue)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--metric", default="all", choices=("auprc", "aup", "aur", "all"))
    parser.add_argument(
        "--background", default="gaussian", choices=BACKGROUNDS, help="the noise around the box"
    )
    parser.add_argument(
        "--no-quality", action="store_true", help="skip the quality-vs-truth agreement (faster)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="two layouts, 10 samples, small training"
    )
    args = parser.parse_args()
    layouts = list(QUICK_LAYOUTS) if args.quick else [s.strip() for s in args.layouts.split(",")]
    if args.quick:
        args.samples, args.train, args.epochs = 10, 1000, 10
    unknown = sorted(set(layouts) - set(LAYOUTS))
    if unknown:
        parser.error(f"--layouts: unknown {unknown}; available: {', '.join(LAYOUTS)}")
    methods = parse_methods(args.methods)

    table: dict[str, dict[str, dict[str, float]]] = {spec: {} for spec in methods}
    agreement: dict[str, float] = {}
    for name in layouts:
        layout = LAYOUTS[name]
        train_x, train_y, _ = make_data(layout, args.train, args.seed, args.background)
        test_x, test_y, test_mask = make_data(layout, 500, args.seed + 1, args.background)
        start = time.perf_counter()
        model = trained_model(
            layout, (train_x, train_y), args.units, args.epochs, args.seed, args.background
        )
        acc = accuracy(model, test_x, test_y)
        flag = "" if acc >= 0.95 else "   BELOW 95 %: raise --epochs / --train"
        print(f"{name}: test accuracy {acc:.3f} ({time.perf_counter() - start:.1f} s){flag}")
        x, mask = test_x[: args.samples], test_mask[: args.samples]
        quality: dict[str, float] = {}
        for spec in methods:
            start = time.perf_counter()
            result = attribute(spec, model, x, train_x, args.seed)
            saliency = result if isinstance(result, np.ndarray) else np.abs(result.values)
            table[spec][name] = scores(saliency, mask)
            line = f"  {spec}: AUPRC {table[spec][name]['auprc']:.3f}"
            if isinstance(result, AttributionResult) and not args.no_quality:
                quality[spec] = quality_score(model, x, result, train_x)
                line += f", deletion AOPC {quality[spec]:.3f}"
            print(f"{line} ({time.perf_counter() - start:.1f} s)")
        if len(quality) >= 3:
            truth = {spec: table[spec][name]["auprc"] for spec in quality}
            agreement[name] = rank_agreement(quality, truth)
            print(f"  quality vs truth: Spearman {agreement[name]:.2f}")
    for metric in ("auprc", "aup", "aur") if args.metric == "all" else (args.metric,):
        print_table(table, layouts, metric)
    if agreement:
        values = ", ".join(f"{name} {value:.2f}" for name, value in agreement.items())
        median = float(np.median(list(agreement.values())))
        print(f"\nquality vs truth (Spearman per layout): {values}; median {median:.2f}")


if __name__ == "__main__":
    main()

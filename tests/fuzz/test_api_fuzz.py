"""Fuzz the public API with bad arrays and bad argument types and values (issue #10, "Prove it").

Only :class:`rnnlens.errors.RnnlensError` subclasses may escape, messages are one line, and a call that
fails writes nothing (no file at its target, no temp file beside it).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlens
from rnnlens import quality, units
from tests.fuzz.harness import check_api, examples
from tests.fuzz.inputs import (
    DATA_FILE_KINDS,
    MODEL_FILE_KINDS,
    bad_arrays,
    bad_data_file,
    bad_model_file,
)
from tests.fuzz.zoo import Zoo

ATTRIBUTION_METHODS = (
    "integrated_gradients",
    "saliency",
    "input_x_gradient",
    "occlusion",
    "feature_ablation",
)
TARGETS = {"forecaster": (3, 0), "classifier": 1, "sentiment": 0}
FAST: dict[str, dict[str, Any]] = {"integrated_gradients": {"n_steps": 4}}


@dataclass
class World:
    """Loaded models, valid inputs, one trace and one attribution per model: what the calls start from."""

    zoo: Zoo
    models: dict[str, Any]
    inputs: dict[str, np.ndarray]
    trace: Any
    result: Any


@pytest.fixture(scope="module")
def world(zoo: Zoo, loaded: dict[str, Any]) -> World:
    inputs = {
        "forecaster": np.load(zoo["forecaster"].data),
        "classifier": np.load(zoo["classifier"].data)["x"],
        "binary": np.load(zoo["binary"].data),
        "sentiment": np.random.default_rng(0).integers(1, 20, size=(2, 6)).astype("int32"),
    }
    model = loaded["forecaster"]
    trace = rnnlens.trace(model, inputs["forecaster"])
    result = rnnlens.attribute(model, inputs["forecaster"], method="saliency", target=(3, 0))
    return World(zoo, loaded, inputs, trace, result)


@contextmanager
def scratch(zoo: Zoo) -> Iterator[Path]:
    root = zoo.folder / "api-cases"
    root.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------
# Entry points that take DATA: each is (model, inputs, target, folder) -> (call, files it writes)

Call = Callable[[Any, Any, Any, Path], tuple[Callable[[], Any], tuple[Path, ...]]]


def _attribute(method: str) -> Call:
    def make(model: Any, x: Any, target: Any, folder: Path) -> Any:
        options = FAST.get(method, {})
        return (lambda: rnnlens.attribute(model, x, method=method, target=target, **options)), ()

    return make


def _report(model: Any, x: Any, target: Any, folder: Path) -> Any:
    path = folder / "report.html"
    return (
        lambda: rnnlens.render_report(
            model, x, path, max_samples=1, method="saliency", target=target
        ),
        (path,),
    )


def _trace_to_file(model: Any, x: Any, target: Any, folder: Path) -> Any:
    path = folder / "trace.h5"
    return (lambda: rnnlens.trace_to_file(model, x, path)), (path,)


DATA_ENTRIES: dict[str, Call] = {
    "decode": lambda m, x, t, f: ((lambda: rnnlens.decode(m, x)), ()),
    "trace": lambda m, x, t, f: ((lambda: rnnlens.trace(m, x)), ()),
    "trace_to_file": _trace_to_file,
    **{f"attribute[{name}]": _attribute(name) for name in ATTRIBUTION_METHODS},
    "render_report": _report,
    "collect_report": lambda m, x, t, f: (
        (lambda: rnnlens.collect_report(m, x, max_samples=1, method="saliency", target=t)),
        (),
    ),
    "quality.compare": lambda m, x, t, f: (
        (lambda: quality.compare(m, x, methods=("saliency",), target=t, steps=2, n_random=1)),
        (),
    ),
    "units.feature_concepts": lambda m, x, t, f: ((lambda: units.feature_concepts(x)), ()),
}


@settings(max_examples=examples(260), deadline=None)
@given(st.data())
def test_bad_arrays(world: World, data: st.DataObject) -> None:
    """Every data entry point with 0-d, empty, wrong-rank, NaN, complex, object, ... arrays."""
    name = data.draw(st.sampled_from(sorted(TARGETS)), "model")
    entry = data.draw(st.sampled_from(sorted(DATA_ENTRIES)), "entry")
    target = world.zoo[name]
    bad = data.draw(bad_arrays(target.shape, target.tokens))
    if entry == "units.feature_concepts" and bad.why in (
        "wrong last axis",
        "wrong time axis",
        "nan",
    ):
        return  # any (batch, time, features) is valid there; NaN cells are missing values
    with scratch(world.zoo) as folder:
        call, writes = DATA_ENTRIES[entry](world.models[name], bad.array, TARGETS[name], folder)
        check_api(
            call,
            must_fail=bad.must_fail,
            family="api arrays",
            why=f"{entry}({name}, {bad.why} array of dtype {getattr(bad.array, 'dtype', '?')})",
            writes=writes,
        )


# ---------------------------------------------------------------------------------------------------------
# Bad argument types and values

WRONG_TYPES: tuple[Any, ...] = ("abc", 1.5, [], {}, (2, 2, 2), object(), b"x", True)
COUNTS: tuple[Any, ...] = (0, -1, -7, 10**9, math.nan, math.inf, 2.5, "3", *WRONG_TYPES[:3])


def _count(value: Any, low: int = 1, high: int | None = None) -> bool | None:
    """Certainly wrong for a count ``>= low``: not an int (bool included), below ``low``, above ``high``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        return True
    if value < low or (high is not None and value > high):
        return True
    return None


def _positive_real(value: Any) -> bool | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    if math.isnan(value) or value <= 0:
        return True
    return None


def _wrong(value: Any) -> bool:
    return True


@dataclass(frozen=True)
class ArgFuzz:
    """One keyword of one entry point: the values to try and which are certainly wrong."""

    entry: str
    keyword: str
    values: tuple[Any, ...]
    wrong: Callable[[Any], bool | None]
    model: str = "forecaster"


ARGS = (
    ArgFuzz("decode", "batch_size", COUNTS, _count),
    ArgFuzz("decode", "top_k", COUNTS, lambda v: _count(v, 0)),
    ArgFuzz(
        "decode", "threshold", (-1.0, 2.0, math.nan, "abc", [0.2, 0.3, 0.4, 0.5], None), _wrong
    ),
    ArgFuzz("decode", "labels", (42, "abc", ["a"], [1, 2, 3], object()), _wrong),
    ArgFuzz("decode", "scaler", ((1.0, 0.0), (1.0, -1.0), "x", 42, (math.nan, 1.0)), _wrong),
    ArgFuzz("decode", "target_offset", (-1, 10**9, "a", 1.5, None), lambda v: v != -1 or None),
    ArgFuzz("decode", "output", (7, "nope", -5, 1.5, []), _wrong),
    ArgFuzz("decode", "max_length", (-1, 0, 3, "a"), _wrong),
    ArgFuzz("decode", "start_token", ("w1", 0, 1.5), _wrong),
    ArgFuzz("decode", "vocab", (42, "abc", [1, 2]), _wrong),
    ArgFuzz("trace", "layers", (42, "nope", ["nope"], 1.5, object()), _wrong),
    ArgFuzz("trace", "quantities", (42, "nope", ["nope"], 1.5), _wrong),
    ArgFuzz("trace", "batch_size", COUNTS, _count),
    ArgFuzz(
        "trace",
        "memory_budget_mb",
        (0, -1, math.nan, -math.inf, "a", 1e-300, math.inf),
        _positive_real,
    ),
    ArgFuzz("attribute", "method", ("nope", 42, ""), _wrong),  # None: the default
    ArgFuzz(
        "attribute", "target", ((99, 0), (0, 99), "abc", (1, 2, 3), 1.5, -100, object()), _wrong
    ),
    ArgFuzz(
        "attribute",
        "baselines",
        ("nope", object(), np.zeros((1, 3, 3)), np.full((2, 10, 1), np.nan)),
        _wrong,
    ),
    ArgFuzz("attribute[integrated_gradients]", "n_steps", COUNTS, lambda v: _count(v, 1, 10**6)),
    ArgFuzz("attribute[integrated_gradients]", "integration", ("nope", 42), _wrong),
    ArgFuzz("attribute[occlusion]", "window", (0, -1, (2, 2, 2), "a", 1.5, (0, 1), None), _wrong),
    ArgFuzz("attribute[occlusion]", "stride", (0, -1, (2, 2, 2), "a", 1.5), _wrong),
    ArgFuzz("attribute[feature_ablation]", "groups", ("nope", 42, ""), _wrong),
    ArgFuzz("attribute[saliency]", "internal_batch_size", COUNTS, _count),
    ArgFuzz("attribute[saliency]", "no_such_option", (1, "x"), _wrong),
    # [-1] is the last sample (Python indexing), a valid choice
    ArgFuzz("render_report", "samples", ([99], [-99], "a", 42, [1.5]), _wrong),
    ArgFuzz("render_report", "max_samples", COUNTS, lambda v: _count(v) or None),
    ArgFuzz("render_report", "method", ("nope", 42), _wrong),
    ArgFuzz("render_report", "output", (7, "nope", 1.5), _wrong),
    ArgFuzz("render_report", "labels", (42, "abc", object()), _wrong),
    ArgFuzz("render_report", "path", ("out.xlsx", "nope/out.html", 42), _wrong),
    # a negative `low` is meaningful: the candidate (tanh) runs from -1 to 1
    ArgFuzz("units.gate_saturation", "low", (2.0, math.nan, "a"), _wrong),
    ArgFuzz("units.gate_saturation", "layer", ("nope", 42), _wrong),
    ArgFuzz("units.gate_saturation", "gates", ("nope", 42), _wrong),
    ArgFuzz("units.memory_timescales", "layer", ("nope", 42), _wrong),
    ArgFuzz("units.state_trajectories", "components", (0, -1, 10**6, "a", 1.5), _wrong),
    ArgFuzz("units.state_trajectories", "layer", ("nope", 42), _wrong),
    ArgFuzz("units.summarize_units", "top", (-1, "a", 1.5), _wrong),
    ArgFuzz(
        "units.unit_concepts",
        "concepts",
        ({"c": np.zeros(3)}, {"c": "abc"}, 42, {"c": None}),
        _wrong,
    ),
    ArgFuzz("quality.deletion_curve", "steps", COUNTS, lambda v: _count(v) or None),
    ArgFuzz("quality.deletion_curve", "order", ("nope", 42), _wrong),
    ArgFuzz("quality.deletion_curve", "n_random", (-1, "a", 1.5), _wrong),
    # a scalar is a valid constant baseline (every cell becomes that value), as in attribute()
    ArgFuzz("quality.deletion_curve", "baseline", ("nope", "mean", object()), _wrong),
    ArgFuzz("quality.insertion_curve", "memory_budget_mb", (0, -1, math.nan, "a"), _wrong),
    ArgFuzz("quality.compare", "methods", (["nope"], "nope", 42, []), _wrong),
    ArgFuzz("inspect_model", "model_or_path", (42, None, "missing.keras", np.zeros(3)), _wrong),
)


def _arg_call(world: World, fuzz: ArgFuzz, value: Any, folder: Path) -> Any:
    """The call for one keyword value on the forecaster (an LSTM with gates and a sequence output)."""
    model, x = world.models[fuzz.model], world.inputs[fuzz.model]
    entry, kw = fuzz.entry, {fuzz.keyword: value}
    if entry == "decode":
        return (lambda: rnnlens.decode(model, x, **kw)), ()
    if entry == "trace":
        return (lambda: rnnlens.trace(model, x, **kw)), ()
    if entry.startswith("attribute"):
        method = entry[len("attribute[") : -1] if "[" in entry else "saliency"
        options: dict[str, Any] = {"method": method, "target": (3, 0), **FAST.get(method, {}), **kw}
        return (lambda: rnnlens.attribute(model, x, **options)), ()
    if entry == "render_report":
        path = folder / "report.html"
        options = {"path": path, "max_samples": 1, "method": "saliency", "target": (3, 0), **kw}
        if isinstance(options["path"], str):
            options["path"] = folder / options["path"]
        where = options["path"] if isinstance(options["path"], Path) else path
        return (lambda: rnnlens.render_report(model, x, **options)), (where,)
    if entry == "inspect_model":
        return (lambda: rnnlens.inspect_model(value)), ()
    if entry == "quality.compare":
        return (lambda: quality.compare(model, x, target=(3, 0), steps=2, n_random=1, **kw)), ()
    if entry.startswith("quality."):
        curve = getattr(quality, entry.split(".")[1])
        options = {"target": (3, 0), "steps": 2, "n_random": 1, **kw}
        return (lambda: curve(model, x, world.result, **options)), ()
    function = getattr(units, entry.split(".")[1])
    if entry == "units.unit_concepts":
        return (lambda: function(world.trace, value)), ()
    return (lambda: function(world.trace, **kw)), ()


@settings(max_examples=examples(260), deadline=None)
@given(st.data())
def test_bad_arguments(world: World, data: st.DataObject) -> None:
    """Wrong types and values for the keywords of decode, trace, attribute, reports, units and quality."""
    fuzz = data.draw(st.sampled_from(ARGS), "argument")
    value = data.draw(st.sampled_from(fuzz.values), "value")
    with scratch(world.zoo) as folder:
        call, writes = _arg_call(world, fuzz, value, folder)
        check_api(
            call,
            must_fail=bool(fuzz.wrong(value)),
            family="api arguments",
            why=f"{fuzz.entry}({fuzz.keyword}={value!r})",
            writes=writes,
        )


# ---------------------------------------------------------------------------------------------------------
# Bad files through load_model, load_data and inspect_model


@settings(max_examples=examples(120), deadline=None)
@given(st.data(), st.floats(0.05, 0.95), st.binary(max_size=300))
def test_bad_files(world: World, data: st.DataObject, cut: float, noise: bytes) -> None:
    """Missing, directory, empty, truncated, random, pickled, FIFO and /dev/null files."""
    name = data.draw(st.sampled_from(sorted(world.zoo.targets)), "model")
    target = world.zoo[name]
    role = data.draw(st.sampled_from(("load_model", "inspect_model", "load_data")), "entry")
    with scratch(world.zoo) as folder:
        if role == "load_data":
            kind = data.draw(st.sampled_from([k for k in DATA_FILE_KINDS if k != "fifo"]), "kind")
            path, must_fail = bad_data_file(folder, kind, target.data, cut, noise)
            model = world.models.get(name) or rnnlens.load_model(target.model)
            call: Callable[[], Any] = lambda: rnnlens.load_data(path, model)  # noqa: E731
        else:
            kind = data.draw(st.sampled_from([k for k in MODEL_FILE_KINDS if k != "fifo"]), "kind")
            path, must_fail = bad_model_file(folder, kind, target.model, cut, noise)
            function: Callable[[Any], Any] = (
                rnnlens.load_model if role == "load_model" else rnnlens.inspect_model
            )
            call = lambda: function(path)  # noqa: E731
        check_api(call, must_fail=must_fail, family="api files", why=f"{role}({kind} {path.name})")

"""The same mistake gets the same error class at every entry point, API and CLI (issue #10, "Prove it").

Mistakes: no samples and no timesteps (ShapeError), a string where an array is expected (DataError), a
negative batch size (OptionError). The CLI is run with ``--debug`` so the error itself propagates.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rnnlens
from rnnlens import quality, units
from rnnlens.errors import DataError, OptionError, RnnlensError, ShapeError
from tests.fuzz.harness import CASES, RUNNER
from tests.fuzz.zoo import Zoo

pytestmark = pytest.mark.usefixtures("cached_loading")

EXPECTED: dict[str, type[RnnlensError]] = {
    "zero samples": ShapeError,
    "zero timesteps": ShapeError,
    "str instead of an array": DataError,
    "negative batch size": OptionError,
}


def bad_inputs(mistake: str) -> Any:
    if mistake == "zero samples":
        return np.zeros((0, 10, 1), "float32")
    if mistake == "zero timesteps":
        return np.zeros((2, 0, 1), "float32")
    if mistake == "str instead of an array":
        return "abc"
    return np.random.default_rng(0).normal(size=(2, 10, 1)).astype("float32")


T = (3, 0)  # the forecaster's step 3, unit 0
API: dict[str, Callable[[Any, Any, Path, dict[str, Any]], Any]] = {
    "decode": lambda m, x, f, b: rnnlens.decode(m, x, **b),
    "trace": lambda m, x, f, b: rnnlens.trace(m, x, **b),
    "trace_to_file": lambda m, x, f, b: rnnlens.trace_to_file(m, x, f / "t.h5", **b),
    "attribute[saliency]": lambda m, x, f, b: rnnlens.attribute(
        m, x, method="saliency", target=T, **_internal(b)
    ),
    "attribute[integrated_gradients]": lambda m, x, f, b: rnnlens.attribute(
        m, x, method="ig", target=T, n_steps=4, **_internal(b)
    ),
    "attribute[occlusion]": lambda m, x, f, b: rnnlens.attribute(
        m, x, method="occlusion", target=T, **_internal(b)
    ),
    "render_report": lambda m, x, f, b: rnnlens.render_report(
        m, x, f / "r.html", max_samples=1, method="saliency", target=T
    ),
    "collect_report": lambda m, x, f, b: rnnlens.collect_report(
        m, x, max_samples=1, method="saliency", target=T
    ),
    "quality.deletion_curve": lambda m, x, f, b: quality.deletion_curve(
        m, x, _a_result(m), target=T, steps=2, n_random=1, **_internal(b)
    ),
    "quality.compare": lambda m, x, f, b: quality.compare(
        m, x, methods=("saliency",), target=T, steps=2, n_random=1
    ),
    "units.feature_concepts": lambda m, x, f, b: units.feature_concepts(x),
}
BATCHED = {
    "decode",
    "trace",
    "trace_to_file",
    "attribute[saliency]",
    "attribute[integrated_gradients]",
    "attribute[occlusion]",
    "quality.deletion_curve",
}
CLI: dict[str, list[str]] = {
    "cli predict": ["predict"],
    "cli trace": ["trace", "-o", "{out}.npz"],
    "cli attribute": ["attribute", "-m", "saliency", "-t", "3,0", "--top", "1"],
    "cli explain": ["explain", "-o", "{out}.html", "-n", "1", "-m", "saliency"],
}
CLI_BATCHED = {"cli trace", "cli attribute"}


def _internal(batch: dict[str, Any]) -> dict[str, Any]:
    return {"internal_batch_size": batch["batch_size"]} if batch else {}


def _a_result(model: Any) -> Any:
    x = bad_inputs("negative batch size")
    return rnnlens.attribute(model, x, method="saliency", target=T)


def _cases() -> list[Any]:
    cases = []
    for mistake in EXPECTED:
        for entry in [*API, *CLI]:
            if mistake == "negative batch size" and entry not in BATCHED | CLI_BATCHED:
                continue  # no batch size there
            cases.append(pytest.param(entry, mistake, id=f"{entry}-{mistake}"))
    return cases


@pytest.mark.parametrize(("entry", "mistake"), _cases())
def test_same_mistake_same_error(
    entry: str, mistake: str, zoo: Zoo, loaded: dict[str, Any], tmp_path: Path
) -> None:
    CASES["same mistake"] += 1
    expected = EXPECTED[mistake]
    batch = {"batch_size": -1} if mistake == "negative batch size" else {}
    if entry in API:
        try:
            API[entry](loaded["forecaster"], bad_inputs(mistake), tmp_path, batch)
        except Exception as exc:
            error: BaseException | None = exc
        else:
            error = None
    else:
        data = tmp_path / "data.npy"
        array = bad_inputs(mistake)
        np.save(data, np.full((2, 10, 1), "abc") if isinstance(array, str) else array)
        options = [part.format(out=tmp_path / "out") for part in CLI[entry][1:]]
        if batch:
            options += ["--batch-size", "-1"]
        args = ["--debug", CLI[entry][0], str(zoo["forecaster"].model), str(data), *options]
        result = RUNNER.invoke(__import__("rnnlens.cli.app", fromlist=["app"]).app, args)
        error = result.exception if not isinstance(result.exception, SystemExit) else None
    assert isinstance(error, expected), (
        f"{entry} with {mistake}: expected {expected.__name__}, received "
        f"{type(error).__name__ if error is not None else 'no error'}: {error}"
    )
    assert list(tmp_path.glob(".*")) == [], "a temp file was left behind"

"""collect_report composes results the caller already computed instead of computing them again."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

import rnnlens.attribution
import rnnlens.decoding
import rnnlens.inspection
import rnnlens.tracing
from rnnlens.attribution import Target, attribute
from rnnlens.decoding import decode
from rnnlens.errors import OptionError
from rnnlens.inspection import inspect_model
from rnnlens.report import ReportData, collect_report
from rnnlens.tracing import trace
from tests.helpers import random_series, small_forecaster, small_sentiment

SAMPLES = [2, 0]
METHOD = "saliency"


@pytest.fixture(scope="module")
def model_and_data() -> tuple[Any, np.ndarray]:
    return small_forecaster(), random_series(3)


@pytest.fixture(scope="module")
def computed(model_and_data: tuple[Any, np.ndarray]) -> dict[str, Any]:
    """What the report would compute, computed by hand for ``SAMPLES``."""
    model, x = model_and_data
    chosen = x[SAMPLES]
    return {
        "spec": inspect_model(model),
        "interpretation": decode(model, chosen),
        "trace": trace(model, chosen),
        "attributions": attribute(
            model, chosen, method=METHOD, target=Target(output=0, time="all", unit=0)
        ),
    }


def _same(left: Any, right: Any, where: str = "report") -> None:
    """Structural equality of report data: arrays equal (NaN = NaN), the creation time ignored."""
    if isinstance(left, np.ndarray):
        np.testing.assert_allclose(left, right, rtol=1e-6, atol=1e-6, err_msg=where)
    elif dataclasses.is_dataclass(left) and not isinstance(left, type):
        assert type(left) is type(right), where
        for field in dataclasses.fields(left):
            _same(getattr(left, field.name), getattr(right, field.name), f"{where}.{field.name}")
    elif isinstance(left, tuple | list):
        assert len(left) == len(right), where
        for k, (a, b) in enumerate(zip(left, right, strict=True)):
            if isinstance(a, tuple) and a and a[0] == "created":
                continue
            _same(a, b, f"{where}[{k}]")
    else:
        assert left == right, where


def test_precomputed_results_give_the_same_report(
    model_and_data: tuple[Any, np.ndarray], computed: dict[str, Any]
) -> None:
    model, x = model_and_data
    fresh = collect_report(model, x, samples=SAMPLES, method=METHOD)
    reused = collect_report(model, x, samples=SAMPLES, method=METHOD, **computed)
    assert isinstance(reused, ReportData)
    assert reused.samples and reused.samples[0].states and reused.samples[0].attributions
    _same(fresh, reused)


def test_a_tuple_of_attributions_and_a_lone_spec_are_accepted(
    model_and_data: tuple[Any, np.ndarray], computed: dict[str, Any]
) -> None:
    model, x = model_and_data
    fresh = collect_report(model, x, samples=SAMPLES, method=METHOD, states=False)
    reused = collect_report(
        model,
        x,
        samples=SAMPLES,
        method=METHOD,
        states=False,
        spec=computed["spec"],
        attributions=(computed["attributions"],),
    )
    _same(fresh, reused)


class _Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: dict[str, int] = {}
        for module, name in (
            (rnnlens.inspection, "inspect_model"),
            (rnnlens.decoding, "decode"),
            (rnnlens.tracing, "trace"),
            (rnnlens.attribution, "attribute"),
        ):
            monkeypatch.setattr(module, name, self._counting(name, getattr(module, name)))

    def _counting(self, name: str, function: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return function(*args, **kwargs)

        return counted


def test_each_stage_runs_once_per_report(
    model_and_data: tuple[Any, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, x = model_and_data
    counter = _Counter(monkeypatch)
    collect_report(model, x, samples=SAMPLES, method=METHOD)
    # inspect_model once: the report hands its ModelSpec to decode().
    assert counter.calls == {"inspect_model": 1, "decode": 1, "trace": 1, "attribute": 1}


def test_precomputed_stages_do_not_run_again(
    model_and_data: tuple[Any, np.ndarray],
    computed: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model, x = model_and_data
    counter = _Counter(monkeypatch)
    collect_report(model, x, samples=SAMPLES, method=METHOD, **computed)
    assert counter.calls == {}


@pytest.mark.parametrize(
    ("argument", "build", "message"),
    [
        ("trace", lambda m, x: trace(m, x[:1]), "Argument `trace` holds \\[1\\] sample"),
        (
            "attributions",
            lambda m, x: attribute(m, x[[0, 2]], method=METHOD, target=(9, 0)),
            "explains other inputs than the report's samples",
        ),
        ("interpretation", lambda m, x: decode(m, x), "decodes 3 sample"),
        ("spec", lambda m, x: inspect_model(small_sentiment()), "Argument `spec` describes"),
        ("trace", lambda m, x: "not a trace", "must be a Trace"),
        ("attributions", lambda m, x: (), "empty tuple"),
    ],
)
def test_results_that_do_not_match_are_refused(
    model_and_data: tuple[Any, np.ndarray], argument: str, build: Any, message: str
) -> None:
    model, x = model_and_data
    with pytest.raises(OptionError, match=message):
        collect_report(model, x, samples=SAMPLES, method=METHOD, **{argument: build(model, x)})

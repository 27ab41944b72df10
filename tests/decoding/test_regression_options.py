"""``decode(regression=RegressionOptions(...))``: the same reading as the deprecated keywords, refused where
it does not apply; and ``decode(spec=...)``: a ModelSpec passed in is used, not recomputed."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

import rnnlens.inspection
from rnnlens.decoding import RegressionOptions, decode
from rnnlens.errors import OptionError
from rnnlens.inspection import inspect_model
from tests.decoding.conftest import _head_model

SCALER = {"mean": np.array([10.0, -3.0, 7.0]), "std": np.array([2.0, 0.5, 4.0])}


@pytest.fixture(scope="module")
def two_targets():
    """Many-to-many regression: 2 linear targets at every step."""
    return _head_model(2, None, "mse", "two_targets", steps=True)


@pytest.mark.parametrize(
    "settings",
    [
        {"scaler": SCALER, "target_index": [2, 0], "target_names": ["load", "temp"]},
        {"target_offset": 1, "target_names": ["a", "b"]},
        {"scaler": (1.5, 2.0)},
    ],
)
def test_options_type_equals_the_deprecated_keywords(two_targets, series, settings):
    new = decode(two_targets, series, regression=RegressionOptions(**settings))
    with pytest.warns(DeprecationWarning, match="regression=RegressionOptions"):
        old = decode(two_targets, series, **settings)
    assert new.kind == old.kind == "regression"
    assert new.table.equals(old.table)
    assert new.meta == old.meta


def test_horizon_reads_alike_in_both_spellings(logit_classifier, series):
    model = _head_model(3, None, "mse", "three_ahead")
    new = decode(model, series, regression=RegressionOptions(horizon=True))
    with pytest.warns(DeprecationWarning):
        old = decode(model, series, horizon=True)
    assert "ahead" in new.table.columns
    assert new.table.equals(old.table)


def test_default_options_warn_about_nothing(two_targets, series):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        plain = decode(two_targets, series)
        empty = decode(two_targets, series, regression=RegressionOptions())
    assert plain.table.equals(empty.table)


def test_options_are_frozen_and_checked_when_built():
    options = RegressionOptions(target_offset=np.int64(2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.target_offset = 3  # type: ignore[misc]
    with pytest.raises(OptionError, match="`horizon` must be True or False"):
        RegressionOptions(horizon="yes")  # type: ignore[arg-type]
    with pytest.raises(Exception, match="`target_offset` must be an integer"):
        RegressionOptions(target_offset=1.5)  # type: ignore[arg-type]


def test_both_spellings_at_once_are_refused(two_targets, series):
    with pytest.raises(OptionError, match="both `regression` and `scaler`"):
        decode(two_targets, series, regression=RegressionOptions(target_offset=1), scaler=(0, 1))
    with pytest.raises(OptionError, match="must be a rnnlens.decoding.RegressionOptions"):
        decode(two_targets, series, regression={"scaler": (0, 1)})  # type: ignore[arg-type]


def test_regression_options_on_a_classifier_are_refused(softmax_classifier, series):
    with pytest.raises(OptionError, match="`target_names` apply to regression outputs"):
        decode(softmax_classifier, series, regression=RegressionOptions(target_names=["a"]))


def test_a_given_spec_is_used_instead_of_inspecting_again(two_targets, series, monkeypatch):
    spec = inspect_model(two_targets)
    fresh = decode(two_targets, series)
    calls = []
    original = rnnlens.inspection.inspect_model
    monkeypatch.setattr(
        rnnlens.inspection, "inspect_model", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    reused = decode(two_targets, series, spec=spec)
    assert calls == []
    assert reused.table.equals(fresh.table) and reused.meta == fresh.meta


def test_a_spec_of_another_model_is_refused(two_targets, softmax_classifier, series):
    with pytest.raises(OptionError, match="Argument `spec` describes model 'softmax_clf'"):
        decode(two_targets, series, spec=inspect_model(softmax_classifier))
    with pytest.raises(OptionError, match="`spec` must be a ModelSpec"):
        decode(two_targets, series, spec="two_targets")

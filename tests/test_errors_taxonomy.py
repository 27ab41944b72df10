"""The error taxonomy of ``rnnlens.errors``: for each class, one real call that raises it."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnnlens
from rnnlens import errors
from rnnlens.attribution import Target
from rnnlens.errors import (
    BackendError,
    DataError,
    MemoryBudgetError,
    ModelLoadError,
    OptionError,
    OutputError,
    RnnlensError,
    ShapeError,
    TargetError,
    UnsupportedLayerError,
)


def test_every_class_is_documented_in_the_table():
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        if name != "RnnlensError":
            assert f"``{name}``" in doc, name
        assert issubclass(getattr(errors, name), RnnlensError)


def test_bad_option_value_is_an_option_error(forecaster, series):
    with pytest.raises(OptionError, match="n_steps"):
        rnnlens.attribute(forecaster, series, method="ig", target=(9, 0), n_steps=0)


def test_unknown_method_is_an_option_error(forecaster, series):
    with pytest.raises(OptionError, match="Unknown attribution method"):
        rnnlens.attribute(forecaster, series, method="shap")


def test_non_finite_data_is_a_data_error(forecaster, series):
    bad = series.copy()
    bad[0, 3, 0] = np.nan
    with pytest.raises(DataError):
        rnnlens.trace(forecaster, bad)


def test_wrong_shape_is_a_shape_error(forecaster):
    with pytest.raises(ShapeError):
        rnnlens.trace(forecaster, np.zeros((2, 5), np.float32))


def test_out_of_range_target_is_a_target_error(forecaster, series):
    with pytest.raises(TargetError):
        rnnlens.attribute(forecaster, series, target=Target(output=0, time=0, unit=7))


def test_model_without_recurrent_layer_is_unsupported(series):
    inputs = keras.Input((10, 1))
    dense = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(UnsupportedLayerError):
        rnnlens.trace(dense, series)


def test_missing_model_file_is_a_model_load_error(tmp_path):
    with pytest.raises(ModelLoadError):
        rnnlens.load_model(tmp_path / "missing.keras")


def test_unwritable_output_is_an_output_error(forecaster, series, tmp_path):
    result = rnnlens.trace(forecaster, series)
    with pytest.raises(OutputError):
        result.save(tmp_path / "no-such-folder" / "trace.npz")


def test_result_over_the_memory_budget_is_a_memory_budget_error(forecaster, series):
    with pytest.raises(MemoryBudgetError):
        rnnlens.trace(forecaster, series, memory_budget_mb=1e-6)


def test_unsupported_backend_is_a_backend_error(monkeypatch):
    from rnnlens import backends

    monkeypatch.setattr(backends, "name", lambda: "numpy")
    with pytest.raises(BackendError, match="KERAS_BACKEND") as caught:
        backends.current()
    # Raised as UnsupportedLayerError before BackendError existed: old handlers still catch it.
    assert isinstance(caught.value, UnsupportedLayerError)

"""A report validates its inputs once and hands the validated rows (``PreparedInputs``) to every stage.

Full validation is counted through ``rnnlens.validation.check_array``, which runs once per model input
each time inputs are really checked; PreparedInputs validated for the same model skip it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import rnnlens.validation
from rnnlens.attribution import attribute
from rnnlens.decoding import decode
from rnnlens.errors import DataError
from rnnlens.report import collect_report
from rnnlens.tracing import trace
from rnnlens.validation import PreparedInputs, prepare_inputs
from tests.helpers import random_series, small_forecaster

SAMPLES = [2, 0]
METHOD = "saliency"


@pytest.fixture(scope="module")
def model_and_data() -> tuple[Any, np.ndarray]:
    return small_forecaster(), random_series(3)


@pytest.fixture()
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the inputs fully validated, one entry per check."""
    seen: list[str] = []
    original = rnnlens.validation.check_array

    def counted(value: Any, expected_shape: Any, *, name: str, **kwargs: Any) -> np.ndarray:
        seen.append(name)
        return original(value, expected_shape, name=name, **kwargs)

    monkeypatch.setattr(rnnlens.validation, "check_array", counted)
    return seen


def test_a_report_without_states_validates_its_inputs_once(
    model_and_data: tuple[Any, np.ndarray], checks: list[str]
) -> None:
    model, x = model_and_data
    collect_report(model, x, samples=SAMPLES, method=METHOD, states=False)
    assert len(checks) == len(model.inputs) == 1


def test_a_full_report_validates_its_inputs_once(
    model_and_data: tuple[Any, np.ndarray], checks: list[str]
) -> None:
    model, x = model_and_data
    collect_report(model, x, samples=SAMPLES, method=METHOD)
    assert len(checks) == 1


def test_prepared_inputs_give_the_same_results_as_raw_arrays(
    model_and_data: tuple[Any, np.ndarray], checks: list[str]
) -> None:
    model, x = model_and_data
    raw_decoded = decode(model, x)
    raw_traced = trace(model, x)
    raw_attributed = attribute(model, x, method=METHOD, target=(9, 0))
    prepared = PreparedInputs.of(model, x)
    checks.clear()
    decoded = decode(model, prepared)
    attributed = attribute(model, prepared, method=METHOD, target=(9, 0))
    assert checks == []  # neither decode nor attribute checked the arrays again
    traced = trace(model, prepared)
    assert decoded.table.equals(raw_decoded.table)
    np.testing.assert_array_equal(attributed.values, raw_attributed.values)
    np.testing.assert_array_equal(traced["lstm"].hidden, raw_traced["lstm"].hidden)


def test_prepared_inputs_for_another_model_are_validated_again(
    model_and_data: tuple[Any, np.ndarray], checks: list[str]
) -> None:
    model, x = model_and_data
    other = small_forecaster()
    prepared = PreparedInputs.of(other, x)
    checks.clear()
    arrays = prepare_inputs(model, prepared)
    assert len(checks) == 1
    np.testing.assert_array_equal(arrays[0], prepared.arrays[0])


def test_raw_arrays_are_still_refused_as_before(model_and_data: tuple[Any, np.ndarray]) -> None:
    model, x = model_and_data
    bad = x.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(DataError, match="NaN or inf"):
        PreparedInputs.of(model, bad)
    with pytest.raises(DataError, match="NaN or inf"):
        decode(model, bad)


def test_rows_keep_the_model_and_take_the_given_data(
    model_and_data: tuple[Any, np.ndarray],
) -> None:
    model, x = model_and_data
    prepared = PreparedInputs.of(model, x)
    rows = prepared.rows(SAMPLES, data="described")
    assert rows.fits(model) and rows.data == "described" and rows.n_samples == 2
    np.testing.assert_array_equal(rows.arrays[0], prepared.arrays[0][SAMPLES])

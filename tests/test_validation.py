"""User arrays checked against the model before anything reaches Keras."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens import DataError, ShapeError
from rnnlens.validation import prepare_inputs
from tests.helpers import (
    random_series,
    random_tokens,
    small_forecaster,
    small_sentiment,
    small_translator,
)


@pytest.fixture(scope="module")
def forecaster():
    return small_forecaster()


@pytest.fixture(scope="module")
def translator():
    return small_translator()


def test_valid_series_pass_through_as_float32(forecaster):
    (x,) = prepare_inputs(forecaster, random_series(3, 10, 1).astype("float64"))
    assert x.shape == (3, 10, 1)
    assert np.issubdtype(x.dtype, np.floating)


def test_missing_batch_axis_is_explained(forecaster):
    with pytest.raises(ShapeError, match=r"rank 3.*received shape \(10, 1\).*x\[None\]"):
        prepare_inputs(forecaster, np.zeros((10, 1)))


def test_wrong_feature_count_names_the_axis(forecaster):
    with pytest.raises(ShapeError, match="has 2 on its feature axis but the model expects 1"):
        prepare_inputs(forecaster, np.zeros((2, 10, 2)))


def test_wrong_length_names_the_time_axis(forecaster):
    with pytest.raises(ShapeError, match="time axis"):
        prepare_inputs(forecaster, np.zeros((2, 7, 1)))


def test_nan_is_located(forecaster):
    x = random_series(2, 10, 1)
    x[1, 4, 0] = np.nan
    with pytest.raises(DataError, match=r"NaN or inf \(first at index \(1, 4, 0\)\)"):
        prepare_inputs(forecaster, x)


def test_non_numeric(forecaster):
    with pytest.raises(DataError, match="must be numeric"):
        prepare_inputs(forecaster, np.full((2, 10, 1), "a"))


def test_token_ids_out_of_vocabulary():
    model = small_sentiment()
    tokens = random_tokens(2, 20, 50)
    tokens[0, 0] = 50
    with pytest.raises(DataError, match=r"outside \[0, 50\)"):
        prepare_inputs(model, tokens)


def test_fractional_token_ids():
    with pytest.raises(DataError, match="integer token ids"):
        prepare_inputs(small_sentiment(), np.full((2, 20), 1.5))


def test_multi_input_by_list_and_dict(translator):
    source, target = random_tokens(2, 6, 20), random_tokens(2, 5, 20)
    by_list = prepare_inputs(translator, [source, target])
    by_dict = prepare_inputs(translator, {"decoder_tokens": target, "encoder_tokens": source})
    for a, b in zip(by_list, by_dict, strict=True):
        np.testing.assert_array_equal(a, b)


def test_multi_input_errors(translator):
    with pytest.raises(ShapeError, match="pass a list of 2 arrays"):
        prepare_inputs(translator, random_tokens(2, 6, 20))
    with pytest.raises(ShapeError, match="lacks model input"):
        prepare_inputs(translator, {"encoder_tokens": random_tokens(2, 6, 20)})
    with pytest.raises(ShapeError, match="same number of samples"):
        prepare_inputs(translator, [random_tokens(2, 6, 20), random_tokens(3, 5, 20)])

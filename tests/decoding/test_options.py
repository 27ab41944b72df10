"""decode() refuses bad argument types, nonsense values and options that do not apply, each with an
RnnlensError subclass, before running the model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnlens.decoding import decode, decode_regression, inverse_scale
from rnnlens.errors import DataError, OptionError, ShapeError, TargetError
from tests.decoding.conftest import START
from tests.helpers import random_series, random_tokens


@pytest.fixture(scope="module")
def levels() -> np.ndarray:
    """Inputs for the shared ``forecaster`` (10 steps x 1 feature)."""
    return random_series(3, 10, 1, seed=4)


@pytest.mark.parametrize("value", [0, -1, 2.5, "3", True, None])
@pytest.mark.parametrize("name", ["batch_size", "top_k"])
def test_counts_must_be_positive_integers(forecaster, levels, name, value):
    with pytest.raises(OptionError, match=f"`{name}` must be a positive integer"):
        decode(forecaster, levels, **{name: value})


@pytest.mark.parametrize("value", ["abc", 42, [1, 2, 3, 4], ("a", 2, "c", "d"), object()])
def test_labels_must_be_a_list_of_strings(softmax_classifier, series, value):
    with pytest.raises(OptionError, match="`labels` must (be a list of|hold) strings"):
        decode(softmax_classifier, series, labels=value)


def test_a_plain_string_as_vocab_is_refused(translator, source_tokens):
    with pytest.raises(OptionError, match="`vocab` must be a list of strings.*Wrap a single name"):
        decode(translator, [source_tokens], vocab="<start>", start_token=START)


def test_labels_as_a_numpy_array_of_strings_are_accepted(softmax_classifier, series):
    names = np.array(["a", "b", "c", "d"])
    assert set(decode(softmax_classifier, series, labels=names).table["label"]) <= set(names)


@pytest.mark.parametrize("value", [-1.0, 2.0, math.nan, math.inf, "abc", None, True, [0.2, "x"]])
def test_thresholds_outside_0_1_are_refused(sentiment, value):
    x = random_tokens(2, 20, 50)
    with pytest.raises(OptionError, match="`threshold` must be a number in \\[0, 1\\]"):
        decode(sentiment, x, threshold=value)


@pytest.mark.parametrize(
    ("options", "applies"),
    [
        ({"threshold": 0.3}, "sigmoid"),
        ({"labels": ["level"]}, "classification"),
        ({"max_length": 3}, "greedy generation"),
        ({"start_token": 1}, "greedy generation"),
        ({"end_token": "<end>"}, "greedy generation"),
        ({"generate": True}, "greedy generation"),
    ],
)
def test_options_for_another_head_are_refused_not_ignored(forecaster, levels, options, applies):
    with pytest.raises(OptionError, match=f"apply to {applies}.*output 'forecast'"):
        decode(forecaster, levels, **options)


@pytest.mark.parametrize(
    "options", [{"scaler": (1.0, 2.0)}, {"target_offset": 1}, {"target_names": ["x"]}]
)
def test_regression_options_on_a_classifier_are_refused(softmax_classifier, series, options):
    with pytest.raises(OptionError, match="apply to regression outputs"):
        decode(softmax_classifier, series, **options)


@pytest.mark.parametrize("value", [0, -1, 2.5, "a"])
def test_max_length_must_be_a_positive_integer(translator, source_tokens, value):
    with pytest.raises(OptionError, match="`max_length` must be a positive integer"):
        decode(translator, [source_tokens], start_token=START, max_length=value)


def test_a_token_that_is_neither_id_nor_text_is_refused(translator, source_tokens):
    with pytest.raises(OptionError, match="`start_token` must be a token id"):
        decode(translator, [source_tokens], start_token=1.5)


@pytest.mark.parametrize("scaler", [(1.0, 0.0), (1.0, -2.0), {"mean": 0.0, "std": [1.0, 0.0]}])
def test_a_scaler_std_must_be_positive(forecaster, levels, scaler):
    with pytest.raises(DataError, match="std must be positive"):
        decode(forecaster, levels, scaler=scaler)
    with pytest.raises(DataError, match="std must be positive"):
        inverse_scale(np.zeros((2, 2)), scaler)


@pytest.mark.parametrize("scaler", [(math.nan, 1.0), (0.0, math.inf)])
def test_a_scaler_must_be_finite(forecaster, levels, scaler):
    with pytest.raises(DataError, match="must be finite"):
        decode(forecaster, levels, scaler=scaler)


@pytest.mark.parametrize("offset", [11, 10**9, -10])
def test_target_offset_beyond_the_sequence_is_refused(forecaster, levels, offset):
    with pytest.raises(TargetError, match=f"`target_offset` is {offset} but the sequence has 10"):
        decode(forecaster, levels, target_offset=offset)


@pytest.mark.parametrize("offset", [None, "a", 1.5, True])
def test_target_offset_must_be_an_integer(forecaster, levels, offset):
    with pytest.raises(OptionError, match="`target_offset` must be an integer"):
        decode(forecaster, levels, target_offset=offset)


def test_target_offset_limits_are_inclusive_of_real_forecasts(forecaster, levels):
    """Offsets up to the sequence length are valid forecasts: the table says which step each estimates."""
    table = decode(forecaster, levels, target_offset=10).table
    assert (table["target_step"] == table["step"] + 10).all()
    assert len(decode(forecaster, levels, target_offset=-9).table) == 30


def test_decode_regression_checks_the_offset_by_itself():
    with pytest.raises(TargetError, match="`target_offset` is 5 but the sequence has 4"):
        decode_regression(np.zeros((2, 4, 1)), target_offset=5)


def test_zero_samples_are_a_shape_error_like_everywhere_else(forecaster, translator):
    with pytest.raises(ShapeError, match="0 samples"):
        decode(forecaster, np.zeros((0, 10, 1), "float32"))
    with pytest.raises(ShapeError, match="0 samples"):
        decode(forecaster, predictions=np.zeros((0, 10, 1), "float32"))
    with pytest.raises(ShapeError, match="0 samples"):
        decode(translator, [np.zeros((0, 6), "int32")], start_token=START)


def test_a_bool_is_not_an_output_index(forecaster, levels):
    with pytest.raises(TargetError, match="`output` must be an output index or name"):
        decode(forecaster, levels, output=True)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (
            {"target_names": "abc"},
            OptionError,
            "`target_names` must be a list of strings, one per target",
        ),
        ({"target_names": 42}, OptionError, "`target_names` must be a list of strings"),
        ({"target_index": 0}, OptionError, "no `scaler` was given"),
        (
            {"target_index": "a", "scaler": (0.0, 1.0)},
            ShapeError,
            "`target_index` must be a column",
        ),
        ({"timestamps": np.zeros(3)}, ShapeError, r"`timestamps` must have shape \(batch, time\)"),
        ({"timestamps": "abc"}, ShapeError, r"`timestamps` must have shape \(batch, time\)"),
        (
            {"sequence_ids": np.zeros((3, 2))},
            ShapeError,
            r"`sequence_ids` must have shape \(batch,\)",
        ),
    ],
)
def test_regression_arguments_of_the_wrong_type(forecaster, levels, options, error, message):
    with pytest.raises(error, match=message):
        decode(forecaster, levels, **options)

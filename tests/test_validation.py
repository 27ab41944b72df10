"""User arrays checked against the model before anything reaches Keras."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlens import DataError, ShapeError
from rnnlens.errors import RnnlensError
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


@pytest.fixture(scope="module")
def sentiment_model():
    return small_sentiment()


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


# ---------------------------------------------------------------------------- bad inputs (issue #10)
@pytest.fixture(scope="module")
def any_length():
    """LSTM over any number of steps x 2 features: lets 0 time steps reach the empty-axis check."""
    import keras

    inputs = keras.Input(shape=(None, 2), name="steps")
    return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.LSTM(2)(inputs)))


@pytest.mark.parametrize("scalar", [np.float32(3), np.array(3.0), 3.0, 7])
def test_scalars_are_refused_with_the_expected_shape(forecaster, scalar):
    with pytest.raises(ShapeError, match=r"(scalar \(0-d\)|single number).*batch axis first"):
        prepare_inputs(forecaster, scalar)


@pytest.mark.parametrize(
    ("shape", "pattern"),
    [
        ((0, 10, 1), r"holds 0 samples \(shape \(0, 10, 1\)\); pass at least one sample"),
        ((2, 0, 1), r"has 0 time steps .*pass sequences of at least one step.*model takes 10"),
    ],
)
def test_zero_samples_and_zero_steps_are_shape_errors(forecaster, shape, pattern):
    with pytest.raises(ShapeError, match=pattern):
        prepare_inputs(forecaster, np.zeros(shape, "float32"))


def test_zero_steps_on_a_model_of_any_length(any_length):
    with pytest.raises(ShapeError, match=r"has 0 time steps \(shape \(3, 0, 2\)\)"):
        prepare_inputs(any_length, np.zeros((3, 0, 2)))
    with pytest.raises(ShapeError, match="0 samples"):
        prepare_inputs(any_length, np.zeros((0, 4, 2)))


def test_complex_input_is_refused_not_truncated(forecaster):
    x = random_series(2, 10, 1) + 1j
    with pytest.raises(DataError, match=r"complex \(complex64\).*imaginary part"):
        prepare_inputs(forecaster, x)


def test_long_double_is_refused_with_the_conversion_to_make(forecaster):
    x = random_series(2, 10, 1).astype(np.longdouble)
    if x.dtype.itemsize <= 8:
        pytest.skip("long double is float64 on this platform")
    with pytest.raises(DataError, match=r"long double.*astype\('float64'\)"):
        prepare_inputs(forecaster, x)


@pytest.mark.parametrize("dtype", [">f4", ">f8", ">i8", "float16", "int16", "bool"])
def test_exact_conversions_give_the_models_float32(forecaster, dtype):
    x = random_series(2, 10, 1) * 4
    source = (x > 0) if dtype == "bool" else x.astype(dtype)
    (prepared,) = prepare_inputs(forecaster, source)
    assert prepared.dtype == np.float32 and prepared.dtype.isnative
    np.testing.assert_array_equal(prepared, source.astype(np.float64).astype(np.float32))
    # What the model computes is what it computes on the native array.
    np.testing.assert_allclose(
        forecaster.predict(prepared, verbose=0),
        forecaster.predict(np.asarray(source, "float32"), verbose=0),
        atol=1e-6,
    )


def test_big_endian_token_ids_become_int32():
    tokens = random_tokens(2, 20, 50).astype(">i8")
    (prepared,) = prepare_inputs(small_sentiment(), tokens)
    assert prepared.dtype == np.int32
    np.testing.assert_array_equal(prepared, tokens)


def test_boolean_token_ids_are_refused():
    with pytest.raises(DataError, match="integer token ids, received booleans"):
        prepare_inputs(small_sentiment(), np.ones((2, 20), bool))


def test_values_beyond_float32_are_refused(forecaster):
    with pytest.raises(DataError, match="beyond the range of float32"):
        prepare_inputs(forecaster, np.full((1, 10, 1), 1e300))


@pytest.mark.parametrize(
    ("inputs", "error", "pattern"),
    [
        (None, DataError, "Argument `inputs` must be an array .*received None"),
        ("x.npy", DataError, r"received str 'x.npy'.*load_data"),
        ({1, 2}, DataError, "must be an array .*received set"),
        ([], ShapeError, "empty list; pass at least one sample"),
        ([[[1.0]] * 10, [[1.0]] * 9], DataError, "ragged"),
        (np.empty((1, 10, 1), object), DataError, "must be numeric, received dtype object"),
        (np.full((1, 10, 1), "1.5"), DataError, "must be numeric, received dtype <U3"),
        (np.zeros((1, 10, 1), "M8[s]"), DataError, "must be numeric"),
    ],
)
def test_wrong_python_types_and_dtypes(forecaster, inputs, error, pattern):
    with pytest.raises(error, match=pattern):
        prepare_inputs(forecaster, inputs)


def test_dict_with_extra_keys_is_refused(translator):
    source, target = random_tokens(2, 6, 20), random_tokens(2, 5, 20)
    with pytest.raises(ShapeError, match=r"unknown key\(s\) \['decoder'\]"):
        prepare_inputs(
            translator, {"encoder_tokens": source, "decoder_tokens": target, "decoder": target}
        )


def test_nested_lists_are_accepted(forecaster):
    (prepared,) = prepare_inputs(forecaster, [[[0.5]] * 10, [[1.0]] * 10])
    assert prepared.shape == (2, 10, 1) and prepared.dtype == np.float32


_DTYPES = [
    "float16", "float32", "float64", "longdouble", ">f4", ">f8", "<f8", "int8", "uint8", "int32",
    ">i8", "uint64", "bool", "complex64", "complex128", "object", "U2", "M8[s]",
]  # fmt: skip


@st.composite
def _bad_arrays(draw, valid_shape):
    """Random dtypes and values; half of the shapes are the model's (with 0, 1 or 3 samples)."""
    if draw(st.booleans()):
        shape = (draw(st.sampled_from([0, 1, 3])), *valid_shape)
    else:
        rank = draw(st.integers(0, 4))
        shape = tuple(
            draw(st.lists(st.sampled_from([0, 1, 2, 10, 20]), min_size=rank, max_size=rank))
        )
    dtype = np.dtype(draw(st.sampled_from(_DTYPES)))
    values = np.random.default_rng(draw(st.integers(0, 2**16))).normal(size=shape) * 3
    if values.size and draw(st.booleans()):
        values.flat[draw(st.integers(0, values.size - 1))] = draw(
            st.sampled_from([np.nan, np.inf, -np.inf, 1e300])
        )
    with np.errstate(all="ignore"):
        if dtype.kind == "M":
            return np.zeros(shape, dtype)
        if dtype.kind in "biu":
            return np.nan_to_num(np.abs(values), posinf=0, neginf=0).astype(dtype)
        return values.astype(dtype)


@given(data=st.data(), tokens=st.booleans())
@settings(max_examples=200)
def test_any_array_gives_model_ready_arrays_or_an_rnnlens_error(
    forecaster, sentiment_model, data, tokens
):
    model, expected = (sentiment_model, (20,)) if tokens else (forecaster, (10, 1))
    array = data.draw(_bad_arrays(expected))
    try:
        (prepared,) = prepare_inputs(model, array)
    except RnnlensError:
        return
    assert prepared.shape == (array.shape[0], *expected) and prepared.shape[0] > 0
    assert prepared.dtype == (np.int32 if tokens else np.float32)
    assert prepared.dtype.isnative
    if not tokens:
        assert np.all(np.isfinite(prepared))
        np.testing.assert_array_equal(prepared, np.asarray(array, np.float64).astype(np.float32))
    else:
        np.testing.assert_array_equal(prepared, array)

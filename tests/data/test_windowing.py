"""Windows equal plain slices of each sequence; padding keeps real steps and marks the rest."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnlens.data import window_sequences
from rnnlens.errors import DataError, ShapeError


@given(
    lengths=st.lists(st.integers(3, 30), min_size=1, max_size=4),
    window=st.integers(1, 3),
    stride=st.integers(1, 5),
    features=st.integers(1, 3),
)
def test_windows_are_slices_of_their_sequence(lengths, window, stride, features):
    rng = np.random.default_rng(0)
    sequences = [rng.normal(size=(n, features)).astype("float32") for n in lengths]
    result = window_sequences(sequences, window, stride=stride)
    expected_count = sum((n - window) // stride + 1 for n in lengths)
    assert result.values.shape == (expected_count, window, features)
    for values, seq, start, pos in zip(
        result.values, result.sequence, result.start, result.positions, strict=True
    ):
        assert start % stride == 0
        np.testing.assert_array_equal(values, sequences[seq][start : start + window])
        np.testing.assert_array_equal(pos, np.arange(start, start + window))
    assert not result.padded


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_short_sequences_are_padded_on_the_requested_side(padding):
    short = np.array([[1.0], [2.0]])
    long = np.arange(5.0)[:, None]
    result = window_sequences([short, long], 4, padding=padding, pad_value=-9.0)
    first = result.values[0, :, 0]
    if padding == "pre":
        np.testing.assert_array_equal(first, [-9.0, -9.0, 1.0, 2.0])
        np.testing.assert_array_equal(result.mask[0], [False, False, True, True])
    else:
        np.testing.assert_array_equal(first, [1.0, 2.0, -9.0, -9.0])
        np.testing.assert_array_equal(result.positions[0], [0, 1, -1, -1])
    assert result.padded
    assert result.mask[1:].all()
    assert result.sequence.tolist() == [0, 1, 1]


def test_short_sequence_without_padding_names_the_sequence():
    with pytest.raises(
        DataError, match=r"Sequence 'unit-7' has 2 step\(s\), fewer than the window of 4"
    ):
        window_sequences([np.zeros((2, 1))], 4, names=["unit-7"])


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"window": 0}, "`window` must be a positive integer"),
        ({"window": 2, "stride": 0}, "`stride` must be a positive integer"),
        ({"window": 2, "padding": "both"}, "`padding` must be one of"),
    ],
)
def test_bad_arguments_are_named(kwargs, pattern):
    with pytest.raises(ShapeError, match=pattern):
        window_sequences([np.zeros((5, 1))], **kwargs)


def test_a_stride_beyond_every_sequence_gives_one_window_each():
    sequences = [np.arange(30.0).reshape(15, 2), np.arange(20.0).reshape(10, 2)]
    huge = window_sequences(sequences, window=5, stride=10**20)
    longest = window_sequences(sequences, window=5, stride=15)
    np.testing.assert_array_equal(huge.values, longest.values)
    np.testing.assert_array_equal(huge.positions, longest.positions)
    assert huge.positions.dtype.kind == "i"

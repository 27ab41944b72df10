"""``.npy`` / ``.npz`` conventions: inputs by name, metadata arrays, and refusals with reasons."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.data import load_data, read_labels, read_npz
from rnnlens.errors import DataError, OptionError, ShapeError


def test_npz_carries_metadata_into_the_dataset(tmp_path, forecaster_3):
    x = np.random.default_rng(0).normal(size=(4, 10, 3)).astype("float32")
    stamps = np.arange(40).reshape(4, 10)
    np.savez(
        tmp_path / "d.npz",
        x=x,
        feature_names=np.array(["temp", "pressure", "rpm"]),
        timestamps=stamps,
        y=np.arange(4.0),
        sequence_ids=np.array(["a", "b", "c", "d"]),
    )
    data = load_data(tmp_path / "d.npz", forecaster_3)
    np.testing.assert_array_equal(data.inputs["series"], x)
    assert data.feature_names == ("temp", "pressure", "rpm")
    np.testing.assert_array_equal(data.timestamps, stamps)
    assert data.targets.tolist() == [0, 1, 2, 3]
    assert data.ids().tolist() == ["a", "b", "c", "d"]


def test_string_labels_are_class_names_and_numeric_labels_are_targets(tmp_path):
    x = np.zeros((3, 5, 1), "float32")
    np.savez(tmp_path / "names.npz", x=x, labels=np.array(["neg", "pos"]))
    np.savez(tmp_path / "truth.npz", x=x, labels=np.array([0, 1, 1]))
    assert load_data(tmp_path / "names.npz").labels == ("neg", "pos")
    truth = load_data(tmp_path / "truth.npz")
    assert truth.labels is None and truth.targets.tolist() == [0, 1, 1]


def test_npz_by_input_name_may_omit_the_decoder_input(tmp_path, translator):
    source = np.random.default_rng(0).integers(1, 20, size=(3, 6))
    np.savez(
        tmp_path / "src.npz",
        encoder_tokens=source,
        vocab=np.array(["<pad>", *map(str, range(1, 20))]),
    )
    data = load_data(tmp_path / "src.npz", translator)
    assert list(data.inputs) == ["encoder_tokens"]
    assert data.inputs["encoder_tokens"].dtype == np.int32
    assert len(data.vocab) == 20


def test_npz_whose_arrays_match_no_input_is_refused(tmp_path, translator):
    np.savez(tmp_path / "bad.npz", source=np.zeros((2, 6)))
    with pytest.raises(
        ShapeError, match=r"none is named 'x' or after a model input \['encoder_tokens'"
    ):
        load_data(tmp_path / "bad.npz", translator)


def test_pickled_arrays_are_never_loaded(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="object \\(pickled\\) arrays"):
        load_data(tmp_path / "obj.npy")


def test_npy_shape_is_checked_against_the_model(tmp_path, forecaster_3, translator):
    np.save(tmp_path / "x.npy", np.zeros((2, 10, 2), "float32"))
    with pytest.raises(ShapeError, match="has 2 on its feature axis but the model expects 3"):
        load_data(tmp_path / "x.npy", forecaster_3)
    with pytest.raises(ShapeError, match="A .npy file holds one array but the model has 2 inputs"):
        load_data(tmp_path / "x.npy", translator)


def test_feature_names_must_match_the_feature_axis(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((2, 4, 3)), feature_names=np.array(["a", "b"]))
    with pytest.raises(ShapeError, match="`feature_names` has 2 names but the input 'x' has shape"):
        load_data(tmp_path / "d.npz")


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"expected a file ending in .*received '.xlsx'"):
        load_data(tmp_path / "data.xlsx")
    with pytest.raises(DataError, match="does not exist"):
        load_data(tmp_path / "nope.csv")


def test_labels_file(tmp_path):
    (tmp_path / "labels.txt").write_text("cat\ndog\n\n")
    assert read_labels(tmp_path / "labels.txt") == ("cat", "dog")
    (tmp_path / "dup.txt").write_text("cat\ncat\n")
    with pytest.raises(DataError, match="class name 'cat' appears twice"):
        read_labels(tmp_path / "dup.txt")


def test_scalar_npy_is_a_shape_error(tmp_path, forecaster_3):
    np.save(tmp_path / "s.npy", np.float32(3))
    for model in (None, forecaster_3):
        with pytest.raises(
            ShapeError, match=r"scalar \(0-d\); expected an array with a batch axis"
        ):
            load_data(tmp_path / "s.npy", model)


@pytest.mark.parametrize(
    ("shape", "pattern"),
    [((0, 10, 3), "holds 0 samples"), ((2, 0, 3), "has 0 time steps"), ((2, 10, 0), "0 features")],
)
def test_empty_axes_are_refused_with_or_without_a_model(tmp_path, forecaster_3, shape, pattern):
    """The same mistake gives the same error class whether or not a model is known."""
    np.save(tmp_path / "e.npy", np.zeros(shape, "float32"))
    np.savez(tmp_path / "e.npz", x=np.zeros(shape, "float32"))
    for name in ("e.npy", "e.npz"):
        with pytest.raises(ShapeError, match=pattern):
            load_data(tmp_path / name)
        with pytest.raises(ShapeError, match=pattern if shape[1] else "0 time steps"):
            load_data(tmp_path / name, forecaster_3)


def test_big_endian_npy_is_read_exactly(tmp_path, forecaster_3):
    x = np.random.default_rng(0).normal(size=(2, 10, 3))
    np.save(tmp_path / "be.npy", x.astype(">f8"))
    for model in (None, forecaster_3):
        (array,) = load_data(tmp_path / "be.npy", model).inputs.values()
        assert array.dtype.isnative
        np.testing.assert_array_equal(array, x if model is None else x.astype("float32"))


@pytest.mark.parametrize(
    ("dtype", "pattern"),
    [("complex64", "is complex"), ("U3", "must be numeric"), ("M8[s]", "must be numeric")],
)
def test_complex_and_non_numeric_npy_are_refused_without_a_model(tmp_path, dtype, pattern):
    np.save(tmp_path / "c.npy", np.zeros((2, 4, 1), dtype))
    with pytest.raises(DataError, match=pattern):
        load_data(tmp_path / "c.npy")


def test_damaged_npy_files(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((3, 10, 1), "float32"))
    data = (tmp_path / "x.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[:-7])
    with pytest.raises(
        DataError, match=r"cut.npy is truncated: .*shape \(3, 10, 1\) \(120 bytes\)"
    ):
        load_data(tmp_path / "cut.npy")
    (tmp_path / "head.npy").write_bytes(data[:20])
    with pytest.raises(DataError, match="head.npy has a damaged .npy header"):
        load_data(tmp_path / "head.npy")
    (tmp_path / "empty.npy").write_bytes(b"")
    with pytest.raises(DataError, match=r"empty.npy is empty \(0 bytes\)"):
        load_data(tmp_path / "empty.npy")
    (tmp_path / "text.npy").write_text("1,2,3\n")
    with pytest.raises(DataError, match="text.npy is not NumPy data"):
        load_data(tmp_path / "text.npy")


def test_damaged_npz_files(tmp_path):
    np.savez_compressed(tmp_path / "a.npz", x=np.ones((3, 10, 1)))
    data = (tmp_path / "a.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="cut.npz is damaged"):
        load_data(tmp_path / "cut.npz")
    start = data.index(b"x.npy") + 20  # inside the compressed member, past its local header
    flipped = data[:start] + bytes(b ^ 0xFF for b in data[start : start + 8]) + data[start + 8 :]
    (tmp_path / "crc.npz").write_bytes(flipped)
    with pytest.raises(DataError, match="crc.npz: array 'x' is damaged"):
        load_data(tmp_path / "crc.npz")
    (tmp_path / "a.npy").write_bytes(data)
    with pytest.raises(DataError, match="a.npy is an .npz archive"):
        load_data(tmp_path / "a.npy")


def test_npz_without_arrays_or_with_scalar_metadata(tmp_path):
    np.savez(tmp_path / "none.npz")
    with pytest.raises(ShapeError, match=r"none.npz holds only metadata arrays \[\]"):
        load_data(tmp_path / "none.npz")
    np.savez(tmp_path / "ids.npz", x=np.ones((3, 4, 1)), sequence_ids=np.array(7))
    with pytest.raises(ShapeError, match=r"field `sequence_ids` is a scalar"):
        load_data(tmp_path / "ids.npz")


@pytest.mark.parametrize(
    ("option", "flag"),
    [
        ({"id_column": "unit"}, "--id-column"),
        ({"time_column": "t"}, "--time-column"),
        ({"window": 5}, "--table-window"),
        ({"stride": 2}, "--table-stride"),
    ],
)
def test_table_options_are_refused_for_arrays_and_token_files(tmp_path, option, flag):
    np.save(tmp_path / "x.npy", np.zeros((2, 4, 1)))
    (tmp_path / "ids.txt").write_text("1 2\n")
    for name in ("x.npy", "ids.txt"):
        with pytest.raises(OptionError, match=rf"{flag}\) only applies to long tables"):
            load_data(tmp_path / name, **option)


def test_an_npz_that_inflates_beyond_free_memory_is_refused_before_loading(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, x=np.zeros((4, 1000, 100), dtype=np.float32))
    assert path.stat().st_size < 10_000  # 1.6 MB of zeros
    monkeypatch.setattr("rnnlens.data.arrays.available_memory", lambda: 100_000)
    with pytest.raises(DataError, match=r"inflates to .* GiB, more than the .* GiB of memory free"):
        read_npz(path)
    monkeypatch.setattr("rnnlens.data.arrays.available_memory", lambda: None)
    assert read_npz(path).inputs["x"].shape == (4, 1000, 100)


@pytest.mark.parametrize("padding", ["bogus", ""])
def test_an_unknown_padding_is_an_option_error(tmp_path, padding):
    path = tmp_path / "x.npy"
    np.save(path, np.zeros((2, 3, 1), dtype=np.float32))
    with pytest.raises(OptionError, match="padding"):
        load_data(path, padding=padding)


def test_padding_on_fixed_length_arrays_is_refused_not_ignored(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.zeros((2, 3, 1), dtype=np.float32))
    with pytest.raises(OptionError, match="only applies to long tables and token files"):
        load_data(path, padding="pre")

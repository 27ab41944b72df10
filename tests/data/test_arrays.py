"""``.npy`` / ``.npz`` conventions: inputs by name, metadata arrays, and refusals with reasons."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.data import load_data, read_labels
from rnnlens.errors import DataError, ShapeError


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

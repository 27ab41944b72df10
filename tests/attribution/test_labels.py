"""Feature names, sample ids, timestamps and token text travel from the data into results and files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rnnlens
from rnnlens.attribution import AttributionResult, IntegratedGradients, Saliency
from rnnlens.data import Dataset
from rnnlens.errors import DataError, OptionError, ShapeError


@pytest.fixture(scope="module")
def model():
    import keras

    keras.utils.set_random_seed(11)
    return keras.Sequential(
        [keras.Input((5, 3), name="sensors"), keras.layers.GRU(4), keras.layers.Dense(1)]
    )


@pytest.fixture(scope="module")
def dataset():
    x = np.random.default_rng(2).normal(size=(2, 5, 3)).astype("float32")
    times = np.array([f"2024-01-0{d}" for d in range(1, 6)] * 2).reshape(2, 5)
    return Dataset(
        inputs={"sensors": x},
        feature_names=("temp", "vibration", "pressure"),
        sequence_ids=np.array(["engine-7", "engine-9"]),
        timestamps=times,
    )


def test_a_dataset_carries_its_labels_into_the_result(model, dataset):
    result = rnnlens.attribute(model, dataset, method="ig", n_steps=8)
    plain = IntegratedGradients(model).attribute(dataset.inputs["sensors"], n_steps=8)
    np.testing.assert_array_equal(result.values, plain.values)  # labels change no number
    assert result.feature_names == ("temp", "vibration", "pressure")
    assert result.sample_ids.tolist() == ["engine-7", "engine-9"]
    top = result.top_k(100)
    assert list(top.columns) == [
        "sample",
        "sample_id",
        "time",
        "timestamp",
        "feature",
        "feature_name",
        "input",
        "attribution",
    ]
    row = top.iloc[0]
    assert row.sample_id == dataset.sequence_ids[row["sample"]]
    assert row.feature_name == dataset.feature_names[row.feature]
    assert row.timestamp == dataset.timestamps[row["sample"], row.time]


@pytest.mark.parametrize("suffix", [".npz", ".csv", ".parquet"])
def test_every_file_format_keeps_the_labels(model, dataset, tmp_path, suffix):
    result = Saliency(model).attribute(dataset)
    path = result.save(tmp_path / f"saliency{suffix}")
    if suffix == ".npz":
        with np.load(path) as saved:
            assert saved["sensors/feature_names"].tolist() == list(dataset.feature_names)
            assert saved["sensors/sample_ids"].tolist() == ["engine-7", "engine-9"]
            np.testing.assert_array_equal(saved["sensors/timestamps"], dataset.timestamps)
        return
    table = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert set(table.sample_id) == {"engine-7", "engine-9"}
    assert set(table.feature_name) == {"temp", "vibration", "pressure"}
    first = table[(table["sample"] == 1) & (table.time == 4)].iloc[0]
    assert first.timestamp == "2024-01-05"


def test_keyword_labels_override_and_are_validated(model, dataset):
    x = dataset.inputs["sensors"]
    result = rnnlens.attribute(
        model, x, method="saliency", feature_names=["a", "b", "c"], sample_ids=[10, 11]
    )
    assert result.by_feature().shape == (2, 3)
    assert result.top_k(1).columns[:2].tolist() == ["sample", "sample_id"]
    assert set(result.to_dataframe().feature_name) == {"a", "b", "c"}
    with pytest.raises(ShapeError, match=r"one name per feature \(3\); received 2"):
        rnnlens.attribute(model, x, method="saliency", feature_names=["a", "b"])
    with pytest.raises(ShapeError, match=r"one id per sample, shape \(2,\)"):
        rnnlens.attribute(model, x, method="saliency", sample_ids=[1, 2, 3])
    with pytest.raises(ShapeError, match=r"shape \(2, 5\); received shape \(2, 4\)"):
        rnnlens.attribute(model, x, method="saliency", timestamps=np.zeros((2, 4)))
    with pytest.raises(OptionError, match="no model input holds token ids"):
        rnnlens.attribute(model, x, method="saliency", vocab=["a"])
    with pytest.raises(OptionError, match="list of strings"):
        rnnlens.attribute(model, x, method="saliency", feature_names="abc")


def test_token_text_reaches_tables_and_files(sentiment, padded_tokens, tmp_path):
    vocab = ["<pad>", *[f"w{i}" for i in range(1, 50)]]
    result = rnnlens.attribute(sentiment, padded_tokens, method="saliency", vocab=vocab)
    top = result.top_k(5)
    assert [vocab[i] for i in top.input] == top.text.tolist()
    result.save(tmp_path / "tokens.npz")
    with np.load(tmp_path / "tokens.npz") as saved:
        key = next(k for k in saved.files if k.endswith("/token_text"))
        np.testing.assert_array_equal(saved[key], np.asarray(vocab)[padded_tokens])
    result.save(tmp_path / "tokens.csv")
    table = pd.read_csv(tmp_path / "tokens.csv")
    assert (table.text == np.asarray(vocab)[table.input]).all()
    with pytest.raises(DataError, match="holds 3 tokens but the inputs hold token id"):
        rnnlens.attribute(sentiment, padded_tokens, method="saliency", vocab=["a", "b", "c"])


def test_a_result_refuses_labels_that_do_not_line_up():
    values = np.zeros((1, 2, 2))
    common = {
        "values": values,
        "axes": ("sample", "time", "feature"),
        "input_name": "x",
        "method": "saliency",
        "target": "t",
        "inputs": values,
        "outputs": np.zeros(1),
    }
    with pytest.raises(ShapeError, match="one name per feature"):
        AttributionResult(**common, feature_names=("a",))
    assert AttributionResult(**common).with_labels(sample_ids=["s"]).sample_ids.tolist() == ["s"]

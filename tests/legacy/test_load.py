"""Keras 2 .h5 files rebuilt exactly: predictions, traced gates and IG completeness against a NumPy Keras 2."""

from __future__ import annotations

import json

import h5py
import keras
import numpy as np
import pytest

import rnnlens
from rnnlens import IntegratedGradients, ModelLoadError
from rnnlens.legacy import legacy_provenance
from tests.legacy.keras2_files import dense_config, gru, lstm, rnn_config, write_keras2_h5

UNITS, FEATURES, STEPS = 3, 2, 5


def _arrays(seed: int, gates: int, bias_shape: tuple[int, ...] | None = None):
    rng = np.random.default_rng(seed)
    # Weights large enough that many gate pre-activations fall in 2.5 < |z| < 3, where the two hard
    # sigmoids differ most, and beyond, where Keras 2's saturates and Keras 3's does not yet.
    kernel = rng.normal(scale=1.5, size=(FEATURES, gates * UNITS)).astype("float32")
    recurrent = rng.normal(scale=1.0, size=(UNITS, gates * UNITS)).astype("float32")
    bias = rng.normal(scale=0.5, size=bias_shape or (gates * UNITS,)).astype("float32")
    head = rng.normal(size=(UNITS, 1)).astype("float32"), rng.normal(size=(1,)).astype("float32")
    return kernel, recurrent, bias, head


def _inputs(seed: int = 7) -> np.ndarray:
    return (
        np.random.default_rng(seed).normal(scale=2.0, size=(4, STEPS, FEATURES)).astype("float32")
    )


@pytest.fixture(scope="module")
def lstm_file(tmp_path_factory):
    """Keras 2.0.8: a Sequential saved as a bare list of layers; the LSTM omits recurrent_activation."""
    kernel, recurrent, bias, (w, b) = _arrays(1, 4)
    layer = rnn_config(
        "LSTM", "lstm_1", UNITS, batch_input_shape=[None, STEPS, FEATURES], dtype="float32"
    )
    config = {"class_name": "Sequential", "config": [layer, dense_config("dense_1", 1)]}
    weights = {
        "lstm_1": [
            ("lstm_1/kernel:0", kernel),
            ("lstm_1/recurrent_kernel:0", recurrent),
            ("lstm_1/bias:0", bias),
        ],
        "dense_1": [("dense_1/kernel:0", w), ("dense_1/bias:0", b)],
    }
    path = write_keras2_h5(tmp_path_factory.mktemp("k2") / "lstm.h5", "2.0.8", config, weights)
    return path, (kernel, recurrent, bias, w, b)


def test_lstm_predictions_equal_keras2_numpy(lstm_file):
    path, (kernel, recurrent, bias, w, b) = lstm_file
    x = _inputs()
    model = rnnlens.load_model(path)
    expected = lstm(x, kernel, recurrent, bias)["hidden"][:, -1] @ w + b
    got = np.asarray(model.predict(x, verbose=0))
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # The test can fail: Keras 3's own hard_sigmoid moves these predictions.
    stock = (
        lstm(x, kernel, recurrent, bias, recurrent_activation="sigmoid")["hidden"][:, -1] @ w + b
    )
    assert np.max(np.abs(stock - expected)) > 1e-2


def test_lstm_provenance_names_version_and_kept_semantics(lstm_file):
    model = rnnlens.load_model(lstm_file[0])
    provenance = legacy_provenance(model)
    assert provenance is not None and provenance.keras_version == "2.0.8"
    assert any("clip(0.2 x + 0.5, 0, 1)" in line for line in provenance.semantics)
    assert "lstm_1: implementation" in provenance.dropped
    assert "Keras 2.0.8" in provenance.summary()
    assert legacy_provenance(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])) is None


def test_traced_lstm_gates_equal_keras2_numpy(lstm_file):
    path, (kernel, recurrent, bias, _, _) = lstm_file
    x = _inputs()
    model = rnnlens.load_model(path)
    result = rnnlens.trace(
        model, x, quantities=["input_gate", "forget_gate", "output_gate", "candidate"]
    )
    reference = lstm(x, kernel, recurrent, bias)
    for name in ("hidden", "input_gate", "forget_gate", "output_gate", "candidate"):
        np.testing.assert_allclose(
            np.asarray(result["lstm_1"].values[name]), reference[name], atol=1e-5
        )
    # Saturated gates exist, so the comparison reaches the clipped region.
    assert np.any(reference["input_gate"] == 0.0) or np.any(reference["input_gate"] == 1.0)


def test_integrated_gradients_complete_on_the_legacy_lstm(lstm_file):
    model = rnnlens.load_model(lstm_file[0])
    result = IntegratedGradients(model).attribute(_inputs(), n_steps=256)
    scale = np.abs(result.outputs - result.baseline_outputs)
    assert np.all(np.abs(result.completeness_gap) <= 0.01 * scale + 1e-4)


def test_saved_as_keras3_loads_in_safe_mode(lstm_file, tmp_path):
    model = rnnlens.load_model(lstm_file[0])
    model.save(tmp_path / "converted.keras")
    again = keras.models.load_model(tmp_path / "converted.keras", safe_mode=True)
    x = _inputs()
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


@pytest.mark.parametrize(("version", "reset_after"), [("2.1.6", False), ("2.2.4-tf", True)])
def test_gru_predictions_equal_keras2_numpy(tmp_path, version, reset_after):
    bias_shape = (2, 3 * UNITS) if reset_after else None
    kernel, recurrent, bias, (w, b) = _arrays(2, 3, bias_shape)
    extra = {
        "recurrent_activation": "hard_sigmoid",
        "reset_after": reset_after,
        "time_major": False,
    }
    layer = rnn_config("GRU", "gru", UNITS, batch_input_shape=[None, STEPS, FEATURES], **extra)
    config = {
        "class_name": "Sequential",
        "config": {"name": "seq", "layers": [layer, dense_config("dense", 1)]},
    }
    weights = {
        "gru": [
            ("gru/kernel:0", kernel),
            ("gru/recurrent_kernel:0", recurrent),
            ("gru/bias:0", bias),
        ],
        "dense": [("dense/kernel:0", w), ("dense/bias:0", b)],
    }
    path = write_keras2_h5(tmp_path / "gru.h5", version, config, weights)
    x = _inputs()
    model = rnnlens.load_model(path)
    reference = gru(x, kernel, recurrent, bias, reset_after)
    np.testing.assert_allclose(
        model.predict(x, verbose=0), reference["hidden"][:, -1] @ w + b, atol=1e-5
    )
    traced = rnnlens.trace(model, x, quantities=["update_gate", "reset_gate"])["gru"].values
    for name in ("update_gate", "reset_gate"):
        np.testing.assert_allclose(np.asarray(traced[name]), reference[name], atol=1e-5)
    assert "gru: time_major" in legacy_provenance(model).dropped


def test_bidirectional_lstm_equals_keras2_numpy(tmp_path):
    fk, fr, fb, (w, b) = _arrays(3, 4)
    bk, br, bb, _ = _arrays(4, 4)
    w = np.concatenate([w, w[::-1] * 0.5])
    inner = rnn_config("LSTM", "lstm_2", UNITS, recurrent_activation="hard_sigmoid")
    layer = {
        "class_name": "Bidirectional",
        "config": {
            "name": "bidirectional_1",
            "trainable": True,
            "batch_input_shape": [None, STEPS, FEATURES],
            "dtype": "float32",
            "layer": inner,
            "merge_mode": "concat",
        },
    }
    config = {
        "class_name": "Sequential",
        "config": {"name": "bi", "layers": [layer, dense_config("dense_2", 1)]},
    }
    names = ("kernel:0", "recurrent_kernel:0", "bias:0")
    weights = {
        "bidirectional_1": [
            (f"bidirectional_1/forward_lstm_2/{n}", a)
            for n, a in zip(names, (fk, fr, fb), strict=True)
        ]
        + [
            (f"bidirectional_1/backward_lstm_2/{n}", a)
            for n, a in zip(names, (bk, br, bb), strict=True)
        ],
        "dense_2": [("dense_2/kernel:0", w), ("dense_2/bias:0", b)],
    }
    path = write_keras2_h5(tmp_path / "bi.h5", "2.2.4", config, weights)
    x = _inputs()
    forward = lstm(x, fk, fr, fb)["hidden"][:, -1]
    backward = lstm(x, bk, br, bb, go_backwards=True)["hidden"][:, -1]
    expected = np.concatenate([forward, backward], axis=-1) @ w + b
    np.testing.assert_allclose(rnnlens.load_model(path).predict(x, verbose=0), expected, atol=1e-5)


def _small_file(tmp_path, version="2.2.4", layers=None, weights=None):
    layers = layers or [dense_config("dense", 1)]
    layers[0]["config"].setdefault("batch_input_shape", [None, 2])
    w = {"dense": [("dense/kernel:0", np.ones((2, 1))), ("dense/bias:0", np.zeros(1))]}
    return write_keras2_h5(
        tmp_path / "m.h5",
        version,
        {"class_name": "Sequential", "config": layers},
        w if weights is None else weights,
    )


def test_keras1_file_is_refused_naming_keras_1(tmp_path):
    with pytest.raises(ModelLoadError, match=r"Keras 1\.2\.2 \(Keras 1\)"):
        rnnlens.load_model(_small_file(tmp_path, version="1.2.2"))


def test_layer_without_keras3_counterpart_is_refused_naming_it(tmp_path):
    layer = {"class_name": "ConvLSTM2D", "config": {"name": "conv"}}
    with pytest.raises(
        ModelLoadError, match=r"'conv' is a ConvLSTM2D \(saved by Keras 2\.2\.4\).*--custom-objects"
    ):
        rnnlens.load_model(_small_file(tmp_path, layers=[layer]))


def test_unknown_config_key_is_refused_not_dropped(tmp_path):
    layer = dense_config("dense", 1)
    layer["config"]["mystery"] = 3
    with pytest.raises(ModelLoadError, match=r"'dense'.*'mystery'"):
        rnnlens.load_model(_small_file(tmp_path, layers=[layer]))


def test_missing_weights_are_refused_naming_the_layer(tmp_path):
    with pytest.raises(
        ModelLoadError, match=r"no weights for layer 'dense' \(Dense, saved by Keras 2\.2\.4\)"
    ):
        rnnlens.load_model(_small_file(tmp_path, weights={}))


def test_training_config_loss_is_kept(tmp_path):
    model = rnnlens.load_model(_small_file(tmp_path))
    from rnnlens.loading import saved_loss

    assert saved_loss(model) == "mse"


def test_keras3_h5_files_still_load_through_keras(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.save(tmp_path / "k3.h5")
    with h5py.File(tmp_path / "k3.h5", "r") as handle:
        assert json.loads(handle.attrs["model_config"])["class_name"] == "Sequential"
        assert str(handle.attrs["keras_version"]).startswith("3.")
    assert legacy_provenance(rnnlens.load_model(tmp_path / "k3.h5")) is None


def test_embedding_mask_simple_rnn_and_time_distributed_equal_keras2_numpy(tmp_path):
    rng = np.random.default_rng(5)
    table = rng.normal(size=(6, FEATURES)).astype("float32")
    kernel = rng.normal(size=(FEATURES, UNITS)).astype("float32")
    recurrent = rng.normal(scale=0.5, size=(UNITS, UNITS)).astype("float32")
    bias = rng.normal(size=(UNITS,)).astype("float32")
    w, b = rng.normal(size=(UNITS, 2)).astype("float32"), rng.normal(size=(2,)).astype("float32")
    embedding = {
        "class_name": "Embedding",
        "config": {
            "name": "embedding_1",
            "trainable": True,
            "batch_input_shape": [None, STEPS],
            "dtype": "float32",
            "input_dim": 6,
            "output_dim": FEATURES,
            "embeddings_initializer": {"class_name": "RandomUniform", "config": {}},
            "embeddings_regularizer": None,
            "activity_regularizer": None,
            "embeddings_constraint": None,
            "mask_zero": True,
            "input_length": STEPS,
        },
    }
    rnn = rnn_config("SimpleRNN", "simple_rnn_1", UNITS, return_sequences=True)
    head = {
        "class_name": "TimeDistributed",
        "config": {"name": "td", "trainable": True, "layer": dense_config("dense_3", 2)},
    }
    weights = {
        "embedding_1": [("embedding_1/embeddings:0", table)],
        "simple_rnn_1": [
            (f"simple_rnn_1/{n}", a)
            for n, a in zip(
                ("kernel:0", "recurrent_kernel:0", "bias:0"), (kernel, recurrent, bias), strict=True
            )
        ],
        "td": [("td/kernel:0", w), ("td/bias:0", b)],
    }
    path = write_keras2_h5(
        tmp_path / "tokens.h5",
        "2.1.2",
        {"class_name": "Sequential", "config": [embedding, rnn, head]},
        weights,
    )
    tokens = np.array([[0, 0, 3, 1, 5], [2, 4, 1, 1, 3]])
    h = np.zeros((2, UNITS))
    outputs = []
    for t in range(STEPS):
        new = np.tanh(table[tokens[:, t]] @ kernel + h @ recurrent + bias)
        h = np.where((tokens[:, t] != 0)[:, None], new, h)  # a masked step carries the state on
        outputs.append(h)
    expected = np.stack(outputs, axis=1) @ w + b
    model = rnnlens.load_model(path)
    np.testing.assert_allclose(model.predict(tokens, verbose=0), expected, atol=1e-5)
    assert "embedding_1: input_length" in legacy_provenance(model).dropped


def test_describe_says_which_keras_saved_the_file(lstm_file):
    import json

    from typer.testing import CliRunner

    from rnnlens.cli.app import app

    path, _ = lstm_file
    text = CliRunner().invoke(app, ["describe", str(path)])
    assert text.exit_code == 0, text.output
    assert "saved by Keras 2.0.8" in text.output and "hard_sigmoid" in text.output
    facts = json.loads(CliRunner().invoke(app, ["describe", str(path), "--json"]).output)
    assert facts["saved_by"].startswith("saved by Keras 2.0.8")


def test_convert_writes_a_keras3_file_that_predicts_the_same(lstm_file, tmp_path):
    import keras
    from typer.testing import CliRunner

    import rnnlens
    from rnnlens.cli.app import app

    path, _ = lstm_file
    target = tmp_path / "converted.keras"
    result = CliRunner().invoke(app, ["convert", str(path), str(target)])
    assert result.exit_code == 0, result.output
    assert (
        "saved by Keras 2.0.8" in result.output and "max |prediction difference|" in result.output
    )
    x = np.random.default_rng(5).normal(size=(3, STEPS, FEATURES)).astype("float32")
    legacy = rnnlens.load_model(path).predict(x, verbose=0)
    plain = keras.saving.load_model(target, safe_mode=True).predict(x, verbose=0)
    np.testing.assert_allclose(plain, legacy, atol=1e-6)
    np.testing.assert_allclose(rnnlens.load_model(target).predict(x, verbose=0), legacy, atol=1e-6)


def test_convert_refuses_a_target_that_is_not_keras(lstm_file, tmp_path):
    from typer.testing import CliRunner

    from rnnlens.cli.app import app

    path, _ = lstm_file
    result = CliRunner().invoke(app, ["convert", str(path), str(tmp_path / "out.h5")])
    assert result.exit_code == 1 and result.output.count("Error:") == 1
    assert not (tmp_path / "out.h5").exists()


def test_hdf5_that_is_neither_keras2_nor_keras3_model_is_named_so(tmp_path):
    with h5py.File(tmp_path / "data.h5", "w") as handle:
        handle["readings"] = np.zeros(3)
    with pytest.raises(
        ModelLoadError,
        match=r"data\.h5 is an HDF5 file but neither a Keras 2 nor a Keras 3 model.*readings",
    ):
        rnnlens.load_model(tmp_path / "data.h5")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.save_weights(tmp_path / "k3.weights.h5")
    with pytest.raises(ModelLoadError, match=r"k3\.weights\.h5 is a Keras 3 weights file"):
        rnnlens.load_model(tmp_path / "k3.weights.h5")

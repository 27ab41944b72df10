"""Files written by tf-keras (Keras 2.x): predictions equal tf_keras's, traced gates equal a NumPy Keras 2
forward pass on the saved weights, IG is complete, and the training config is read, never blocking."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

import rnnlens
from rnnlens import IntegratedGradients
from rnnlens.legacy import legacy_provenance
from rnnlens.loading import saved_loss
from tests.legacy.keras2_files import gru, lstm
from tests.legacy.tf_keras_models import save_tf_keras_models

pytest.importorskip(
    "tf_keras", reason="tf-keras (the dev extra) writes the Keras 2 files under test"
)
pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")

NAMES = [
    "lstm_return_sequences",
    "gru_reset_after",
    "gru_reset_before",
    "simple_rnn_time_distributed",
    "bidirectional_concat",
    "bidirectional_sum",
    "bidirectional_mul",
    "bidirectional_ave",
    "embedding_mask_zero_lstm",
    "masking_gru",
    "encoder_decoder",
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return save_tf_keras_models(tmp_path_factory.mktemp("tf_keras"))


@pytest.fixture(scope="module")
def loaded(saved):
    return {name: rnnlens.load_model(item.path) for name, item in saved.items()}


def _predict(model, inputs):
    out = model(inputs, training=False)
    return [np.asarray(o) for o in (out if isinstance(out, list | tuple) else [out])]


def test_every_model_is_covered(saved):
    assert sorted(saved) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_predictions_equal_tf_keras(saved, loaded, name):
    item, model = saved[name], loaded[name]
    got = _predict(model, item.inputs)
    assert len(got) == len(item.predictions)
    for ours, theirs in zip(got, item.predictions, strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=0)
    provenance = legacy_provenance(model)
    assert provenance is not None and provenance.keras_version.startswith("2.")
    assert any(line.endswith(": time_major") for line in provenance.dropped) or name.startswith(
        ("embedding", "masking")
    )


def test_traced_lstm_gates_equal_numpy(saved, loaded):
    item, model = saved["lstm_return_sequences"], loaded["lstm_return_sequences"]
    kernel, recurrent, bias = item.weights["lstm"]
    reference = lstm(item.inputs, kernel, recurrent, bias, recurrent_activation="sigmoid")
    traced = rnnlens.trace(
        model, item.inputs, quantities=["input_gate", "forget_gate", "candidate", "output_gate"]
    )["lstm"].values
    for name in ("hidden", "input_gate", "forget_gate", "candidate", "output_gate"):
        np.testing.assert_allclose(np.asarray(traced[name]), reference[name], atol=1e-5)


@pytest.mark.parametrize(
    ("name", "reset_after"), [("gru_reset_after", True), ("gru_reset_before", False)]
)
def test_gru_bias_layout_and_traced_gates_equal_numpy(saved, loaded, name, reset_after):
    item = saved[name]
    kernel, recurrent, bias = item.weights["gru"]
    # tf-keras 2.21's default is reset_after=True: two bias rows (input, recurrent); False: one.
    assert bias.shape == ((2, 3 * recurrent.shape[0]) if reset_after else (3 * recurrent.shape[0],))
    reference = gru(
        item.inputs, kernel, recurrent, bias, reset_after, recurrent_activation="sigmoid"
    )
    traced = rnnlens.trace(loaded[name], item.inputs, quantities=["update_gate", "reset_gate"])
    for gate in ("hidden", "update_gate", "reset_gate"):
        np.testing.assert_allclose(
            np.asarray(traced["gru"].values[gate]), reference[gate], atol=1e-5
        )


def test_gru_without_reset_after_key_reads_it_from_the_bias(saved, tmp_path):
    """A config that omits reset_after (Keras < 2.1.3 style): the saved bias shape decides, not a default."""
    for name in ("gru_reset_after", "gru_reset_before"):
        path = tmp_path / f"{name}.h5"
        path.write_bytes(saved[name].path.read_bytes())
        with h5py.File(path, "r+") as handle:
            config = json.loads(handle.attrs["model_config"])
            gru_config = next(
                layer["config"]
                for layer in config["config"]["layers"]
                if layer["class_name"] == "GRU"
            )
            gru_config.pop("reset_after")
            handle.attrs["model_config"] = json.dumps(config).encode()
        model = rnnlens.load_model(path)
        np.testing.assert_allclose(
            _predict(model, saved[name].inputs)[0], saved[name].predictions[0], atol=1e-5
        )
        assert any(
            "reset_after absent, its saved bias" in line
            for line in legacy_provenance(model).semantics
        )


@pytest.mark.parametrize("name", ["lstm_return_sequences", "gru_reset_before", "bidirectional_mul"])
def test_integrated_gradients_complete_on_loaded_models(saved, loaded, name):
    result = IntegratedGradients(loaded[name]).attribute(saved[name].inputs, target=0, n_steps=128)
    assert np.max(np.abs(result.completeness_gap)) <= 1e-5


def test_custom_metric_and_optimizer_never_block_and_the_loss_is_read(saved, loaded):
    with h5py.File(saved["gru_reset_before"].path, "r") as handle:
        training = json.loads(handle.attrs["training_config"])
    # The test can fail: the file really names the custom optimizer class and the custom metric.
    assert "WarmAdam" in json.dumps(training["optimizer_config"])
    assert "ratio_metric" in json.dumps(training["metrics"])
    assert saved_loss(loaded["gru_reset_before"]) == "mae"
    assert saved_loss(loaded["embedding_mask_zero_lstm"]) == {
        "class_name": "BinaryCrossentropy",
        "config": {"name": "binary_crossentropy", "from_logits": False},
    }
    assert saved_loss(loaded["encoder_decoder"]) == "sparse_categorical_crossentropy"


def test_encoder_decoder_keeps_its_two_named_inputs_and_the_state_link(loaded, saved):
    model = loaded["encoder_decoder"]
    assert [t.name for t in model.inputs] == ["encoder_tokens", "decoder_tokens"]
    encoder, decoder = saved["encoder_decoder"].inputs
    # The decoder starts from the encoder's state: changing only the encoder's tokens moves the output.
    moved = _predict(model, [np.roll(encoder, 1, axis=1), decoder])[0]
    assert np.max(np.abs(moved - saved["encoder_decoder"].predictions[0])) > 1e-3


def test_weights_only_file_is_refused_naming_the_version(tmp_path):
    import tf_keras as k2

    model = k2.Sequential([k2.Input((3, 2)), k2.layers.LSTM(2)])
    model.save_weights(tmp_path / "weights.h5")
    with pytest.raises(rnnlens.ModelLoadError, match=r"saved by Keras 2\.\d+.*weights-only"):
        rnnlens.load_model(tmp_path / "weights.h5")

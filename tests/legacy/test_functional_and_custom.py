"""Keras 2.0-style functional ("Model") configs with the old inbound-node format, and custom objects."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnnlens import ModelLoadError
from rnnlens.legacy import legacy_provenance, load_legacy_model
from tests.legacy.keras2_files import dense_config, lstm, rnn_config, write_keras2_h5

STEPS, FEATURES, UNITS = 4, 2, 3


def _node(*names_and_indices):
    return [[name, node, 0, {}] for name, node in names_and_indices]


def _input(name, shape):
    return {
        "name": name,
        "class_name": "InputLayer",
        "config": {"batch_input_shape": shape, "dtype": "float32", "sparse": False, "name": name},
        "inbound_nodes": [],
    }


def _with_nodes(layer, *nodes):
    return {"name": layer["config"]["name"], **layer, "inbound_nodes": list(nodes)}


def test_keras2_functional_model_with_a_shared_layer_equals_numpy(tmp_path):
    """Keras 2.1.6: two inputs through one shared LSTM (node 0 and node 1), concatenated, one head."""
    rng = np.random.default_rng(0)
    kernel = rng.normal(scale=1.5, size=(FEATURES, 4 * UNITS)).astype("float32")
    recurrent = rng.normal(size=(UNITS, 4 * UNITS)).astype("float32")
    bias = rng.normal(scale=0.5, size=(4 * UNITS,)).astype("float32")
    w = rng.normal(size=(2 * UNITS, 1)).astype("float32")
    b = rng.normal(size=(1,)).astype("float32")
    concat = {
        "class_name": "Concatenate",
        "config": {"name": "concat", "trainable": True, "axis": -1},
    }
    config = {
        "class_name": "Model",
        "config": {
            "name": "model_1",
            "layers": [
                _input("left", [None, STEPS, FEATURES]),
                _input("right", [None, STEPS, FEATURES]),
                _with_nodes(
                    rnn_config("LSTM", "shared", UNITS),
                    _node(("left", 0)),
                    _node(("right", 0)),
                ),
                _with_nodes(concat, _node(("shared", 0), ("shared", 1))),
                _with_nodes(dense_config("head", 1), _node(("concat", 0))),
            ],
            "input_layers": [["left", 0, 0], ["right", 0, 0]],
            "output_layers": [["head", 0, 0]],
        },
    }
    names = ("shared/kernel:0", "shared/recurrent_kernel:0", "shared/bias:0")
    weights = {
        "shared": list(zip(names, (kernel, recurrent, bias), strict=True)),
        "head": [("head/kernel:0", w), ("head/bias:0", b)],
    }
    path = write_keras2_h5(tmp_path / "functional.h5", "2.1.6", config, weights)
    left, right = (rng.normal(scale=2.0, size=(3, STEPS, FEATURES)).astype("float32") for _ in "lr")
    features = [lstm(x, kernel, recurrent, bias)["hidden"][:, -1] for x in (left, right)]
    expected = np.concatenate(features, axis=-1) @ w + b
    model = load_legacy_model(path)
    assert [t.name for t in model.inputs] == ["left", "right"]
    np.testing.assert_allclose(model.predict([left, right], verbose=0), expected, atol=1e-5)
    assert any("hard_sigmoid" in line for line in legacy_provenance(model).semantics)


def test_functional_node_naming_a_missing_layer_is_refused(tmp_path):
    config = {
        "class_name": "Model",
        "config": {
            "name": "broken",
            "layers": [
                _input("x", [None, 2]),
                _with_nodes(dense_config("head", 1), _node(("nowhere", 0))),
            ],
            "input_layers": [["x", 0, 0]],
            "output_layers": [["head", 0, 0]],
        },
    }
    path = write_keras2_h5(tmp_path / "broken.h5", "2.2.4", config, {})
    with pytest.raises(ModelLoadError, match=r"Keras 2\.2\.4.*inputs are never produced: head"):
        load_legacy_model(path)


class Scale(keras.layers.Layer):
    """A custom layer as users wrote them: one weight per feature."""

    def build(self, input_shape):
        self.factor = self.add_weight(shape=(input_shape[-1],), name="factor")

    def call(self, inputs):
        return inputs * self.factor


def shifted_tanh(x):
    return keras.ops.tanh(x) + 1.0


def _custom_file(tmp_path):
    head = dense_config("head", 2)
    head["config"]["activation"] = "shifted_tanh"
    scale = {
        "class_name": "Scale",
        "config": {
            "name": "scale",
            "trainable": True,
            "batch_input_shape": [None, 3],
            "dtype": "float32",
        },
    }
    factor = np.array([2.0, -1.0, 0.5], dtype="float32")
    w = np.arange(6.0, dtype="float32").reshape(3, 2) / 6
    weights = {
        "scale": [("scale/factor:0", factor)],
        "head": [("head/kernel:0", w), ("head/bias:0", np.array([0.1, -0.2], dtype="float32"))],
    }
    config = {"class_name": "Sequential", "config": [scale, head]}
    return write_keras2_h5(tmp_path / "custom.h5", "2.2.4", config, weights), factor, w


def test_custom_layer_and_activation_come_from_custom_objects(tmp_path):
    path, factor, w = _custom_file(tmp_path)
    model = load_legacy_model(path, custom_objects={"Scale": Scale, "shifted_tanh": shifted_tanh})
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 4.0]], dtype="float32")
    expected = np.tanh((x * factor) @ w + np.array([0.1, -0.2])) + 1.0
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-6)
    semantics = legacy_provenance(model).semantics
    assert "scale: custom layer Scale from custom_objects" in semantics


def test_missing_custom_objects_are_named_with_the_flag_to_pass(tmp_path):
    path, _, _ = _custom_file(tmp_path)
    with pytest.raises(
        ModelLoadError,
        match=r"'scale' is a Scale \(saved by Keras 2\.2\.4\).*--custom-objects MODULE\.py",
    ):
        load_legacy_model(path)
    with pytest.raises(
        ModelLoadError, match=r"'head'.*activation 'shifted_tanh'.*--custom-objects MODULE\.py"
    ):
        load_legacy_model(path, custom_objects={"Scale": Scale})

"""Keras 2's CuDNNLSTM / CuDNNGRU rebuilt as LSTM / GRU: a hand-written Keras 2.2.4 file against a NumPy
forward pass that reads the weights the way cuDNN does, and a real tf-keras file against tf_keras's own
conversion (``load_weights`` of the cuDNN file into a standard LSTM / GRU)."""

from __future__ import annotations

import numpy as np
import pytest

import rnnlens
from rnnlens import ModelLoadError
from rnnlens.legacy import legacy_provenance
from rnnlens.legacy.cudnn import standard_rnn_weights
from tests.legacy.keras2_files import dense_config, sigmoid, write_keras2_h5

STEPS, FEATURES, UNITS = 5, 3, 2


def _cudnn_matrix(block: np.ndarray) -> np.ndarray:
    """The ``(units, inputs)`` matrix cuDNN multiplies by: the saved block's buffer read row-major."""
    return block.reshape(-1).reshape(block.shape[1], block.shape[0])


def cudnn_lstm(x, kernel, recurrent, bias, go_backwards=False):
    """cuDNN's LSTM: per gate W x + R h + b_W + b_R (order i, f, c, o), W and R read row-major."""
    units = recurrent.shape[0]
    blocks = np.hsplit(kernel, 4), np.hsplit(recurrent, 4)
    input_bias, recurrent_bias = np.split(bias, 2)
    h = np.zeros((x.shape[0], units))
    c = np.zeros_like(h)
    out = []
    for t in range(x.shape[1])[:: -1 if go_backwards else 1]:
        z = [
            x[:, t] @ _cudnn_matrix(w).T
            + h @ _cudnn_matrix(r).T
            + input_bias[k * units : (k + 1) * units]
            + recurrent_bias[k * units : (k + 1) * units]
            for k, (w, r) in enumerate(zip(*blocks, strict=True))
        ]
        i, f, g, o = sigmoid(z[0]), sigmoid(z[1]), np.tanh(z[2]), sigmoid(z[3])
        c = f * c + i * g
        h = o * np.tanh(c)
        out.append(h)
    return np.stack(out, axis=1)


def cudnn_gru(x, kernel, recurrent, bias):
    """cuDNN's GRU (reset applied after the recurrent product; Keras's block order z, r, h)."""
    units = recurrent.shape[0]
    w = [_cudnn_matrix(block) for block in np.hsplit(kernel, 3)]
    r = [_cudnn_matrix(block).T for block in np.hsplit(recurrent, 3)]
    bw, br = (np.split(half, 3) for half in np.split(bias, 2))
    h = np.zeros((x.shape[0], units))
    out = []
    for t in range(x.shape[1]):
        update = sigmoid(x[:, t] @ w[0].T + bw[0] + h @ r[0] + br[0])
        reset = sigmoid(x[:, t] @ w[1].T + bw[1] + h @ r[1] + br[1])
        candidate = np.tanh(x[:, t] @ w[2].T + bw[2] + reset * (h @ r[2] + br[2]))
        h = update * h + (1 - update) * candidate
        out.append(h)
    return np.stack(out, axis=1)


def _cudnn_config(class_name: str, name: str, **extra):
    config = {
        "name": name,
        "trainable": True,
        "units": UNITS,
        "kernel_initializer": {"class_name": "VarianceScaling", "config": {}},
        "recurrent_initializer": {"class_name": "Orthogonal", "config": {}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None,
        "recurrent_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "recurrent_constraint": None,
        "bias_constraint": None,
        "return_sequences": False,
        "return_state": False,
        "stateful": False,
        **extra,
    }
    if class_name == "CuDNNLSTM":
        config["unit_forget_bias"] = True
    return {"class_name": class_name, "config": config}


def _weights(rng, gates, inputs=FEATURES):
    return (
        rng.normal(size=(inputs, gates * UNITS)).astype("float32"),
        rng.normal(scale=0.8, size=(UNITS, gates * UNITS)).astype("float32"),
        rng.normal(scale=0.5, size=(2 * gates * UNITS,)).astype("float32"),
    )


def _x(seed=3):
    return np.random.default_rng(seed).normal(size=(4, STEPS, FEATURES)).astype("float32")


def test_cudnn_lstm_in_bidirectional_then_cudnn_gru_equal_numpy(tmp_path):
    rng = np.random.default_rng(0)
    forward, backward = _weights(rng, 4), _weights(rng, 4)
    gru_weights = _weights(rng, 3, inputs=2 * UNITS)
    w, b = rng.normal(size=(UNITS, 1)).astype("float32"), rng.normal(size=(1,)).astype("float32")
    bidirectional = {
        "class_name": "Bidirectional",
        "config": {
            "name": "bi",
            "trainable": True,
            "batch_input_shape": [None, STEPS, FEATURES],
            "dtype": "float32",
            "layer": _cudnn_config("CuDNNLSTM", "cu_dnnlstm_1", return_sequences=True),
            "merge_mode": "concat",
        },
    }
    layers = [bidirectional, _cudnn_config("CuDNNGRU", "cu_dnngru_1"), dense_config("dense_1", 1)]
    names = ("kernel:0", "recurrent_kernel:0", "bias:0")
    weights = {
        "bi": [(f"bi/forward_cu_dnnlstm_1/{n}", a) for n, a in zip(names, forward, strict=True)]
        + [(f"bi/backward_cu_dnnlstm_1/{n}", a) for n, a in zip(names, backward, strict=True)],
        "cu_dnngru_1": [(f"cu_dnngru_1/{n}", a) for n, a in zip(names, gru_weights, strict=True)],
        "dense_1": [("dense_1/kernel:0", w), ("dense_1/bias:0", b)],
    }
    config = {"class_name": "Sequential", "config": {"name": "cudnn", "layers": layers}}
    path = write_keras2_h5(tmp_path / "cudnn.h5", "2.2.4", config, weights)
    x = _x()
    states = np.concatenate(
        [cudnn_lstm(x, *forward), cudnn_lstm(x, *backward, go_backwards=True)[:, ::-1]], axis=-1
    )
    expected = cudnn_gru(states, *gru_weights)[:, -1] @ w + b
    model = rnnlens.load_model(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)
    gru_layer = model.get_layer("cu_dnngru_1")
    assert gru_layer.cell.reset_after and type(gru_layer).__name__ == "GRU"
    semantics = legacy_provenance(model).semantics
    assert any("CuDNNLSTM mapped to LSTM" in line for line in semantics)
    assert any("CuDNNGRU mapped to GRU" in line for line in semantics)
    # The layout matters: reading the kernels as Keras's own layout moves the predictions.
    naive = np.concatenate(
        [
            _keras_lstm(x, *forward),
            _keras_lstm(x[:, ::-1], *backward)[:, ::-1],
        ],
        axis=-1,
    )
    assert np.max(np.abs(naive - states)) > 1e-2


def _keras_lstm(x, kernel, recurrent, bias):
    units = recurrent.shape[0]
    h = np.zeros((x.shape[0], units))
    c = np.zeros_like(h)
    bias = bias[: 4 * units] + bias[4 * units :]
    out = []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = np.hsplit(z, 4)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        out.append(h)
    return np.stack(out, axis=1)


def test_real_tf_keras_cudnn_file_equals_tf_keras_own_conversion(tmp_path):
    """tf_keras loads a cuDNN file's weights into LSTM / GRU(reset_after=True) with its own converter."""
    k2 = pytest.importorskip("tf_keras", reason="tf-keras writes the real cuDNN file")
    from tf_keras.src.layers.rnn.cudnn_gru import CuDNNGRU
    from tf_keras.src.layers.rnn.cudnn_lstm import CuDNNLSTM

    rng = np.random.default_rng(1)
    cudnn = k2.Sequential(
        [
            k2.Input((STEPS, FEATURES)),
            CuDNNLSTM(UNITS, return_sequences=True),
            CuDNNGRU(UNITS),
            k2.layers.Dense(1),
        ]
    )
    for layer in cudnn.layers:
        layer.set_weights([rng.normal(size=a.shape) for a in layer.get_weights()])
    cudnn.save(tmp_path / "cudnn.h5")
    standard = k2.Sequential(
        [
            k2.Input((STEPS, FEATURES)),
            k2.layers.LSTM(UNITS, return_sequences=True, name=cudnn.layers[0].name),
            k2.layers.GRU(UNITS, reset_after=True, name=cudnn.layers[1].name),
            k2.layers.Dense(1, name=cudnn.layers[2].name),
        ]
    )
    standard.load_weights(tmp_path / "cudnn.h5")  # Keras 2's conversion of the cuDNN layout
    x = _x(4)
    expected = np.asarray(standard(x, training=False))
    model = rnnlens.load_model(tmp_path / "cudnn.h5")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)
    traced = rnnlens.trace(model, x)[cudnn.layers[0].name].values["hidden"]
    reference = cudnn_lstm(x, *cudnn.layers[0].get_weights())
    np.testing.assert_allclose(np.asarray(traced), reference, atol=1e-5)


def test_cudnn_weights_of_the_wrong_shape_are_refused():
    with pytest.raises(ModelLoadError, match=r"CuDNNLSTM layer have shapes"):
        standard_rnn_weights("CuDNNLSTM", [np.zeros((3, 8)), np.zeros((2, 8)), np.zeros((8,))])

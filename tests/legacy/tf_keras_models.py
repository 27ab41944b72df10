"""Small models built and saved as ``.h5`` by ``tf_keras`` (Keras 2.x), with the inputs to compare them on.

Weights are drawn at scale 0.8 (not Glorot's), so gates reach their saturated ranges and a changed activation
or bias layout would move predictions well beyond 1e-5.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

STEPS, FEATURES, UNITS, VOCAB = 6, 3, 4, 9


@dataclass(frozen=True)
class SavedModel:
    """One tf_keras model saved as ``.h5``: its path, test inputs and tf_keras's own predictions."""

    name: str
    path: Path
    inputs: Any
    predictions: list[np.ndarray]
    weights: dict[str, list[np.ndarray]]


def _series(seed: int) -> np.ndarray:
    return (
        np.random.default_rng(seed).normal(scale=1.5, size=(5, STEPS, FEATURES)).astype("float32")
    )


def _tokens(seed: int) -> np.ndarray:
    tokens = np.random.default_rng(seed).integers(1, VOCAB, size=(5, STEPS))
    tokens[0, :2] = 0  # padding the mask must skip
    tokens[1, :4] = 0
    return tokens


def _sequential(k2: Any, *layers: Any) -> Any:
    return k2.Sequential([k2.Input((STEPS, FEATURES)), *layers])


def _builders(k2: Any) -> dict[str, tuple[Callable[[], Any], Any]]:
    L = k2.layers
    return {
        "lstm_return_sequences": (
            lambda: _sequential(
                k2,
                L.LSTM(UNITS, return_sequences=True, name="lstm"),
                L.LSTM(2, name="lstm_top"),
                L.Dense(1),
            ),
            _series(1),
        ),
        "gru_reset_after": (
            lambda: _sequential(k2, L.GRU(UNITS, name="gru"), L.Dense(2)),
            _series(2),
        ),
        "gru_reset_before": (
            lambda: _sequential(k2, L.GRU(UNITS, reset_after=False, name="gru"), L.Dense(2)),
            _series(3),
        ),
        "simple_rnn_time_distributed": (
            lambda: _sequential(
                k2,
                L.SimpleRNN(UNITS, return_sequences=True, name="simple_rnn"),
                L.TimeDistributed(L.Dense(3, activation="softmax")),
            ),
            _series(4),
        ),
        **{
            f"bidirectional_{mode}": (
                lambda mode=mode: _sequential(
                    k2, L.Bidirectional(L.LSTM(UNITS), merge_mode=mode, name="bi"), L.Dense(1)
                ),
                _series(5),
            )
            for mode in ("concat", "sum", "mul", "ave")
        },
        "embedding_mask_zero_lstm": (
            lambda: k2.Sequential(
                [
                    k2.Input((STEPS,)),
                    L.Embedding(VOCAB, FEATURES, mask_zero=True),
                    L.LSTM(UNITS, name="lstm"),
                    L.Dense(1, activation="sigmoid"),
                ]
            ),
            _tokens(6),
        ),
        "masking_gru": (
            lambda: _sequential(k2, L.Masking(0.0), L.GRU(UNITS, name="gru"), L.Dense(1)),
            _masked_series(7),
        ),
        "encoder_decoder": (lambda: _encoder_decoder(k2), [_tokens(8), _tokens(9)]),
    }


def _masked_series(seed: int) -> np.ndarray:
    x = _series(seed)
    x[0, :3] = 0.0
    x[2, 4] = 0.0
    return x


def _encoder_decoder(k2: Any) -> Any:
    """The seed document's GRU translator, small: the encoder's last state starts the decoder."""
    L = k2.layers
    encoder_inputs = k2.Input((STEPS,), name="encoder_tokens")
    decoder_inputs = k2.Input((STEPS,), name="decoder_tokens")
    _, state = L.GRU(UNITS, return_state=True, name="encoder")(
        L.Embedding(VOCAB, FEATURES, name="encoder_embedding")(encoder_inputs)
    )
    decoded, _ = L.GRU(UNITS, return_sequences=True, return_state=True, name="decoder")(
        L.Embedding(VOCAB, FEATURES, name="decoder_embedding")(decoder_inputs), initial_state=state
    )
    outputs = L.Dense(VOCAB, activation="softmax", name="next_token")(decoded)
    return k2.Model([encoder_inputs, decoder_inputs], outputs, name="translator")


def _compile(k2: Any, name: str, model: Any) -> None:
    """Compile as users did; one model with a custom metric and a custom optimizer subclass."""
    if name == "gru_reset_before":

        def ratio_metric(y_true: Any, y_pred: Any) -> Any:
            return k2.backend.mean(y_pred) / (k2.backend.mean(y_true) + 1.0)

        class WarmAdam(k2.optimizers.Adam):
            """A custom optimizer subclass, as training scripts defined them."""

        model.compile(optimizer=WarmAdam(1e-3), loss="mae", metrics=[ratio_metric])
    elif name == "embedding_mask_zero_lstm":
        model.compile(
            optimizer="adam", loss=k2.losses.BinaryCrossentropy(from_logits=False), metrics=["acc"]
        )
    elif name == "encoder_decoder":
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    else:
        model.compile(optimizer="adam", loss="mse")


def save_tf_keras_models(folder: Path) -> dict[str, SavedModel]:
    """Build, randomise, compile and save every model; return them with tf_keras's predictions."""
    import tf_keras as k2

    k2.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    saved = {}
    for name, (build, inputs) in _builders(k2).items():
        model = build()
        for layer in model.layers:
            weights = layer.get_weights()
            if weights:
                layer.set_weights([rng.normal(scale=0.8, size=w.shape) for w in weights])
        _compile(k2, name, model)
        path = folder / f"{name}.h5"
        model.save(path)
        out = model(inputs, training=False)
        saved[name] = SavedModel(
            name,
            path,
            inputs,
            [np.asarray(o) for o in (out if isinstance(out, list | tuple) else [out])],
            {layer.name: layer.get_weights() for layer in model.layers if layer.weights},
        )
    return saved

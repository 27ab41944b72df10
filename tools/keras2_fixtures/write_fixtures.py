"""Write the Keras 2 fixture files of tests/legacy/files/ with the Keras that is installed (issue #14).

Run by ``tools/make-keras2-fixtures`` inside one old environment per Keras version (standalone ``keras``
2.0.8 ... 2.3.1 on TensorFlow 1.x, or ``tf.keras`` of TensorFlow 2.x), never by the test suite. Python 3.6
compatible on purpose (f-strings are fine): no ``from __future__ import annotations``, no dataclasses,
no walrus, no ``X | Y`` types.

Each file is an ordinary ``model.save(PATH.h5)`` of a small seeded model, compiled with a loss (the LSTM
regressor also with a custom metric function, which a loader must ignore). After the save, h5py adds the
group ``/rnnlens_fixture`` holding the ``inputs`` the model was run on and the ``predictions`` that this
Keras computed, plus attributes naming the writer (Keras, TensorFlow, Python, h5py, NumPy versions).

Weights are drawn at scale 0.8 (not Glorot's) so many gate pre-activations fall where Keras 2's
``hard_sigmoid`` (``clip(0.2 x + 0.5, 0, 1)``) and a smooth sigmoid differ: a loader that changed the
activation, the GRU bias layout or the gate order would move predictions far beyond 1e-5.

Usage: ``python write_fixtures.py OUT_DIR [--tf-keras]`` (``--tf-keras``: TensorFlow 1's ``tf.keras``, whose
files say ``2.2.4-tf``, instead of standalone ``keras``) writes ``OUT_DIR/keras-<version>-<model>.h5`` for the models
``lstm``, ``gru``, ``sentiment`` and ``bidirectional``.
"""

import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py
import numpy as np

STEPS, FEATURES, UNITS, VOCAB = 6, 3, 4, 10
SAMPLES = 5


def _keras(use_tf_keras):
    """The Keras 2 to write with: ``tf.keras`` on TensorFlow 2 or when asked, else standalone ``keras``."""
    import tensorflow as tf

    if use_tf_keras or int(tf.__version__.split(".")[0]) >= 2:
        version = getattr(tf.keras, "__version__", None)
        if version is None:  # TF >= 2.13: tf.keras is the keras package, which carries the version
            import keras

            version = keras.__version__
        return tf.keras, version, tf.__version__, "tf.keras"
    import keras

    return keras, keras.__version__, tf.__version__, "keras"


def _series(seed):
    return (
        np.random.RandomState(seed)
        .normal(scale=1.5, size=(SAMPLES, STEPS, FEATURES))
        .astype("float32")
    )


def _tokens(seed):
    tokens = np.random.RandomState(seed).randint(1, VOCAB, size=(SAMPLES, STEPS))
    tokens[0, :2] = 0  # padding that mask_zero must skip
    tokens[1, :4] = 0
    return tokens.astype("int32")


def ratio_metric(y_true, y_pred):
    """A custom metric: named in the training config, unknown to any loader, never needed to predict."""
    return y_pred[:, 0] * 0.5


def _models(keras):
    L = keras.layers
    S = keras.models.Sequential
    return [
        (
            "lstm",
            lambda: S([L.LSTM(UNITS, input_shape=(STEPS, FEATURES)), L.Dense(1)]),
            dict(loss="mse", optimizer="adam", metrics=[ratio_metric]),
            _series(1),
        ),
        (
            "gru",
            lambda: S(
                [L.GRU(UNITS, input_shape=(STEPS, FEATURES)), L.Dense(3, activation="softmax")]
            ),
            dict(loss="categorical_crossentropy", optimizer="rmsprop"),
            _series(2),
        ),
        (
            "sentiment",
            lambda: S(
                [
                    L.Embedding(VOCAB, 3, mask_zero=True, input_length=STEPS),
                    L.LSTM(UNITS),
                    L.Dense(1, activation="sigmoid"),
                ]
            ),
            dict(loss="binary_crossentropy", optimizer="adam"),
            _tokens(3),
        ),
        (
            "bidirectional",
            lambda: S(
                [
                    L.Bidirectional(
                        L.LSTM(3, return_sequences=True), input_shape=(STEPS, FEATURES)
                    ),
                    L.Bidirectional(L.GRU(2)),
                    L.Dense(2),
                ]
            ),
            dict(loss="mae", optimizer="sgd"),
            _series(4),
        ),
    ]


def _seed_weights(model, seed):
    rng = np.random.RandomState(seed)
    model.set_weights(
        [rng.normal(scale=0.8, size=w.shape).astype("float32") for w in model.get_weights()]
    )


def main(out_dir, use_tf_keras=False):
    keras, keras_version, tf_version, flavour = _keras(use_tf_keras)
    if not os.path.isdir(out_dir):
        os.makedirs(out_dir)
    for seed, (name, build, compile_args, inputs) in enumerate(_models(keras)):
        model = build()
        _seed_weights(model, 100 + seed)
        model.compile(**compile_args)
        predictions = np.asarray(model.predict(inputs), dtype="float32")
        temporary = os.path.join(out_dir, f".writing-{name}.h5")
        model.save(temporary)
        with h5py.File(temporary, "r") as handle:
            version = handle.attrs["keras_version"]
        version = version.decode() if isinstance(version, bytes) else str(version)
        with h5py.File(temporary, "r+") as handle:
            group = handle.create_group("rnnlens_fixture")
            group.create_dataset("inputs", data=inputs)
            group.create_dataset("predictions", data=predictions)
            group.attrs["writer"] = (
                f"{flavour} {keras_version} (keras_version attribute {version}), "
                f"tensorflow {tf_version}, python {platform.python_version()}, "
                f"h5py {h5py.__version__}, numpy {np.__version__}"
            )
        path = os.path.join(out_dir, f"keras-{version}-{name}.h5")
        os.rename(temporary, path)
        print(f"{path} {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main(sys.argv[1], use_tf_keras="--tf-keras" in sys.argv[2:])

"""The fuzz targets: five tiny models saved to disk with one valid data file each.

Every model is a few hundred weights, so loading and running it costs milliseconds; the fuzzers spend their
time on bad inputs, not on arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlens.datasets.seed_models import (
    build_forecaster,
    build_sentiment_classifier,
    build_translator,
)

VOCAB = ("", "[UNK]", *(f"w{i}" for i in range(18)))  # 20 ids, matching the token models' Embedding
LABELS = ("low", "mid", "high")


@dataclass(frozen=True)
class Target:
    """One saved model and what it accepts.

    ``shape`` is one sample's input shape ``(time, features)`` or ``(time,)`` for token ids; ``data`` is a
    valid data file for it; ``extra`` are CLI options the data needs (a vocabulary, labels).
    """

    name: str
    model: Path
    data: Path
    shape: tuple[int, ...]
    tokens: bool = False
    extra: tuple[str, ...] = ()
    target: str = ""


@dataclass(frozen=True)
class Zoo:
    """All fuzz targets, by name, and the folder holding them."""

    folder: Path
    targets: dict[str, Target]
    vocab: Path
    labels: Path

    def __repr__(self) -> str:  # hypothesis prints fixtures with a failing example: keep it short
        return f"Zoo({self.folder})"

    def __getitem__(self, name: str) -> Target:
        return self.targets[name]


def _classifier(recurrent: str, units: int, activation: str, loss: str):
    import keras

    keras.utils.set_random_seed(0)
    layer = keras.layers.GRU if recurrent == "gru" else keras.layers.LSTM
    model = keras.Sequential(
        [
            keras.Input(shape=(8, 2), name="readings"),
            layer(4, name=recurrent),
            keras.layers.Dense(units, activation=activation, name="head"),
        ],
        name=f"{recurrent}_{activation}",
    )
    model.compile(optimizer="adam", loss=loss)
    return model


def build_zoo(folder: Path) -> Zoo:
    """Save the five models and their data under ``folder``."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    labels = folder / "labels.txt"
    labels.write_text("\n".join(LABELS) + "\n", encoding="utf-8")

    build_forecaster(timesteps=10, features=1, units=4).save(folder / "forecaster.keras")
    np.save(folder / "series.npy", rng.normal(size=(2, 10, 1)).astype("float32"))

    long_rows = [
        f"{engine},{step},{value:.4f}"
        for engine in (1, 2)
        for step, value in enumerate(rng.normal(size=12))
    ]
    (folder / "series.csv").write_text(
        "id,time,value\n" + "\n".join(long_rows) + "\n", encoding="utf-8"
    )

    _classifier("gru", 3, "softmax", "sparse_categorical_crossentropy").save(
        folder / "classifier.keras"
    )
    np.savez(
        folder / "readings.npz",
        x=rng.normal(size=(2, 8, 2)).astype("float32"),
        feature_names=np.array(["speed", "heat"]),
    )
    _classifier("lstm", 1, "sigmoid", "binary_crossentropy").save(folder / "binary.h5")
    np.save(folder / "binary.npy", rng.normal(size=(2, 8, 2)).astype("float32"))

    build_sentiment_classifier(
        vocab_size=len(VOCAB), sequence_length=6, embedding_dim=4, units=4
    ).save(folder / "sentiment.keras")
    lines = [" ".join(VOCAB[i] for i in rng.integers(2, len(VOCAB), size=6)) for _ in range(2)]
    (folder / "reviews.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    build_translator(
        source_vocab=12, target_vocab=12, source_length=5, target_length=4, embedding_dim=4, units=4
    ).save(folder / "translator.keras")
    np.savez(
        folder / "pairs.npz",
        encoder_tokens=rng.integers(1, 12, size=(2, 5)).astype("int32"),
        decoder_tokens=rng.integers(1, 12, size=(2, 4)).astype("int32"),
    )

    targets = [
        Target(
            "forecaster", folder / "forecaster.keras", folder / "series.npy", (10, 1), target="3,0"
        ),
        Target(
            "forecaster-table",
            folder / "forecaster.keras",
            folder / "series.csv",
            (10, 1),
            target="3,0",
        ),
        Target(
            "classifier",
            folder / "classifier.keras",
            folder / "readings.npz",
            (8, 2),
            extra=("--labels", str(labels)),
            target="1",
        ),
        Target("binary", folder / "binary.h5", folder / "binary.npy", (8, 2), target="0"),
        Target(
            "sentiment",
            folder / "sentiment.keras",
            folder / "reviews.txt",
            (6,),
            tokens=True,
            extra=("--vocab", str(vocab)),
            target="0",
        ),
        Target(
            "translator",
            folder / "translator.keras",
            folder / "pairs.npz",
            (5,),
            tokens=True,
            target="1,predicted",
        ),
    ]
    return Zoo(folder, {t.name: t for t in targets}, vocab, labels)

"""Small generated data sets for the seed document's three examples, and a trainer for each.

Nothing is downloaded: each set is generated from a fixed seed, with a meaning a user can check by eye
(a vibration signal to forecast, reviews whose sentiment words decide the label, a word-for-word toy
translation), so the explanations rnnlens produces for them can be judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import OptionError

if TYPE_CHECKING:
    import keras

__all__ = [
    "EXAMPLES",
    "ExampleData",
    "StandardScaler",
    "make_forecast_data",
    "make_sentiment_data",
    "make_translation_data",
    "train_example",
]

EXAMPLES = ("forecast", "sentiment", "translation")


@dataclass(frozen=True)
class StandardScaler:
    """``(value - mean) / std`` per feature, with the inverse that puts model outputs back in units."""

    mean: np.ndarray
    std: np.ndarray

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (np.asarray(values) - self.mean) / self.std

    def inverse_transform(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values) * self.std + self.mean


@dataclass(frozen=True)
class ExampleData:
    """Inputs, targets and the metadata that gives them meaning.

    ``inputs`` holds one array per model input; ``targets`` matches the model's output; ``vocab`` maps ids to
    tokens for token inputs (by input name); ``scaler`` maps standardised values back to units.
    """

    name: str
    inputs: tuple[np.ndarray, ...]
    targets: np.ndarray
    feature_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    vocab: dict[str, tuple[str, ...]] = field(default_factory=dict)
    scaler: StandardScaler | None = None
    units: str = ""
    timestamps: np.ndarray | None = None
    description: str = ""


def make_forecast_data(samples: int = 400, timesteps: int = 10, seed: int = 0) -> ExampleData:
    """Turbine vibration velocity (mm/s): a daily cycle, a slow drift and noise; predict the next reading.

    Inputs ``(samples, timesteps, 1)`` standardised readings; targets ``(samples, timesteps, 1)`` the reading
    one step later (standardised): target[t] = input[t + 1].
    """
    rng = np.random.default_rng(seed)
    period = 24.0
    start = rng.uniform(0, period, size=(samples, 1))
    steps = start + np.arange(timesteps + 1)[None, :]
    amplitude = rng.uniform(0.8, 1.6, size=(samples, 1))
    level = rng.uniform(3.0, 5.0, size=(samples, 1))
    drift = rng.uniform(-0.02, 0.05, size=(samples, 1)) * np.arange(timesteps + 1)[None, :]
    signal = level + amplitude * np.sin(2 * np.pi * steps / period) + drift
    signal += rng.normal(0, 0.08, size=signal.shape)
    mean, std = np.array([signal.mean()]), np.array([signal.std()])
    scaler = StandardScaler(mean.astype("float32"), std.astype("float32"))
    scaled = scaler.transform(signal).astype("float32")
    return ExampleData(
        name="forecast",
        inputs=(scaled[:, :-1, None],),
        targets=scaled[:, 1:, None],
        feature_names=("vibration_mm_s",),
        target_names=("next_vibration_mm_s",),
        scaler=scaler,
        units="mm/s",
        timestamps=np.arange(1, timesteps + 1),
        description="Forecast the next hourly vibration reading of a turbine bearing (mm/s).",
    )


_POSITIVE = ("great", "good", "excellent", "loved", "wonderful", "superb", "fun", "brilliant")
_NEGATIVE = ("bad", "awful", "terrible", "hated", "boring", "dull", "poor", "worst")
_NEUTRAL = (
    "the", "movie", "was", "and", "plot", "actors", "a", "story", "it", "film", "with", "of",
    "scenes", "ending", "music", "this", "very", "really", "characters", "script",
)  # fmt: skip
SENTIMENT_VOCAB = ("<pad>", "<oov>", *_POSITIVE, *_NEGATIVE, *_NEUTRAL)


def make_sentiment_data(samples: int = 800, length: int = 20, seed: int = 0) -> ExampleData:
    """Reviews of ``length`` tokens, left-padded with id 0; label 1 when positive words outnumber negative.

    Inputs ``(samples, length)`` int32 token ids into :data:`SENTIMENT_VOCAB`; targets ``(samples, 1)``.
    """
    rng = np.random.default_rng(seed)
    index = {token: i for i, token in enumerate(SENTIMENT_VOCAB)}
    tokens = np.zeros((samples, length), dtype="int32")
    labels = np.zeros((samples, 1), dtype="float32")
    for row in range(samples):
        size = int(rng.integers(length // 2, length + 1))
        words = list(rng.choice(_NEUTRAL, size=size))
        positive = int(rng.integers(0, 4))
        negative = int(rng.integers(0, 4))
        if positive == negative:
            positive += 1 if rng.random() < 0.5 else 0
            negative += 0 if positive > negative else 1
        chosen = [*rng.choice(_POSITIVE, positive), *rng.choice(_NEGATIVE, negative)]
        for word, position in zip(
            chosen, rng.choice(size, len(chosen), replace=False), strict=True
        ):
            words[int(position)] = word
        ids = [index[w] for w in words]
        tokens[row, length - size :] = ids
        labels[row, 0] = float(positive > negative)
    return ExampleData(
        name="sentiment",
        inputs=(tokens,),
        targets=labels,
        class_names=("negative", "positive"),
        vocab={"tokens": SENTIMENT_VOCAB},
        description="Is a short movie review positive? Sentiment words decide; the rest is filler.",
    )


_SOURCE_WORDS = (
    "le",
    "chat",
    "chien",
    "mange",
    "voit",
    "petit",
    "grand",
    "noir",
    "blanc",
    "oiseau",
    "poisson",
    "aime",
)
_TARGET_WORDS = (
    "the",
    "cat",
    "dog",
    "eats",
    "sees",
    "small",
    "big",
    "black",
    "white",
    "bird",
    "fish",
    "likes",
)
SOURCE_VOCAB = ("<pad>", *_SOURCE_WORDS)
TARGET_VOCAB = ("<pad>", "<start>", "<end>", *_TARGET_WORDS)


def make_translation_data(
    samples: int = 1500, source_length: int = 6, seed: int = 0
) -> ExampleData:
    """A word-for-word toy translation (French-like -> English-like), right-padded with id 0.

    Inputs: encoder ids ``(samples, source_length)`` and decoder ids ``(samples, source_length + 1)``
    (``<start>`` then the target shifted right: teacher forcing); targets ``(samples, source_length + 1)``
    the next target id at each decoder step, ending with ``<end>``.
    """
    rng = np.random.default_rng(seed)
    target_length = source_length + 1
    source = np.zeros((samples, source_length), dtype="int32")
    decoder = np.zeros((samples, target_length), dtype="int32")
    target = np.zeros((samples, target_length), dtype="int32")
    start, end = TARGET_VOCAB.index("<start>"), TARGET_VOCAB.index("<end>")
    for row in range(samples):
        size = int(rng.integers(3, source_length + 1))
        words = rng.integers(0, len(_SOURCE_WORDS), size=size)
        source[row, :size] = words + 1
        translated = [*(words + 3).tolist(), end]
        target[row, : size + 1] = translated
        decoder[row, 0] = start
        decoder[row, 1 : size + 1] = translated[:-1]
    return ExampleData(
        name="translation",
        inputs=(source, decoder),
        targets=target,
        vocab={"encoder_tokens": SOURCE_VOCAB, "decoder_tokens": TARGET_VOCAB},
        description="Translate a toy sentence word by word; the decoder emits <end> when done.",
    )


def train_example(
    name: str, *, epochs: int | None = None, samples: int | None = None, seed: int = 0
) -> tuple[keras.Model, ExampleData]:
    """Build the seed model for ``name`` and train it on its generated data.

    Args:
        name: ``forecast``, ``sentiment`` or ``translation``.
        epochs, samples: shrink for quick runs (tests); defaults give a model worth explaining.

    Returns:
        The trained model and its :class:`ExampleData`.
    """
    import keras

    from rnnlens.datasets import seed_models

    if name not in EXAMPLES:
        raise OptionError(f"Unknown example {name!r}; choose one of {', '.join(EXAMPLES)}.")
    keras.utils.set_random_seed(seed)
    model: Any
    if name == "forecast":
        data = make_forecast_data(**({"samples": samples} if samples else {}), seed=seed)
        model = seed_models.build_forecaster(timesteps=10, features=1, units=32, seed=seed)
        epochs = 30 if epochs is None else epochs
    elif name == "sentiment":
        data = make_sentiment_data(**({"samples": samples} if samples else {}), seed=seed)
        model = seed_models.build_sentiment_classifier(
            vocab_size=len(SENTIMENT_VOCAB), sequence_length=20, seed=seed
        )
        epochs = 15 if epochs is None else epochs
    else:
        data = make_translation_data(**({"samples": samples} if samples else {}), seed=seed)
        model = seed_models.build_translator(
            source_vocab=len(SOURCE_VOCAB),
            target_vocab=len(TARGET_VOCAB),
            source_length=data.inputs[0].shape[1],
            target_length=data.inputs[1].shape[1],
            units=64,
            seed=seed,
        )
        epochs = 40 if epochs is None else epochs
    model.fit(
        list(data.inputs) if len(data.inputs) > 1 else data.inputs[0],
        data.targets,
        epochs=epochs,
        batch_size=32,
        verbose=0,
    )
    return model, data

"""Tiny models shared by the tests. Fixed seeds so failures reproduce."""

from __future__ import annotations

import numpy as np

from rnnlens.datasets.seed_models import (
    build_forecaster,
    build_sentiment_classifier,
    build_translator,
)

__all__ = [
    "build_forecaster",
    "build_sentiment_classifier",
    "build_translator",
    "random_series",
    "random_tokens",
    "small_forecaster",
    "small_sentiment",
    "small_translator",
]


def random_series(
    batch: int = 4, timesteps: int = 10, features: int = 1, seed: int = 0
) -> np.ndarray:
    """Float32 inputs ``(batch, timesteps, features)``."""
    return np.random.default_rng(seed).normal(size=(batch, timesteps, features)).astype("float32")


def random_tokens(batch: int = 4, length: int = 20, vocab: int = 50, seed: int = 0) -> np.ndarray:
    """Int32 token ids ``(batch, length)`` in ``[1, vocab)`` (0 is kept for padding)."""
    return np.random.default_rng(seed).integers(1, vocab, size=(batch, length)).astype("int32")


def small_forecaster():
    """Seed example 1, shrunk: LSTM(8, return_sequences) + Dense(1) over 10 steps x 1 feature."""
    return build_forecaster(timesteps=10, features=1, units=8)


def small_sentiment(mask_zero: bool = False):
    """Seed example 2, shrunk: Embedding(50, 8) + LSTM(8) + Dense(1, sigmoid) over 20 tokens."""
    return build_sentiment_classifier(
        vocab_size=50, sequence_length=20, embedding_dim=8, units=8, mask_zero=mask_zero
    )


def small_translator():
    """Seed example 3, shrunk: GRU(8) encoder -> GRU(8) decoder -> softmax over 20 tokens."""
    return build_translator(
        source_vocab=20, target_vocab=20, source_length=6, target_length=5, embedding_dim=8, units=8
    )

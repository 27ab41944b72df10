"""Test-wide settings: a quiet TensorFlow backend unless the run names another, fast hypothesis."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from tests.helpers import random_series, random_tokens, small_forecaster, small_sentiment

settings.register_profile(
    "rnnlens",
    deadline=None,
    max_examples=25,
    # CI draws the same examples every run, so a red CI is reproducible; local runs keep exploring.
    derandomize=os.environ.get("CI", "") not in ("", "0", "false"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("rnnlens")


@pytest.fixture(scope="session")
def forecaster():
    """Seed example 1 shrunk: LSTM(8, return_sequences) + Dense(1), 10 steps x 1 feature. Built once per
    session, so functions compiled on it are reused; directories with other needs define their own."""
    return small_forecaster()


@pytest.fixture(scope="session")
def series() -> np.ndarray:
    """Inputs for ``forecaster``: ``(4, 10, 1)``."""
    return random_series(4, 10, 1, seed=1)


@pytest.fixture(scope="session")
def sentiment():
    """Seed example 2 shrunk, with Embedding(mask_zero=True): padded tokens are masked."""
    return small_sentiment(mask_zero=True)


@pytest.fixture(scope="session")
def padded_tokens() -> np.ndarray:
    """Left-padded ids ``(3, 20)``: sample i has 2 + 3 i padding zeros, so 18, 15 and 12 real tokens."""
    tokens = random_tokens(3, 20, 50, seed=2)
    for i in range(3):
        tokens[i, : 2 + 3 * i] = 0
    return tokens

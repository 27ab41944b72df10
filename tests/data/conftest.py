"""Models shared by the data tests, built once per session."""

from __future__ import annotations

import pytest

from tests.helpers import build_forecaster, small_sentiment, small_translator


@pytest.fixture(scope="session")
def forecaster_3():
    """Seed example 1 with three features: LSTM(4) over 10 steps."""
    return build_forecaster(timesteps=10, features=3, units=4)


@pytest.fixture(scope="session")
def sentiment():
    return small_sentiment()


@pytest.fixture(scope="session")
def translator():
    return small_translator()

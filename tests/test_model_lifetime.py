"""rnnlens keeps no model alive and writes nothing onto it: its caches hold models weakly.

Engines, tracing runners and compiled functions are cached per model in
:func:`rnnlens.execution.cached`, a ``WeakKeyDictionary``; a cached value that held its model strongly
would keep its own key alive, and every traced or attributed model would live as long as the process.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import rnnlens
from rnnlens import backends
from rnnlens.attribution.engine import Engine
from tests.helpers import (
    random_series,
    random_tokens,
    small_forecaster,
    small_sentiment,
    small_translator,
)


def _forecaster():
    return small_forecaster(), random_series(3, 10, 1, seed=5), (-1, 0)


def _sentiment():
    return small_sentiment(mask_zero=True), random_tokens(3, 20, 50, seed=6), 0


def _translator():
    pair = [random_tokens(2, 6, 20, seed=3), random_tokens(2, 5, 20, seed=4)]
    return small_translator(), pair, (-1, 0)


def _renamed():
    """A layer name TensorFlow refuses as a scope: attribution evaluates a clone (held by its engine)."""
    import keras

    model = keras.Sequential(
        [keras.Input((6, 2)), keras.layers.LSTM(4, name="lstm layer é"), keras.layers.Dense(1)]
    )
    return model, random_series(2, 6, 2, seed=7), 0


def _use_everything(build) -> tuple[weakref.ref, list[str]]:
    model, inputs, target = build()
    rnnlens.trace(model, inputs)
    for method in ("saliency", "integrated_gradients", "occlusion"):
        options = {"n_steps": 4} if method == "integrated_gradients" else {}
        rnnlens.attribute(model, inputs, method=method, target=target, **options)
    rnnlens.decode(model, inputs)
    written = [name for name in vars(model) if "rnnlens" in name]
    return weakref.ref(model), written


@pytest.mark.parametrize("build", [_forecaster, _sentiment, _translator, _renamed])
def test_a_model_is_freed_after_trace_attribute_and_decode(build):
    ref, written = _use_everything(build)
    assert written == []  # nothing is written onto the user's model
    gc.collect()
    assert ref() is None, "rnnlens kept the model alive after trace / attribute / decode"


def test_the_engine_is_cached_per_model_and_reused():
    model = small_forecaster()
    before = set(vars(model))
    engine = Engine.for_model(model)
    assert Engine.for_model(model) is engine
    assert engine.model is model
    assert set(vars(model)) == before


def test_an_engine_whose_model_died_says_so():
    model = small_forecaster()
    engine = Engine(model)
    del model
    gc.collect()
    with pytest.raises(RuntimeError, match="garbage-collected"):
        engine.model  # noqa: B018


def test_a_compiled_function_does_not_keep_its_model_alive():
    model = small_forecaster()
    x = random_series(2, 10, 1, seed=8)
    forward = backends.model_function(lambda call, inputs, extras: [call(inputs[0])], model)
    (expected,) = forward([x], [])
    np.testing.assert_allclose(expected, np.asarray(model(x, training=False)), atol=1e-6)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_a_compiled_function_whose_model_died_says_so():
    model = small_forecaster()
    forward = backends.value_and_grad(lambda call, inputs, extras: call(inputs[0])[:, -1, 0], model)
    del model
    gc.collect()
    with pytest.raises(RuntimeError, match="garbage-collected"):
        forward([random_series(2, 10, 1, seed=8)], [])


def test_a_runner_whose_model_died_says_so():
    from rnnlens.tracing.graph import find_sites
    from rnnlens.tracing.runner import get_runner

    model = small_forecaster()
    sites, _ = find_sites(model)
    runner = get_runner(model, sites, sites, True)
    assert get_runner(model, sites, sites, True) is runner
    assert runner.model is model
    del model, sites
    gc.collect()
    with pytest.raises(RuntimeError, match="garbage-collected"):
        runner.model  # noqa: B018

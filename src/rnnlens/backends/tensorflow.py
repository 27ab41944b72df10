"""TensorFlow implementations of the backend seam."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf

from rnnlens.execution import weak_model


def compile_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Trace ``fn`` once per input signature into a graph (``reduce_retracing`` keeps shapes flexible)."""
    return tf.function(fn, reduce_retracing=True)


def _call_model(model: Any) -> Callable[[Any], Any]:
    # Weakly: the compiled function is cached per model, and must not keep its model alive.
    live = weak_model(model)

    def call(x: Any) -> Any:
        return live()(x, training=False)

    return call


def value_and_grad(
    fn: Callable[..., Any], model: Any
) -> Callable[[list[Any], list[Any]], tuple[Any, list[Any]]]:
    """One ``tf.function`` computing ``fn`` and the gradient of its sum under a ``GradientTape``."""
    call = _call_model(model)

    def run(inputs: list[Any], extras: list[Any]) -> tuple[Any, list[Any]]:
        with tf.GradientTape() as tape:
            for tensor in inputs:
                tape.watch(tensor)
            values = fn(call, inputs, extras)
            total = tf.reduce_sum(values)
        grads = tape.gradient(total, inputs, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return values, grads

    compiled = _BatchPolymorphic(run)

    def wrapper(inputs: list[Any], extras: list[Any]) -> tuple[Any, list[Any]]:
        values, grads = compiled(inputs, extras)
        return values.numpy(), [grad.numpy() for grad in grads]

    return wrapper


def model_function(fn: Callable[..., Any], model: Any) -> Callable[[list[Any], list[Any]], Any]:
    """``fn`` traced once per input signature, results as NumPy."""
    call = _call_model(model)

    def run(inputs: list[Any], extras: list[Any]) -> Any:
        return fn(call, inputs, extras)

    compiled = _BatchPolymorphic(run)

    def wrapper(inputs: list[Any], extras: list[Any]) -> Any:
        return tf.nest.map_structure(lambda t: t.numpy(), compiled(inputs, extras))

    return wrapper


class _BatchPolymorphic:
    """A ``tf.function`` per (non-batch shapes, dtypes), traced with an unknown batch size.

    Attribution calls the same function on chunks of different sizes; a signature whose batch axis is
    None makes every chunk size reuse one graph instead of retracing.
    """

    def __init__(self, run: Callable[[list[Any], list[Any]], Any]) -> None:
        self._run = run
        self._functions: dict[Any, Any] = {}

    def __call__(self, inputs: list[Any], extras: list[Any]) -> Any:
        tensors = [tf.convert_to_tensor(a) for a in inputs]
        others = [tf.convert_to_tensor(a) for a in extras]
        key = tuple((tuple(t.shape[1:]), t.dtype.name) for t in [*tensors, *others])
        function = self._functions.get(key)
        if function is None:
            signature = (
                [_spec(t) for t in tensors],
                [_spec(t) for t in others],
            )
            function = tf.function(self._run, input_signature=signature)
            self._functions[key] = function
        return function(tensors, others)


def _spec(tensor: Any) -> Any:
    return tf.TensorSpec([None, *tensor.shape[1:]], tensor.dtype)

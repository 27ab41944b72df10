"""JAX implementations of the backend seam."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from rnnlens.execution import weak_model


def compile_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``jax.jit`` the function (it is retraced for each new input shape)."""
    return jax.jit(fn)


def _stateless(model: Any, trainable: Any, non_trainable: Any) -> Callable[[Any], Any]:
    # stateless_call runs `model.call` directly, which may not take `training` (subclassed models).
    from rnnlens._keras import call_takes_training

    kwargs = {"training": False} if call_takes_training(model, default=True) else {}

    def call(x: Any) -> Any:
        outputs, _ = model.stateless_call(trainable, non_trainable, x, **kwargs)
        return outputs

    return call


def _variables(model: Any) -> tuple[list[Any], list[Any]]:
    # Read the values on every call so that weights changed after compilation are honoured.
    return (
        [variable.value for variable in model.trainable_variables],
        [variable.value for variable in model.non_trainable_variables],
    )


def value_and_grad(
    fn: Callable[..., Any], model: Any
) -> Callable[[list[Any], list[Any]], tuple[Any, list[Any]]]:
    """``jax.jit(jax.grad(...))`` over ``model.stateless_call``; the variables are traced arguments."""
    live = weak_model(model)  # weakly: the compiled function is cached per model

    def total(trainable: Any, non_trainable: Any, inputs: Any, extras: Any) -> Any:
        values = fn(_stateless(live(), trainable, non_trainable), inputs, extras)
        return jax.numpy.sum(values), values

    grad_fn = jax.jit(jax.grad(total, argnums=2, has_aux=True))

    def wrapper(inputs: list[Any], extras: list[Any]) -> tuple[Any, list[Any]]:
        trainable, non_trainable = _variables(live())
        grads, values = grad_fn(trainable, non_trainable, _arrays(inputs), _arrays(extras))
        return np.asarray(values), [np.asarray(grad) for grad in grads]

    return wrapper


def model_function(fn: Callable[..., Any], model: Any) -> Callable[[list[Any], list[Any]], Any]:
    """``jax.jit`` over ``model.stateless_call``, results as NumPy."""
    live = weak_model(model)  # weakly: the compiled function is cached per model

    def run(trainable: Any, non_trainable: Any, inputs: Any, extras: Any) -> Any:
        return fn(_stateless(live(), trainable, non_trainable), inputs, extras)

    compiled = jax.jit(run)

    def wrapper(inputs: list[Any], extras: list[Any]) -> Any:
        trainable, non_trainable = _variables(live())
        result = compiled(trainable, non_trainable, _arrays(inputs), _arrays(extras))
        return jax.tree_util.tree_map(np.asarray, result)

    return wrapper


def _arrays(arrays: list[Any]) -> list[Any]:
    return [jax.numpy.asarray(array) for array in arrays]

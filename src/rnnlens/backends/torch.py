"""PyTorch implementations of the backend seam."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from rnnlens.backends.torch_recurrent import fused_recurrent_layers
from rnnlens.execution import weak_model


def compile_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``fn`` eagerly without autograd bookkeeping; torch's eager kernels are already fast on CPU."""

    def run(*args: Any, **kwargs: Any) -> Any:
        with torch.no_grad():
            return fn(*args, **kwargs)

    return run


def _call_model(model: Any) -> Callable[[Any], Any]:
    # Weakly: the compiled function is cached per model, and must not keep its model alive.
    live = weak_model(model)

    def call(x: Any) -> Any:
        # Recurrent layers that map exactly onto PyTorch's fused kernels run them (not a Python loop).
        with fused_recurrent_layers(live()):
            return live()(x, training=False)

    return call


def value_and_grad(
    fn: Callable[..., Any], model: Any
) -> Callable[[list[Any], list[Any]], tuple[Any, list[Any]]]:
    """Autograd: run ``fn`` eagerly with the inputs requiring grad, then ``torch.autograd.grad``."""
    call = _call_model(model)

    def wrapper(inputs: list[Any], extras: list[Any]) -> tuple[Any, list[Any]]:
        tensors = [_tensor(array).detach().requires_grad_(True) for array in inputs]
        with torch.enable_grad():
            values = fn(call, tensors, [_tensor(array) for array in extras])
            grads = torch.autograd.grad(values.sum(), tensors, allow_unused=True)
        out = [
            torch.zeros_like(tensor) if grad is None else grad
            for tensor, grad in zip(tensors, grads, strict=True)
        ]
        return _numpy(values), [_numpy(grad) for grad in out]

    return wrapper


def model_function(fn: Callable[..., Any], model: Any) -> Callable[[list[Any], list[Any]], Any]:
    """``fn`` run eagerly under ``no_grad``, results as NumPy."""
    call = _call_model(model)

    def wrapper(inputs: list[Any], extras: list[Any]) -> Any:
        with torch.no_grad():
            result = fn(call, [_tensor(a) for a in inputs], [_tensor(a) for a in extras])
        if isinstance(result, list | tuple):
            return [_numpy(item) for item in result]
        return _numpy(result)

    return wrapper


def _tensor(array: Any) -> Any:
    import keras

    return keras.ops.convert_to_tensor(array)


def _numpy(tensor: Any) -> Any:
    return tensor.detach().cpu().numpy()

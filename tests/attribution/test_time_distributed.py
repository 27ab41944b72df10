"""TimeDistributed run as one call over (batch * time) rows: same outputs and gradients as Keras's loop.

Runs on the active Keras backend (also checked with ``KERAS_BACKEND=jax`` and ``=torch``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest

from rnnlens import _keras, backends
from rnnlens.attribution.time_distributed import flattenable, flattened_time_distributed

ops = keras.ops
STEPS = 6


@pytest.fixture
def keras_loops(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts calls of Keras's own ``TimeDistributed.call`` (the per-step loop), before any block is entered."""
    calls: list[int] = []
    keras_call = keras.layers.TimeDistributed.call

    @functools.wraps(keras_call)  # Keras reads the call's signature (inputs, training, mask)
    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return keras_call(self, *args, **kwargs)

    monkeypatch.setattr(keras.layers.TimeDistributed, "call", counted)
    return calls


def _sequence_model(*heads: Any, shape: tuple[int, ...] = (STEPS, 2), lstm: bool = True) -> Any:
    keras.utils.set_random_seed(5)
    layers = [keras.layers.LSTM(4, return_sequences=True)] if lstm else []
    wrapped = [keras.layers.TimeDistributed(head) for head in heads]
    return keras.Sequential([keras.Input(shape), *layers, *wrapped])


def _series(shape: tuple[int, ...] = (STEPS, 2), rows: int = 3) -> np.ndarray:
    return np.random.default_rng(1).normal(size=(rows, *shape)).astype("float32")


def _numpy(tensor: Any) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(tensor))


def _wrappers(model: Any) -> list[Any]:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.TimeDistributed)]


def _is_keras_call(layer: Any) -> bool:
    return "call" not in vars(layer) and "quantized_call" not in vars(layer)


HEADS: dict[str, tuple[Callable[[], Any], tuple[int, ...]]] = {
    "dense_bias_tanh": (lambda: keras.layers.Dense(4, activation="tanh"), (STEPS, 2)),
    "dense_no_bias_linear": (lambda: keras.layers.Dense(3, use_bias=False), (STEPS, 2)),
    "activation_softmax": (lambda: keras.layers.Activation("softmax"), (STEPS, 2)),
    "dropout": (lambda: keras.layers.Dropout(0.5), (STEPS, 2)),
    "layer_norm_last_axis": (lambda: keras.layers.LayerNormalization(), (STEPS, 2)),
    "layer_norm_two_axes": (lambda: keras.layers.LayerNormalization(axis=(1, 2)), (STEPS, 3, 4)),
    "softmax": (lambda: keras.layers.Softmax(), (STEPS, 2)),
}


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_outputs_equal_keras_for_each_per_row_layer(kind: str, keras_loops: list[int]) -> None:
    make, shape = HEADS[kind]
    model = _sequence_model(make(), shape=shape, lstm=len(shape) == 2)
    x = _series(shape)
    expected = _numpy(model(x, training=False))
    assert keras_loops, "the reference must come from Keras's loop"
    keras_loops.clear()
    (wrapper,) = _wrappers(model)
    assert flattenable(wrapper)
    with flattened_time_distributed(model):
        assert not _is_keras_call(wrapper)
        flat = _numpy(model(x, training=False))
    assert not keras_loops, "the block must not run Keras's per-step loop"
    np.testing.assert_allclose(flat, expected, rtol=0, atol=1e-6)


def test_embedding_lookup_per_element(keras_loops: list[int]) -> None:
    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [
            keras.Input((STEPS, 3), dtype="int32"),
            keras.layers.TimeDistributed(keras.layers.Embedding(10, 4)),
        ]
    )
    ids = np.random.default_rng(0).integers(0, 10, size=(2, STEPS, 3)).astype("int32")
    expected = _numpy(model(ids))
    keras_loops.clear()
    with flattened_time_distributed(model):
        flat = _numpy(model(ids))
    assert not keras_loops
    assert flat.shape == (2, STEPS, 3, 4)
    np.testing.assert_allclose(flat, expected, rtol=0, atol=1e-6)


def _gradient_run(model: Any, flat: bool) -> Callable[..., Any]:
    def fn(call: Callable[[Any], Any], inputs: list[Any], extras: list[Any]) -> Any:
        if flat:
            with flattened_time_distributed(model):
                out = call(inputs[0])
        else:
            out = call(inputs[0])
        return ops.sum(out * extras[0], axis=(1, 2))

    return backends.value_and_grad(fn, model)


def test_gradients_equal_keras_and_integrated_gradients_stay_complete() -> None:
    model = _sequence_model(
        keras.layers.LayerNormalization(), keras.layers.Dense(2, activation="tanh")
    )
    x = _series(rows=4)
    weights = np.random.default_rng(3).normal(size=(1, STEPS, 2)).astype("float32")
    keras_values, (keras_grads,) = _gradient_run(model, flat=False)([x], [weights])
    run = _gradient_run(model, flat=True)
    values, (grads,) = run([x], [weights])
    np.testing.assert_allclose(values, keras_values, rtol=0, atol=1e-6)
    np.testing.assert_allclose(grads, keras_grads, rtol=0, atol=1e-6)

    nodes, node_weights = np.polynomial.legendre.leggauss(32)
    alphas, alpha_weights = (nodes + 1) / 2, node_weights / 2
    path = np.concatenate([alpha * x for alpha in alphas])
    _, (path_grads,) = run([path], [weights])
    mean_grads = np.einsum("s,sbtf->btf", alpha_weights, path_grads.reshape(len(alphas), *x.shape))
    attributions = (mean_grads * x).sum(axis=(1, 2))
    zero_values, _ = run([np.zeros_like(x)], [weights])
    np.testing.assert_allclose(attributions, values - zero_values, rtol=1e-4, atol=1e-5)


class _ScaledDense(keras.layers.Dense):
    def call(self, inputs: Any, training: Any = None) -> Any:
        return 2.0 * super().call(inputs)


def _custom_activation(x: Any) -> Any:
    return x


INELIGIBLE: dict[str, Callable[[], tuple[Any, tuple[int, ...]]]] = {
    "conv1d_over_4d": lambda: (keras.layers.Conv1D(2, 2), (STEPS, 3, 2)),
    "dense_subclass": lambda: (_ScaledDense(2), (STEPS, 2)),
    "custom_activation": lambda: (keras.layers.Dense(2, activation=_custom_activation), (STEPS, 2)),
    "mixed_precision": lambda: (keras.layers.Dense(2, dtype="mixed_float16"), (STEPS, 2)),
    "nested_time_distributed": lambda: (
        keras.layers.TimeDistributed(keras.layers.Dense(2)),
        (STEPS, 3, 2),
    ),
}


@pytest.mark.parametrize("kind", sorted(INELIGIBLE))
def test_other_layers_keep_keras_call(kind: str) -> None:
    head, shape = INELIGIBLE[kind]()
    model = _sequence_model(head, shape=shape, lstm=False)
    x = _series(shape)
    expected = _numpy(model(x))
    (wrapper,) = _wrappers(model)
    assert not flattenable(wrapper)
    with flattened_time_distributed(model):
        assert _is_keras_call(wrapper)
        assert type(wrapper).call is keras.layers.TimeDistributed.call
        # A TimeDistributed nested in another one is looked into, and flattened on its own.
        assert _is_keras_call(head) != (kind == "nested_time_distributed")
        np.testing.assert_allclose(_numpy(model(x)), expected, rtol=0, atol=1e-5)


def test_nested_models_are_covered(keras_loops: list[int]) -> None:
    keras.utils.set_random_seed(4)
    inner = keras.Sequential(
        [keras.Input((STEPS, 2)), keras.layers.TimeDistributed(keras.layers.Dense(2))]
    )
    x = keras.Input((STEPS, 2))
    model = keras.Model(x, keras.layers.Dense(1)(inner(x)))
    expected = _numpy(model(_series()))
    keras_loops.clear()
    with flattened_time_distributed(model):
        flat = _numpy(model(_series()))
    assert not keras_loops
    np.testing.assert_allclose(flat, expected, rtol=0, atol=1e-6)


def test_a_mask_that_the_wrapped_layer_ignores_keeps_it_flat(keras_loops: list[int]) -> None:
    keras.utils.set_random_seed(4)
    ids = keras.Input((STEPS,), dtype="int32")
    states = keras.layers.LSTM(4, return_sequences=True)(
        keras.layers.Embedding(9, 3, mask_zero=True)(ids)
    )
    model = keras.Model(ids, keras.layers.TimeDistributed(keras.layers.Dense(2))(states))
    tokens = np.array([[3, 1, 4, 1, 0, 0], [5, 8, 2, 6, 5, 3]], dtype="int32")
    expected = _numpy(model(tokens))
    keras_loops.clear()
    with flattened_time_distributed(model):
        outputs = model(tokens)
    assert _keras.get_mask(outputs) is not None, "the mask must reach the wrapper"
    # Keras's loop hands a mask only to a wrapped layer whose call takes one; Dense's does not.
    assert not keras_loops
    np.testing.assert_allclose(_numpy(outputs), expected, rtol=0, atol=1e-6)


def test_training_calls_go_to_keras(keras_loops: list[int]) -> None:
    model = _sequence_model(keras.layers.Dropout(0.5))
    with flattened_time_distributed(model):
        model(_series(), training=True)
    assert keras_loops


def test_a_softmax_over_the_batch_axis_goes_to_keras(keras_loops: list[int]) -> None:
    model = _sequence_model(keras.layers.Softmax(axis=0))
    expected = _numpy(model(_series()))
    keras_loops.clear()
    with flattened_time_distributed(model):
        outputs = _numpy(model(_series()))
    assert keras_loops
    np.testing.assert_allclose(outputs, expected, rtol=0, atol=1e-6)


def test_overrides_are_removed_on_exit_and_on_error() -> None:
    model = _sequence_model(keras.layers.Dense(2))
    (wrapper,) = _wrappers(model)
    with flattened_time_distributed(model):
        assert not _is_keras_call(wrapper)
    assert _is_keras_call(wrapper)
    with pytest.raises(KeyError), flattened_time_distributed(model):
        assert not _is_keras_call(wrapper)
        raise KeyError("inside the block")
    assert _is_keras_call(wrapper)

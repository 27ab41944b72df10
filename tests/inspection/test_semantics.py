"""Head activations read as meanings, losses as tasks, and contradictions flagged."""

from __future__ import annotations

import keras
import pytest

from rnnlens import inspect_model
from rnnlens.inspection.semantics import loss_info


def _model(units, activation, loss=None):
    x = keras.Input((4, 2))
    y = keras.layers.Dense(units, activation=activation)(keras.layers.GRU(3)(x))
    model = keras.Model(x, y)
    if loss is not None:
        model.compile(loss=loss)
    return model


@pytest.mark.parametrize(
    ("activation", "meaning", "value_range"),
    [
        ("sigmoid", "probability", (0.0, 1.0)),
        ("softmax", "distribution", (0.0, 1.0)),
        ("linear", "value", (None, None)),
        ("relu", "nonnegative_value", (0.0, None)),
        ("softplus", "nonnegative_value", (0.0, None)),
        ("tanh", "bounded_value", (-1.0, 1.0)),
    ],
)
def test_activation_meaning(activation, meaning, value_range):
    head = inspect_model(_model(3, activation)).outputs[0].head
    assert head.meaning == meaning
    assert head.range == value_range


def test_separate_activation_layer_decides_the_meaning():
    x = keras.Input((4, 2))
    y = keras.layers.Activation("softmax")(keras.layers.Dense(3)(keras.layers.LSTM(3)(x)))
    out = inspect_model(keras.Model(x, y)).outputs[0]
    assert out.head.meaning == "distribution"
    assert len(out.head.layers) == 2


@pytest.mark.parametrize(
    ("units", "activation", "loss", "fragment"),
    [
        (1, "softmax", None, "always outputs 1.0"),
        (3, "sigmoid", "categorical_crossentropy", "need not sum to 1"),
        (3, "linear", "categorical_crossentropy", "without from_logits=True"),
        (1, "sigmoid", keras.losses.BinaryCrossentropy(from_logits=True), "applied twice"),
    ],
)
def test_contradictions_are_warnings(units, activation, loss, fragment):
    spec = inspect_model(_model(units, activation, loss))
    assert any(fragment in w for w in spec.outputs[0].warnings)
    assert any(fragment in w for w in spec.warnings)


def test_consistent_models_have_no_warnings():
    assert inspect_model(_model(1, "sigmoid", "binary_crossentropy")).warnings == ()
    logits = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert inspect_model(_model(4, "linear", logits)).warnings == ()


@pytest.mark.parametrize(
    ("loss", "name", "from_logits"),
    [
        ("mse", "mean_squared_error", False),
        ("MeanAbsoluteError", "mean_absolute_error", False),
        (keras.losses.Huber(), "huber", False),
        (keras.losses.CategoricalCrossentropy(from_logits=True), "categorical_crossentropy", True),
        (keras.losses.sparse_categorical_crossentropy, "sparse_categorical_crossentropy", False),
        (
            {"class_name": "BinaryCrossentropy", "config": {"from_logits": True}},
            "binary_crossentropy",
            True,
        ),
    ],
)
def test_loss_info_canonicalises(loss, name, from_logits):
    info = loss_info(loss)
    assert (info.name, info.from_logits) == (name, from_logits)


@pytest.mark.parametrize(
    ("units", "activation", "loss", "task"),
    [
        (1, "sigmoid", "binary_crossentropy", "binary_classification"),
        (4, "sigmoid", "binary_crossentropy", "multilabel_classification"),
        (4, "softmax", "categorical_crossentropy", "multiclass_classification"),
        (1, "linear", "mse", "regression"),
        (1, "relu", None, "regression"),
        (
            2,
            "linear",
            keras.losses.CategoricalCrossentropy(from_logits=True),
            "multiclass_classification",
        ),
    ],
)
def test_task_follows_loss_then_activation(units, activation, loss, task):
    assert inspect_model(_model(units, activation, loss)).outputs[0].task == task

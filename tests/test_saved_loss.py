"""A loss compiled with from_logits=True survives saving: the linear head is read and decoded as logits."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnnlens import inspect_model
from rnnlens.decoding import decode
from rnnlens.loading import _plain_loss, load_model, saved_loss

# (loss, head units, meaning, last axis, Keras activation that turns logits into probabilities)
LOGIT_LOSSES = [
    (
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        4,
        "logits",
        "classes",
        "softmax",
    ),
    (keras.losses.CategoricalCrossentropy(from_logits=True), 3, "logits", "classes", "softmax"),
    (keras.losses.BinaryCrossentropy(from_logits=True), 1, "binary_logits", "labels", "sigmoid"),
    (keras.losses.BinaryCrossentropy(from_logits=True), 3, "binary_logits", "labels", "sigmoid"),
]
IDS = ["sparse_cce", "cce", "bce", "bce_multilabel"]


def _linear_head(units: int, loss) -> keras.Model:
    keras.utils.set_random_seed(5)
    inputs = keras.Input((5, 2), name="series")
    hidden = keras.layers.LSTM(4, name="lstm")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(units, name="head")(hidden), name="logit_head")
    model.compile(loss=loss)
    return model


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(6, 5, 2)).astype("float32")


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize(("loss", "units", "meaning", "axis", "activation"), LOGIT_LOSSES, ids=IDS)
def test_saved_from_logits_loss_reads_as_logits(
    tmp_path, x, suffix, loss, units, meaning, axis, activation
):
    path = tmp_path / f"model{suffix}"
    _linear_head(units, loss).save(path)
    model = load_model(path)
    out = inspect_model(model).outputs[0]
    assert out.from_logits is True
    assert out.head.meaning == meaning
    assert out.axes == ("batch", axis)
    assert out.warnings == ()
    assert not any("units of the training target" in fact for fact in out.facts)
    assert any(fact.startswith("Values: logits") for fact in out.facts)
    assert any("(from_logits=True)" in fact for fact in out.facts)
    # Decoded probabilities are Keras's own activation of the raw output.
    expected = keras.ops.convert_to_numpy(
        getattr(keras.activations, activation)(model.predict(x, verbose=0))
    )
    result = decode(model, x)
    assert result.kind == (
        "categorical" if activation == "softmax" else ("binary" if units == 1 else "multilabel")
    )
    if activation == "softmax":
        np.testing.assert_allclose(result.table["probability"], expected.max(axis=1), atol=1e-6)
        assert result.table["class_index"].tolist() == expected.argmax(axis=1).tolist()
    elif units == 1:
        np.testing.assert_allclose(result.table["probability"], expected[:, 0], atol=1e-6)
    else:
        columns = [f"probability:{i}" for i in range(units)]
        np.testing.assert_allclose(result.table[columns], expected, atol=1e-6)
    assert any("logits" in note for note in result.meta["notes"])


@pytest.mark.parametrize(("loss", "units", "meaning", "axis", "activation"), LOGIT_LOSSES, ids=IDS)
def test_in_memory_compiled_model_reads_as_logits(loss, units, meaning, axis, activation):
    out = inspect_model(_linear_head(units, loss)).outputs[0]
    assert (out.head.meaning, out.axes[-1], out.from_logits) == (meaning, axis, True)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_string_and_plain_losses_are_unchanged(tmp_path, suffix):
    path = tmp_path / f"model{suffix}"
    _linear_head(4, "sparse_categorical_crossentropy").save(path)
    model = load_model(path)
    assert saved_loss(model) == "sparse_categorical_crossentropy"
    out = inspect_model(model).outputs[0]
    # A string loss cannot say from_logits=True: Keras reads it as probabilities, hence the warning.
    assert out.from_logits is False
    assert out.head.meaning == "value"
    assert any("without from_logits=True" in warning for warning in out.warnings)


def test_plain_loss_keeps_name_and_from_logits_for_every_output():
    serialised = {
        "module": "keras.losses",
        "class_name": "SparseCategoricalCrossentropy",
        "config": {"name": "scce", "reduction": "sum", "from_logits": True, "ignore_class": None},
        "registered_name": None,
    }
    essentials = {
        "class_name": "SparseCategoricalCrossentropy",
        "config": {"name": "scce", "from_logits": True},
    }
    assert _plain_loss(serialised) == essentials
    assert _plain_loss([serialised, "mse"]) == [essentials, "mse"]
    assert _plain_loss({"a": serialised, "b": None}) == {"a": essentials, "b": None}
    assert _plain_loss({"class_name": "Huber", "config": None}) == {
        "class_name": "Huber",
        "config": {},
    }


def test_per_output_losses_of_a_saved_model(tmp_path):
    inputs = keras.Input((5, 2))
    hidden = keras.layers.GRU(4)(inputs)
    tags = keras.layers.Dense(3, name="tags")(hidden)
    level = keras.layers.Dense(1, name="level")(hidden)
    model = keras.Model(inputs, [tags, level])
    model.compile(loss={"tags": keras.losses.BinaryCrossentropy(from_logits=True), "level": "mse"})
    model.save(tmp_path / "two.keras")
    spec = inspect_model(load_model(tmp_path / "two.keras"))
    assert spec.output("tags").head.meaning == "binary_logits"
    assert spec.output("level").head.meaning == "value"
    assert spec.to_dict()["loss"] == {"tags": "binary_crossentropy", "level": "mse"}

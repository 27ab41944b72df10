"""Anatomy cards: one per model plus one per output, with the axes Keras reports."""

from __future__ import annotations

from typing import Any

import pytest

from rnnlens.inspection import inspect_model
from rnnlens.report.anatomy import anatomy_cards, format_shape
from tests.helpers import small_forecaster, small_sentiment, small_translator


@pytest.fixture(scope="module", params=["forecaster", "sentiment", "translator"])
def model(request: pytest.FixtureRequest) -> Any:
    builders = {
        "forecaster": small_forecaster,
        "sentiment": small_sentiment,
        "translator": small_translator,
    }
    return builders[request.param]()


def test_one_card_for_the_model_and_one_per_output(model: Any) -> None:
    spec = inspect_model(model)
    cards = anatomy_cards(spec)
    assert len(cards) == 1 + len(model.outputs)
    assert cards[0].title == model.name
    for card, output in zip(cards[1:], spec.outputs, strict=True):
        assert card.facts == output.facts
        assert card.warnings == output.warnings


def test_output_cards_show_the_keras_output_shape_with_axis_names(model: Any) -> None:
    spec = inspect_model(model)
    for card, tensor, output in zip(
        anatomy_cards(spec)[1:], model.outputs, spec.outputs, strict=True
    ):
        shape = dict(card.fields)["shape"]
        for axis, size in zip(output.axes[1:], tuple(tensor.shape)[1:], strict=True):
            assert f"{axis}={size}" in shape


def test_model_card_lists_inputs_and_recurrent_layers(model: Any) -> None:
    fields = dict(anatomy_cards(inspect_model(model))[0].fields)
    for tensor in model.inputs:
        assert f"input {tensor.name.split(':')[0]}" in fields
    recurrent = [
        layer.name for layer in model.layers if "gru" in layer.name or "lstm" in layer.name
    ]
    for name in recurrent:
        assert f"layer {name}" in fields


def test_format_shape_marks_free_sizes() -> None:
    assert (
        format_shape((None, 10, 3), ("batch", "time", "features"))
        == "(batch=?, time=10, features=3)"
    )
    assert format_shape((None, 4), ("batch",)) == "(?, 4)"

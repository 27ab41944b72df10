"""What the readers need to know about a model's inputs: a view of :mod:`rnnlens.model_inputs`.

Kept so that existing imports work: :class:`InputShape` is :class:`rnnlens.model_inputs.ModelInput` (it
has ``name``, ``timesteps``, ``features``, ``tokens`` and ``vocab_size``).
"""

from __future__ import annotations

from typing import Any

from rnnlens.model_inputs import ModelInput, describe_inputs

__all__ = ["InputShape", "input_shapes"]

InputShape = ModelInput


def input_shapes(model: Any) -> list[ModelInput]:
    """Describe every input of a ``keras.Model``, in ``model.inputs`` order."""
    return list(describe_inputs(model))

"""What the readers need to know about a model's inputs: name, length, width, and whether it takes tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["InputShape", "input_shapes"]


@dataclass(frozen=True)
class InputShape:
    """One model input as the data readers see it.

    ``timesteps`` / ``features`` are None where the model accepts any size; ``features`` is None for token
    inputs, whose shape is ``(batch, time)``.
    """

    name: str
    timesteps: int | None
    features: int | None
    tokens: bool
    vocab_size: int | None


def input_shapes(model: Any) -> list[InputShape]:
    """Describe every input of a ``keras.Model``, in ``model.inputs`` order."""
    from rnnlens.validation import embedding_vocab_sizes

    vocab = embedding_vocab_sizes(model)
    shapes = []
    for tensor in model.inputs:
        name = tensor.name.split(":")[0]
        shape = tuple(tensor.shape)
        tokens = name in vocab or "int" in str(tensor.dtype)
        timesteps = shape[1] if len(shape) > 1 else None
        features = shape[2] if len(shape) > 2 else None
        shapes.append(
            InputShape(
                name=name,
                timesteps=None if timesteps is None else int(timesteps),
                features=None if features is None else int(features),
                tokens=tokens,
                vocab_size=vocab.get(name),
            )
        )
    return shapes

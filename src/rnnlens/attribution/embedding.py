"""Token inputs: find the Embedding that reads each one, and feed it chosen vectors instead of a lookup.

Gradients cannot flow into integer token ids, so rnnlens attributes at the embedding output. Rather than
rebuilding the model graph around a new ``Input``, the model is run unchanged on its token ids while each
input's ``Embedding`` returns vectors we supply (an instance-level override of ``call``). That keeps every
model shape working (Sequential, functional, nested, encoder-decoder) and keeps Keras masking intact: the
``Embedding`` still computes ``mask_zero`` masks from the real ids, so padded steps stay masked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from rnnlens import _keras
from rnnlens.errors import UnsupportedLayerError
from rnnlens.model_inputs import describe_inputs

__all__ = ["embedding_layers", "padding_mask", "substituted_embeddings"]


def embedding_layers(model: Any, token_inputs: list[str]) -> dict[str, Any]:
    """Map each token input name to the ``keras.layers.Embedding`` that reads it directly.

    The Embedding is decided once per model by :func:`rnnlens.model_inputs.describe_inputs`.

    Raises:
        UnsupportedLayerError: a token input reaches no Embedding directly (gradients cannot flow through
            integer ids), or an Embedding is shared between several calls.
    """
    wanted = set(token_inputs)
    found: dict[str, Any] = {}
    for described in describe_inputs(model):
        if described.name not in wanted or described.embedding is None:
            continue
        sharing = sorted({described.name, *described.embedding_shared_with} & wanted)
        if len(sharing) > 1:
            raise UnsupportedLayerError(
                f"Embedding {described.embedding.name!r} is shared by inputs {sharing}; rnnlens "
                "attributes token inputs through one Embedding call each. Give each input its own "
                "Embedding layer."
            )
        found[described.name] = described.embedding
    missing = [name for name in token_inputs if name not in found]
    if missing:
        raise UnsupportedLayerError(
            f"Input(s) {missing} hold integer token ids but no Embedding layer reads them directly, so "
            "gradients cannot reach them. rnnlens attributes token inputs at the output of the "
            "Embedding that consumes them: make that Embedding the first layer on the input."
        )
    return found


@contextlib.contextmanager
def substituted_embeddings(values: Mapping[Any, Any]) -> Iterator[None]:
    """Within the block, each Embedding layer in ``values`` returns the given tensor instead of a lookup.

    Args:
        values: Embedding layer -> tensor ``(batch, time, embedding_dim)``; it must match the ids' batch
            and time axes (the layer still computes its mask from the ids).
    """
    import keras

    calls = {}
    for layer, value in values.items():
        vectors = keras.ops.cast(value, layer.compute_dtype)

        def call(*args: Any, _vectors: Any = vectors, **kwargs: Any) -> Any:
            return _vectors

        calls[layer] = call
    with _keras.overridden_calls(calls):
        yield


def padding_mask(layer: Any, ids: np.ndarray) -> np.ndarray | None:
    """``(batch, time)`` booleans, False at padded (masked) tokens, or None when the layer does not mask."""
    if not getattr(layer, "mask_zero", False):
        return None
    return np.asarray(ids) != 0

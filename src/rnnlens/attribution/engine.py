"""The model side of attribution: inputs in attribution space, and batched compiled evaluations.

An :class:`Engine` wraps one model. Float inputs are attributed as they are; token inputs are attributed at
the output of their Embedding ("attribution space"). Every evaluation a method needs (outputs, a target's
value, its gradient) goes through a function compiled once per model by :mod:`rnnlens.backends`, called on
large chunks of rows sized by a memory budget and run by the executor of :mod:`rnnlens.execution`.

Engines are cached per model in :func:`rnnlens.execution.cached` (nothing is written onto the model) and
hold the model weakly, so a cached engine does not keep its model alive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB, chunk_size
from rnnlens.attribution.embedding import embedding_layers, padding_mask, substituted_embeddings
from rnnlens.attribution.evaluation_model import evaluation_model
from rnnlens.attribution.memory import bytes_per_row
from rnnlens.attribution.time_distributed import flattened_time_distributed
from rnnlens.execution import Chunk, cached, plan_chunks, run_chunks, weak_model
from rnnlens.inspection.graph import output_names
from rnnlens.model_inputs import describe_inputs

__all__ = ["Engine", "Rows", "Slot"]

# A builder of one chunk: row indices -> (attribution-space inputs, token ids, target weights or None).
Rows = Callable[[np.ndarray], tuple[list[np.ndarray], list[np.ndarray], np.ndarray | None]]


@dataclass(frozen=True)
class Slot:
    """One model input as attribution sees it.

    ``embedding`` is the Embedding layer reading a token input (None for float inputs); ``axes`` names the
    reported axes after the sample axis: ``("time", "feature")`` or ``("token",)``.
    """

    index: int
    name: str
    embedding: Any
    axes: tuple[str, ...]

    @property
    def tokens(self) -> bool:
        """True for token-id inputs attributed through their Embedding."""
        return self.embedding is not None


class Engine:
    """Compiled, batched evaluations of one model (use :meth:`for_model`, which caches per model).

    ``model`` is what the engine evaluates: the user's model, or its stateless, scope-safe clone (see
    :mod:`rnnlens.attribution.evaluation_model`); ``output_names`` are always the user's. The engine holds
    the user's model weakly (a clone, which nothing else holds, strongly): keep the model while you use
    its engine.
    """

    def __init__(self, model: Any) -> None:
        user_model = model
        model = evaluation_model(model)
        # A clone refers to nothing of the user's model; the user's model itself must stay collectable.
        self._model = weak_model(model) if model is user_model else (lambda: model)
        described = describe_inputs(model)
        token_names = [d.name for d in described if d.tokens]
        layers = embedding_layers(model, token_names) if token_names else {}
        self.slots = tuple(
            Slot(
                index=d.index,
                name=d.name,
                embedding=layers.get(d.name),
                axes=("token",) if d.name in layers else _float_axes(d.shape),
            )
            for d in described
        )
        self.output_names = output_names(user_model)
        self._compiled: dict[tuple[Any, ...], Callable[..., Any]] = {}
        self._bytes_per_row: dict[tuple[bool, int | None], int] = {}

    @property
    def model(self) -> Any:
        """The model evaluated (see the class doc).

        Raises:
            RuntimeError: the user's model was garbage-collected.
        """
        return self._model()

    @classmethod
    def for_model(cls, model: Any) -> Engine:
        """The model's engine, created once per model (in :func:`rnnlens.execution.cached`) and reused."""
        return cached(model, ("attribution", "engine", cls), lambda: cls(model))

    # ----------------------------------------------------------------------------------- inputs
    def to_space(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        """Attribution-space arrays: float inputs as float32, token ids replaced by their embeddings."""
        return [
            self.embed(slot, array) if slot.tokens else np.asarray(array, dtype=np.float32)
            for slot, array in zip(self.slots, arrays, strict=True)
        ]

    def embed(self, slot: Slot, ids: np.ndarray) -> np.ndarray:
        """Embedding vectors ``(batch, time, embedding_dim)`` for token ids ``(batch, time)`` (one call)."""
        import keras

        vectors = slot.embedding(keras.ops.convert_to_tensor(np.asarray(ids, dtype=np.int32)))
        return np.asarray(keras.ops.convert_to_numpy(vectors), dtype=np.float32)

    def token_arrays(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        """The token-id arrays of token slots, in slot order (they are fed to the model unchanged)."""
        return [array for slot, array in zip(self.slots, arrays, strict=True) if slot.tokens]

    def masks(self, arrays: list[np.ndarray]) -> list[np.ndarray | None]:
        """Per slot, ``(batch, time)`` booleans that are False at padded tokens, or None."""
        return [
            padding_mask(slot.embedding, array) if slot.tokens else None
            for slot, array in zip(self.slots, arrays, strict=True)
        ]

    def bytes_per_row(self, *, gradients: bool = True, steps: int | None = None) -> int:
        """An upper estimate of the memory one row needs (see :mod:`rnnlens.attribution.memory`).

        Args:
            gradients: True for a forward + backward pass, False for a forward pass only.
            steps: the data's time steps, where the model's time axis is not fixed.
        """
        from rnnlens import backends

        key = (gradients, steps)
        if key not in self._bytes_per_row:
            self._bytes_per_row[key] = bytes_per_row(
                self.model, backends.name(), gradients=gradients, steps=steps
            )
        return self._bytes_per_row[key]

    def chunk_size(
        self,
        n_rows: int,
        *,
        gradients: bool,
        steps: int | None = None,
        internal_batch_size: int | None = None,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    ) -> int:
        """Rows per compiled call for ``n_rows`` evaluations (see :func:`~.batching.chunk_size`).

        Under a backend that compiles anew for each batch size (JAX), the size is one of a few buckets
        (:func:`~.batching.size_bucket`), so that calls of any length reuse a handful of compilations.
        """
        from rnnlens import backends

        return chunk_size(
            n_rows,
            self.bytes_per_row(gradients=gradients, steps=steps),
            internal_batch_size,
            memory_budget_mb,
            few_sizes=backends.compiles_per_batch_size(),
        )

    # ----------------------------------------------------------------------------- evaluations
    def outputs(
        self, space: list[np.ndarray], tokens: list[np.ndarray], size: int
    ) -> list[np.ndarray]:
        """Every model output on ``space`` (+ ``tokens``), computed in chunks of ``size`` samples."""
        run = self._function(("outputs",))
        n_rows = len(space[0])

        def work(chunk: Chunk) -> list[np.ndarray]:
            indices = chunk.indices
            result = run([a[indices] for a in space], [t[indices] for t in tokens])
            return [np.asarray(r)[: chunk.n_valid] for r in result]

        parts = list(run_chunks(work, plan_chunks(n_rows, size)))
        return [np.concatenate([part[i] for part in parts]) for i in range(len(parts[0]))]

    def values(self, output: int, rows: Rows, n_rows: int, size: int) -> np.ndarray:
        """The target's value ``sum(outputs[output] * weights)`` for each of ``n_rows`` rows."""
        run = self._function(("values", output))

        def work(chunk: Chunk) -> np.ndarray:
            space, tokens, weights = rows(chunk.indices)
            return np.asarray(run(space, [*tokens, weights]))[: chunk.n_valid]

        result = np.empty(n_rows, dtype=np.float32)
        chunks = plan_chunks(n_rows, size)
        for chunk, values in zip(chunks, run_chunks(work, chunks), strict=True):
            result[chunk.rows] = values
        return result

    def gradients(
        self, output: int, rows: Rows, n_rows: int, size: int
    ) -> Iterator[tuple[np.ndarray, int, list[np.ndarray]]]:
        """Yield ``(indices, n_valid, grads)``: gradients of the weighted target per chunk of rows.

        ``indices`` are the chunk's ``(size,)`` row indices (the last chunk padded by repeating its final
        row) and ``grads`` hold the first ``n_valid`` rows only.
        """
        run = self._function(("grad", output))

        def work(chunk: Chunk) -> list[np.ndarray]:
            space, tokens, weights = rows(chunk.indices)
            _, grads = run(space, [*tokens, weights])
            return [np.asarray(g)[: chunk.n_valid] for g in grads]

        chunks = plan_chunks(n_rows, size)
        for chunk, grads in zip(chunks, run_chunks(work, chunks), strict=True):
            yield chunk.indices, chunk.n_valid, grads

    # ----------------------------------------------------------------------------- compiled fns
    def _function(self, key: tuple[Any, ...]) -> Callable[..., Any]:
        from rnnlens import backends

        fn = self._compiled.get(key)
        if fn is None:
            if key[0] == "outputs":
                fn = backends.model_function(self._all_outputs, self.model)
            elif key[0] == "values":
                fn = backends.model_function(self._target_fn(key[1]), self.model)
            else:
                fn = backends.value_and_grad(self._target_fn(key[1]), self.model)
            self._compiled[key] = fn
        return fn

    def _forward(self, call: Callable[[Any], Any], inputs: list[Any], ids: list[Any]) -> list[Any]:
        feed: list[Any] = []
        substitutes: dict[Any, Any] = {}
        remaining = iter(ids)
        for slot, tensor in zip(self.slots, inputs, strict=True):
            if slot.tokens:
                feed.append(next(remaining))
                substitutes[slot.embedding] = tensor
            else:
                feed.append(tensor)
        # Per-row TimeDistributed layers run once over all steps, not Keras's loop over them.
        with substituted_embeddings(substitutes), flattened_time_distributed(self.model):
            outputs = call(feed[0] if len(feed) == 1 else feed)
        return self._flatten(outputs)

    def _all_outputs(self, call: Callable[[Any], Any], inputs: list[Any], extras: list[Any]) -> Any:
        return self._forward(call, inputs, extras)

    def _target_fn(self, output: int) -> Callable[..., Any]:
        n_tokens = sum(slot.tokens for slot in self.slots)

        def fn(call: Callable[[Any], Any], inputs: list[Any], extras: list[Any]) -> Any:
            import keras

            ops = keras.ops
            out = ops.cast(self._forward(call, inputs, extras[:n_tokens])[output], "float32")
            weighted = out * extras[n_tokens]
            rank = len(weighted.shape)
            return weighted if rank == 1 else ops.sum(weighted, axis=tuple(range(1, rank)))

        return fn

    def _flatten(self, outputs: Any) -> list[Any]:
        if isinstance(outputs, dict):
            return [outputs[name] for name in self.output_names]
        if isinstance(outputs, list | tuple):
            return list(outputs)
        return [outputs]


def _float_axes(shape: Any) -> tuple[str, ...]:
    rank = len(shape)
    if rank == 3:
        return ("time", "feature")
    if rank == 2:
        return ("feature",)
    return tuple(f"axis_{i}" for i in range(1, rank))

"""One tracing job: validate inputs, plan the recorded parts, run the compiled replay chunk by chunk.

Shared by :func:`rnnlens.trace` (assembles the chunks in memory) and :func:`rnnlens.trace_to_file` (streams
them to disk).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens import backends
from rnnlens.errors import RnnlensError, ShapeError, TargetError
from rnnlens.execution import Chunk, plan_chunks, run_chunks
from rnnlens.loading import ensure_model
from rnnlens.tracing.chunking import chunk_size
from rnnlens.tracing.graph import find_sites, select_sites
from rnnlens.tracing.names import as_names
from rnnlens.tracing.result import LayerTrace, Trace
from rnnlens.tracing.runner import Runner, get_runner
from rnnlens.validation import PreparedInputs, as_input_list, prepare_inputs

__all__ = ["Part", "Session"]


@dataclass(frozen=True)
class Part:
    """One recorded (layer call, direction, cell), with which of its pieces to keep."""

    record: str
    site_index: int
    n_states: int
    keep: tuple[tuple[str, int], ...]
    width: int
    backwards: bool
    timesteps: int | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Session:
    """One tracing job: the model, the replay, the recorded parts and the raw inputs."""

    model_name: str
    runner: Runner
    parts: tuple[Part, ...]
    arrays: tuple[Any, ...]
    n_samples: int
    model: Any
    fixed_batch: int | None
    validated: bool = False  # the inputs were validated for this model already (PreparedInputs)

    @classmethod
    def open(cls, model: Any, inputs: Any, layers: Any, quantities: Any) -> Session:
        model = ensure_model(model)
        sites, skipped = find_sites(model)
        recorded = select_sites(model, sites, skipped, layers)
        wanted = _check_quantities(quantities, recorded)
        record_gates = wanted is None or any(
            name not in ("hidden", "cell_state") and not name.startswith("state_")
            for name in wanted
        )
        validated = isinstance(inputs, PreparedInputs) and inputs.fits(model)
        arrays = [x if hasattr(x, "shape") else np.asarray(x) for x in as_input_list(model, inputs)]
        input_batch = _input_batch(model)
        if not validated:
            _check_first_sample(model, arrays, input_batch)
        n_samples = int(arrays[0].shape[0])
        for array in arrays[1:]:
            if int(array.shape[0]) != n_samples:
                raise ShapeError(
                    f"All inputs must hold the same number of samples; received {[a.shape[0] for a in arrays]}."
                )
        if n_samples == 0:
            raise ShapeError(
                "Argument `inputs` holds no samples (batch size 0); pass at least one."
            )
        runner = get_runner(model, sites, recorded, record_gates)
        parts = _parts(runner, wanted)
        stateful = _stateful_batch(runner)
        if stateful is not None and stateful != n_samples:
            raise ShapeError(
                f"The model has stateful recurrent layers built for batches of {stateful}; `inputs` "
                f"holds {n_samples} samples. Trace exactly {stateful} samples (their stored states are "
                "used)."
            )
        fixed = stateful or input_batch
        return cls(model.name, runner, parts, tuple(arrays), n_samples, model, fixed, validated)

    def bytes_per_sample(self, with_inputs: bool) -> int:
        """Bytes one sample's trace takes (plus its inputs when ``with_inputs``)."""
        default_t = self.arrays[0].shape[1] if len(self.arrays[0].shape) > 1 else 1
        total = 0
        for part in self.parts:
            t = part.timesteps or default_t
            total += 4 * t * part.width + t + 4 * part.width
        if with_inputs:
            total += sum(int(np.prod(a.shape[1:])) * 4 for a in self.arrays)
        return total

    def chunks(
        self, batch_size: int | None, budget_mb: float | None
    ) -> Iterator[tuple[int, int, list[dict[str, np.ndarray]]]]:
        """Run the replay chunk by chunk; yields ``(start, stop, blocks)``, one block per part.

        A block maps ``values/<quantity>`` to ``(n, time, unit)`` arrays in the original time order,
        ``initial/<state>`` to ``(n, unit)`` and ``mask`` to ``(n, time)``: the layout of trace files. The
        arrays are views of what the compiled function returned (time-major, in processing order).
        """
        if self.fixed_batch is not None:  # the model's inputs declare a batch size
            size = self.fixed_batch
        else:
            size = chunk_size(self.n_samples, self.bytes_per_sample(True), budget_mb, batch_size)
        bounds = plan_chunks(self.n_samples, size, pad=False)
        specs = self.runner.graph.inputs

        def work(bound: Chunk) -> tuple[int, int, list[dict[str, np.ndarray]]]:
            start, stop, n = bound.start, bound.stop, bound.n_valid
            chunk = [np.asarray(a[start:stop]) for a in self.arrays]
            if n < size and (len(bounds) > 1 or self.fixed_batch is not None):
                # Every call gets the same shape: no recompilation for the tail, fixed batch sizes kept.
                chunk = [_pad(c, size) for c in chunk]
            try:
                if not self.validated:
                    chunk = prepare_inputs(self.model, chunk)
            except RnnlensError as exc:
                if len(bounds) == 1:
                    raise
                raise type(exc)(f"In samples {start}..{stop - 1}: {exc}") from exc
            chunk = [
                np.asarray(c, dtype=np.dtype(str(s.dtype)))
                for c, s in zip(chunk, specs, strict=True)
            ]
            raw = self.runner(chunk)
            return start, stop, [self._block(part, raw, n) for part in self.parts]

        yield from run_chunks(work, bounds)

    def _block(self, part: Part, raw: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
        block: dict[str, np.ndarray] = {}
        for name, k in part.keep:
            piece = raw[f"{part.record}/{k}"]  # (time, batch, unit), processing order
            if part.backwards:
                piece = piece[::-1]
            block[f"values/{name}"] = piece.transpose(1, 0, 2)[:n]
        for k, name in enumerate(part.metadata["initial_states"]):
            block[f"initial/{name}"] = raw[f"{part.record}/init{k}"][:n]
        mask = raw.get(f"{part.site_index}/mask")
        steps = block["values/hidden"].shape[1]
        block["mask"] = mask[:n].astype(bool) if mask is not None else np.ones((n, steps), bool)
        return block

    def metadata(self) -> list[dict[str, Any]]:
        return [part.metadata for part in self.parts]

    def build(self, blocks: list[dict[str, np.ndarray]]) -> Trace:
        """The :class:`Trace` from one block per part."""
        layers = []
        for part, block in zip(self.parts, blocks, strict=True):
            meta = dict(part.metadata)
            for name in ("quantities", "initial_states", "axes", "state_names", "gate_names"):
                meta.pop(name)
            layers.append(
                LayerTrace(
                    **meta,
                    values={name: block[f"values/{name}"] for name, _ in part.keep},
                    initial_states={
                        name: block[f"initial/{name}"] for name in part.metadata["initial_states"]
                    },
                    mask=block["mask"],
                    state_names=tuple(part.metadata["state_names"]),
                    gate_names=tuple(part.metadata["gate_names"]),
                )
            )
        return Trace(model=self.model_name, backend=backends.name(), layers=tuple(layers))


def _check_first_sample(model: Any, arrays: list[Any], input_batch: int | None) -> None:
    """Check rank, features and dtype on one sample, to fail before any work (inputs may be mapped)."""
    samples = [_pad(np.asarray(a[:1]), input_batch or 1) for a in arrays]
    try:
        prepare_inputs(model, samples)
    except ShapeError as exc:
        message = str(exc)
        for sample, array in zip(samples, arrays, strict=True):  # report the real shapes
            message = message.replace(str(sample.shape), str(tuple(array.shape)))
        raise ShapeError(message) from None


def _pad(array: np.ndarray, size: int) -> np.ndarray:
    """Repeat the first sample until there are ``size`` samples (padding rows are dropped afterwards)."""
    missing = size - array.shape[0]
    if missing <= 0:
        return array
    return np.concatenate([array, np.repeat(array[:1], missing, axis=0)])


def _input_batch(model: Any) -> int | None:
    """The batch size the model's inputs declare (``keras.Input(batch_size=...)``), if any."""
    sizes = {int(t.shape[0]) for t in model.inputs if t.shape and t.shape[0] is not None}
    return sizes.pop() if len(sizes) == 1 else None


def _parts(runner: Runner, wanted: set[str] | None) -> tuple[Part, ...]:
    import keras

    parts = []
    for plan in sorted(runner.plans.values(), key=lambda p: p.index):
        if not plan.record:
            continue
        layer = plan.site.layer
        bidirectional = isinstance(layer, keras.layers.Bidirectional)
        for d, direction in enumerate(plan.directions):
            stacked = isinstance(direction.rnn.cell, keras.layers.StackedRNNCells)
            for c, (tracer, layout) in enumerate(
                zip(direction.tracers, direction.layouts, strict=True)
            ):
                key = plan.site.key + (f".cells[{c}]" if stacked else "")
                key += f".{direction.direction}" if bidirectional else ""
                keep = tuple(
                    (name, k)
                    for name, k in layout.quantities().items()
                    if wanted is None or name == "hidden" or name in wanted
                )
                metadata = {
                    "key": key,
                    "layer": plan.site.key,
                    "layer_class": type(layer).__name__,
                    "cell_type": tracer.kind,
                    "cell_index": c if stacked else None,
                    "direction": direction.direction,
                    "processing_order": "backward" if direction.rnn.go_backwards else "forward",
                    "bidirectional": bidirectional,
                    "units": tracer.units,
                    "activation": tracer.activation,
                    "recurrent_activation": tracer.recurrent_activation,
                    "reset_after": getattr(tracer, "reset_after", None),
                    "state_names": list(tracer.state_names),
                    "gate_names": list(tracer.gate_names),
                    "gates_unavailable": tracer.unavailable,
                    "quantities": [name for name, _ in keep],
                    "initial_states": list(tracer.state_names),
                    "axes": ["batch", "time", "unit"],
                }
                parts.append(
                    Part(
                        record=f"{plan.index}/{d}/{c}",
                        site_index=plan.index,
                        n_states=len(tracer.state_names),
                        keep=keep,
                        width=layout.width,
                        backwards=bool(direction.rnn.go_backwards),
                        timesteps=plan.site.timesteps,
                        metadata=metadata,
                    )
                )
    return tuple(parts)


def _check_quantities(quantities: Any, recorded: list[Any]) -> set[str] | None:
    if quantities is None:
        return None
    from rnnlens.tracing.layers import plan_directions

    known = {"hidden"}
    for site in recorded:
        for direction in plan_directions(site.layer, True):
            for tracer in direction.tracers:
                known.update(tracer.state_names, tracer.gate_names)
    names = as_names(quantities, "quantities", sorted(known))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise TargetError(
            f"Argument `quantities` names {unknown}, which the traced layers do not have. "
            f"Expected names among {sorted(known)}."
        )
    return set(names)


def _stateful_batch(runner: Runner) -> int | None:
    import keras

    for plan in runner.plans.values():
        layer = plan.site.layer
        halves = (
            [layer.forward_layer, layer.backward_layer]
            if isinstance(layer, keras.layers.Bidirectional)
            else [layer]
        )
        for rnn in halves:
            if rnn.stateful and rnn.states is not None:
                from keras import tree

                return int(tree.flatten(rnn.states)[0].shape[0])
    return None

"""The time loop: one direction of one recurrent layer, every cell, with Keras's masking rules.

Inputs are projected for all timesteps in one matmul; only the recurrent part runs in ``keras.ops.scan``,
inside the function :mod:`rnnlens.tracing.runner` compiles. Work is time-major and in processing order
(reversed for ``go_backwards``); recorded values are returned in the original time order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from keras import ops

from rnnlens.tracing.cell_base import CellTracer
from rnnlens.tracing.layout import Layout

__all__ = ["DirectionRun", "run_direction"]

Tensor = Any


@dataclass(frozen=True)
class DirectionRun:
    """What one direction of a layer produced.

    Attributes:
        values: per cell, the packed values ``(batch, time, width)`` in original time order; gates are NaN at
            masked steps (Keras computes and discards them there).
        initial: per cell, the initial states, each ``(batch, size)``.
        output_sequence: the layer's output exactly as Keras returns it, ``(batch, time, units)``, in
            processing order (reversed for ``go_backwards``, as Keras does).
        final_states: the final states of every cell, flattened in Keras's order.
    """

    values: tuple[Tensor, ...]
    initial: tuple[tuple[Tensor, ...], ...]
    output_sequence: Tensor
    final_states: tuple[Tensor, ...]


def run_direction(
    tracers: list[CellTracer],
    layouts: list[Layout],
    sequences: Tensor,
    mask: Tensor | None,
    initial: list[tuple[Tensor, ...]],
    *,
    go_backwards: bool,
    zero_output_for_mask: bool,
    masked_output: str,
    record: bool,
) -> DirectionRun:
    """Run every cell of one direction over ``sequences``.

    Args:
        tracers: one per cell, bottom first.
        layouts: the packed layout of each cell.
        sequences: ``(batch, time, features)`` layer input.
        mask: ``(batch, time)`` boolean, or ``None``.
        initial: per cell, its initial states ``(batch, size)``.
        go_backwards: process the sequence from the last step to the first.
        zero_output_for_mask: Keras emits zeros (not the previous output) at masked steps.
        masked_output: what the active Keras backend emits at a masked step: ``"previous_output"``
            (TensorFlow, PyTorch: zeros before the first real step) or ``"first_state"`` (JAX: the carried
            first state, so the initial state before the first real step).
        record: also return the packed values for the trace (else only what downstream layers need).
    """
    x = ops.transpose(sequences, (1, 0, 2))
    mask_tb = None
    if mask is not None:
        mask_tb = ops.expand_dims(ops.transpose(ops.cast(mask, "bool"), (1, 0)), -1)
    if go_backwards:
        x = ops.flip(x, 0)
        mask_tb = ops.flip(mask_tb, 0) if mask_tb is not None else None

    values: list[Tensor] = []
    finals: list[Tensor] = []
    for tracer, layout, states0 in zip(tracers, layouts, initial, strict=True):
        packed = _scan_cell(tracer, layout, tracer.project(x), mask_tb, states0, masked_output)
        start, stop = layout.hidden
        x = packed[..., start:stop]  # what the next stacked cell receives
        finals.extend(packed[-1, :, a:b] for _, a, b in layout.states)
        if record:
            values.append(_to_original_order(packed, layout, mask_tb, go_backwards))

    output = x
    if mask_tb is not None:
        if zero_output_for_mask:
            output = ops.where(mask_tb, output, ops.zeros_like(output))
        elif masked_output == "previous_output" and tracers[-1].unavailable is None:
            seen = ops.cumsum(ops.cast(mask_tb, "int32"), axis=0) > 0
            output = ops.where(seen, output, ops.zeros_like(output))
    return DirectionRun(
        values=tuple(values),
        initial=tuple(tuple(s) for s in initial),
        output_sequence=ops.transpose(output, (1, 0, 2)),
        final_states=tuple(finals),
    )


def _scan_cell(
    tracer: CellTracer,
    layout: Layout,
    projected: Tensor,
    mask_tb: Tensor | None,
    states0: tuple[Tensor, ...],
    masked_output: str,
) -> Tensor:
    """Scan one cell; returns the packed values ``(time, batch, width)`` in processing order."""
    bounds = [(a, b) for _, a, b in layout.states]
    n_gates = len(layout.gates)
    # A custom cell's output is carried in its own slot; at masked steps the backend decides what it is.
    output_from_state = masked_output == "first_state" and tracer.state_sizes[0] == tracer.units

    def body(carry: Tensor, xs: Any) -> tuple[Tensor, Tensor]:
        x_t, m_t = xs if mask_tb is not None else (xs, None)
        previous = tuple(carry[:, a:b] for a, b in bounds)
        result = tracer.step(x_t, previous)
        states = result.states
        if m_t is not None:  # masked steps carry every state over unchanged, as Keras does
            states = tuple(
                ops.where(m_t, new, old) for new, old in zip(states, previous, strict=True)
            )
        parts = list(states)
        if layout.output is not None:
            out = result.output
            if m_t is not None:
                start, stop = layout.output
                out = ops.where(
                    m_t, out, previous[0] if output_from_state else carry[:, start:stop]
                )
            parts.append(out)
        parts.extend(result.gates[:n_gates])
        new = parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=-1)
        return new, new

    parts0 = list(states0)
    if layout.output is not None:
        parts0.append(states0[0] if output_from_state else _zeros(states0[0], tracer.units))
    parts0.extend(_zeros(states0[0], tracer.units) for _ in range(n_gates))
    init = parts0[0] if len(parts0) == 1 else ops.concatenate(parts0, axis=-1)
    xs = (projected, mask_tb) if mask_tb is not None else projected
    _, packed = ops.scan(body, init, xs)
    return packed


def _zeros(like: Tensor, width: int) -> Tensor:
    """Zeros ``(batch, width)`` with the batch size and dtype of ``like`` (batch may be symbolic)."""
    return ops.zeros_like(like[:, :1]) + ops.zeros((width,), dtype=like.dtype)


def _to_original_order(
    packed: Tensor, layout: Layout, mask_tb: Tensor | None, go_backwards: bool
) -> Tensor:
    """``(time, batch, width)`` in processing order -> ``(batch, time, width)`` in original order."""
    if mask_tb is not None and layout.gates:
        is_state = np.arange(layout.width) < layout.gate_start
        keep = ops.logical_or(mask_tb, ops.convert_to_tensor(is_state))
        packed = ops.where(keep, packed, ops.full_like(packed, float("nan")))
    if go_backwards:
        packed = ops.flip(packed, 0)
    return ops.transpose(packed, (1, 0, 2))

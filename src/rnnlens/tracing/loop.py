"""The time loop: one direction of one recurrent layer, every cell, with Keras's masking rules.

The loop runs in ``keras.ops.scan`` inside the function :mod:`rnnlens.tracing.runner` compiles. Each cell
step does its own input matmul, as Keras's fused cells do: on CPU a per-step ``x_t @ kernel`` is faster than
projecting all steps up front (it keeps the working set in cache). Work is time-major and in processing
order (reversed for ``go_backwards``); each quantity comes back as its own ``(time, batch, size)`` array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keras import ops

from rnnlens.tracing.cell_base import CellTracer
from rnnlens.tracing.layout import Layout

__all__ = ["DirectionRun", "run_direction"]

Tensor = Any


@dataclass(frozen=True)
class DirectionRun:
    """What one direction of a layer produced.

    Attributes:
        pieces: per cell, one ``(time, batch, size)`` array per quantity of its :class:`Layout`, in
            processing order; gates are NaN at masked steps (Keras computes them and discards them there).
        initial: per cell, the initial states, each ``(batch, size)``.
        output_sequence: the layer's output exactly as Keras returns it, ``(batch, time, units)``, in
            processing order (reversed for ``go_backwards``, as Keras does).
        final_states: the final states of every cell, flattened in Keras's order.
    """

    pieces: tuple[tuple[Tensor, ...], ...]
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
) -> DirectionRun:
    """Run every cell of one direction over ``sequences``.

    Args:
        tracers: one per cell, bottom first.
        layouts: the pieces of each cell.
        sequences: ``(batch, time, features)`` layer input.
        mask: ``(batch, time)`` boolean, or ``None``.
        initial: per cell, its initial states ``(batch, size)``.
        go_backwards: process the sequence from the last step to the first.
        zero_output_for_mask: Keras emits zeros (not the previous output) at masked steps.
        masked_output: what the active Keras backend emits at a masked step: ``"previous_output"``
            (TensorFlow, PyTorch: zeros before the first real step) or ``"first_state"`` (JAX: the carried
            first state, so the initial state before the first real step).
    """
    x = ops.transpose(sequences, (1, 0, 2))
    mask_tb = None
    if mask is not None:
        mask_tb = ops.expand_dims(ops.transpose(ops.cast(mask, "bool"), (1, 0)), -1)
    if go_backwards:
        x = ops.flip(x, 0)
        mask_tb = ops.flip(mask_tb, 0) if mask_tb is not None else None

    all_pieces: list[tuple[Tensor, ...]] = []
    finals: list[Tensor] = []
    for tracer, layout, states0 in zip(tracers, layouts, initial, strict=True):
        pieces = _scan_cell(tracer, layout, x, mask_tb, states0, masked_output)
        x = pieces[layout.hidden]  # what the next stacked cell receives
        finals.extend(piece[-1] for piece in pieces[: layout.n_states])
        all_pieces.append(_nan_gates(pieces, layout, mask_tb))

    output = x
    if mask_tb is not None:
        if zero_output_for_mask:
            output = ops.where(mask_tb, output, ops.zeros_like(output))
        elif masked_output == "previous_output" and not layouts[-1].has_output:
            seen = ops.cumsum(ops.cast(mask_tb, "int32"), axis=0) > 0
            output = ops.where(seen, output, ops.zeros_like(output))
    return DirectionRun(
        pieces=tuple(all_pieces),
        initial=tuple(tuple(s) for s in initial),
        output_sequence=ops.transpose(output, (1, 0, 2)),
        final_states=tuple(finals),
    )


def _scan_cell(
    tracer: CellTracer,
    layout: Layout,
    inputs: Tensor,
    mask_tb: Tensor | None,
    states0: tuple[Tensor, ...],
    masked_output: str,
) -> tuple[Tensor, ...]:
    """Scan one cell over time-major ``inputs``; returns one ``(time, batch, size)`` array per piece."""
    n_states = layout.n_states
    n_gates = len(layout.names) - layout.first_gate
    # A custom cell's output is carried in its own slot; at masked steps the backend decides what it is.
    output_from_state = masked_output == "first_state" and tracer.state_sizes[0] == tracer.units

    def body(carry: tuple[Tensor, ...], xs: Any) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
        x_t, m_t = (xs[..., :-1], xs[..., -1:] > 0.5) if mask_tb is not None else (xs, None)
        previous = carry[:n_states]
        result = tracer.step(x_t, previous)
        states = result.states
        if m_t is not None:  # masked steps carry every state over unchanged, as Keras does
            states = tuple(
                ops.where(m_t, new, old) for new, old in zip(states, previous, strict=True)
            )
        pieces = list(states)
        if layout.has_output:
            out = result.output
            if m_t is not None:
                out = ops.where(m_t, out, previous[0] if output_from_state else carry[n_states])
            pieces.append(out)
        pieces.extend(result.gates[:n_gates])
        new = tuple(pieces)
        return new, new

    init = list(states0)
    if layout.has_output:
        init.append(states0[0] if output_from_state else _zeros(states0[0], tracer.units))
    init.extend(_zeros(states0[0], tracer.units) for _ in range(n_gates))
    # The mask rides along as a last channel: Keras's TensorFlow scan cannot scan two tensors whose time
    # length is unknown, which it becomes once tf.function relaxes shapes for a second sequence length.
    xs = (
        ops.concatenate([inputs, ops.cast(mask_tb, inputs.dtype)], axis=-1)
        if mask_tb is not None
        else inputs
    )
    _, pieces = ops.scan(body, tuple(init), xs)
    return tuple(pieces)


def _nan_gates(
    pieces: tuple[Tensor, ...], layout: Layout, mask_tb: Tensor | None
) -> tuple[Tensor, ...]:
    """Gates are NaN at masked steps: Keras computes them there but never applies them."""
    if mask_tb is None:
        return pieces
    return tuple(
        piece
        if k < layout.first_gate
        else ops.where(mask_tb, piece, ops.full_like(piece, float("nan")))
        for k, piece in enumerate(pieces)
    )


def _zeros(like: Tensor, width: int) -> Tensor:
    """Zeros ``(batch, width)`` with the batch size and dtype of ``like`` (batch may be symbolic)."""
    return ops.zeros_like(like[:, :1]) + ops.zeros((width,), dtype=like.dtype)

"""A recurrent layer call, replayed: resolve its initial states, run its directions, build Keras's outputs.

The outputs are assembled exactly as ``keras.layers.RNN`` / ``Bidirectional`` return them (sequence or last
step, ``return_state`` pieces, merge modes), so downstream layers of the model see what they would see in
Keras and the model graph can be replayed through a traced layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
from keras import ops, tree

from rnnlens import _keras
from rnnlens.errors import UnsupportedLayerError
from rnnlens.tracing.cell_base import CellTracer
from rnnlens.tracing.cells import cell_tracer, layer_cells
from rnnlens.tracing.layout import Layout
from rnnlens.tracing.loop import DirectionRun, run_direction

__all__ = ["DirectionPlan", "is_recurrent", "plan_directions", "replay_layer"]

Tensor = Any


@dataclass(frozen=True)
class DirectionPlan:
    """One direction of a recurrent layer: the ``keras.layers.RNN`` that runs it, its cells and layouts."""

    rnn: Any
    direction: str
    tracers: tuple[CellTracer, ...]
    layouts: tuple[Layout, ...]


is_recurrent = _keras.is_traceable_recurrent
"""True for the layers rnnlens traces: ``keras.layers.RNN`` subclasses (not ConvLSTMs) and
``Bidirectional`` (the one definition lives in :func:`rnnlens._keras.is_traceable_recurrent`)."""

is_unsupported_recurrent = _keras.is_convolutional_recurrent
"""Recurrent layers rnnlens recognises but does not trace (convolutional LSTMs)."""


def plan_directions(layer: Any, record_gates: bool) -> tuple[DirectionPlan, ...]:
    """The directions of ``layer`` (one, or two for ``Bidirectional``) with their cell tracers."""
    if isinstance(layer, keras.layers.Bidirectional):
        pairs = [("forward", layer.forward_layer), ("backward", layer.backward_layer)]
    else:
        pairs = [("backward" if layer.go_backwards else "forward", layer)]
    plans = []
    for direction, rnn in pairs:
        tracers = tuple(cell_tracer(cell) for cell in layer_cells(rnn))
        layouts = tuple(Layout.for_tracer(t, record_gates) for t in tracers)
        plans.append(DirectionPlan(rnn, direction, tracers, layouts))
    return tuple(plans)


def replay_layer(
    layer: Any,
    plans: tuple[DirectionPlan, ...],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    masked_output: str,
) -> tuple[list[Tensor], list[DirectionRun], Tensor | None]:
    """Replay one call of a recurrent layer from the arguments it received in the model graph.

    Returns:
        The layer's outputs flattened in Keras's order, the run of each direction, and the mask used.
    """
    sequences, initial_state, mask = _bind(layer, args, kwargs)
    if initial_state is not None:
        initial_state = tree.flatten(initial_state)
    if isinstance(layer, keras.layers.Bidirectional):
        states_fw = states_bw = None
        if initial_state is not None:
            half = len(initial_state) // 2
            states_fw, states_bw = initial_state[:half], initial_state[half:]
        y, states, run_fw = _replay_rnn(plans[0], sequences, states_fw, mask, masked_output)
        y_rev, states_rev, run_bw = _replay_rnn(plans[1], sequences, states_bw, mask, masked_output)
        if layer.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        merged = _merge(layer.merge_mode, y, y_rev)
        outputs = merged + ((states + states_rev) if layer.return_state else [])
        return outputs, [run_fw, run_bw], mask
    y, states, run = _replay_rnn(plans[0], sequences, initial_state, mask, masked_output)
    outputs = [y] + (states if layer.return_state else [])
    return outputs, [run], mask


def _replay_rnn(
    plan: DirectionPlan,
    sequences: Tensor,
    initial_state: list[Tensor] | None,
    mask: Tensor | None,
    masked_output: str,
) -> tuple[Tensor, list[Tensor], DirectionRun]:
    rnn = plan.rnn
    dtype = rnn.cell.compute_dtype
    sequences = ops.cast(sequences, dtype)
    with autocast_scope(rnn.cell):
        states = _initial_states(rnn, plan.tracers, sequences, initial_state, dtype)
        run = run_direction(
            list(plan.tracers),
            list(plan.layouts),
            sequences,
            mask,
            states,
            go_backwards=bool(rnn.go_backwards),
            zero_output_for_mask=bool(rnn.zero_output_for_mask) and bool(rnn.return_sequences),
            masked_output=masked_output,
        )
    sequence = run.output_sequence
    y = sequence if rnn.return_sequences else sequence[:, -1]
    return y, list(run.final_states), run


def autocast_scope(cell: Any) -> Any:
    """Read ``cell``'s weights in its compute dtype, as Keras's ``Layer.__call__`` does.

    Under a mixed policy (``mixed_float16``) the weights are float32 variables while the cell computes in
    float16; Keras casts every variable it reads inside the call. The tracers read the weights outside any
    Keras call, so without this scope ``x_t @ kernel`` would mix float16 and float32.
    """
    return _keras.autocast_scope(cell)


def _initial_states(
    rnn: Any,
    tracers: tuple[CellTracer, ...],
    sequences: Tensor,
    given: list[Tensor] | None,
    dtype: str,
) -> list[tuple[Tensor, ...]]:
    """Initial states per cell: from the graph, the layer's stored states (stateful), or the cell's default."""
    if given is not None:
        flat = list(given)
        source = "initial_state"
    elif rnn.stateful and rnn.states is not None:
        flat = [s.value for s in tree.flatten(rnn.states)]
        source = "the layer's stored states"
    else:
        flat = tree.flatten(rnn.get_initial_state(ops.shape(sequences)[0]))
        source = "the cell's get_initial_state()"
    needed = sum(len(t.state_sizes) for t in tracers)
    if len(flat) != needed:
        raise UnsupportedLayerError(
            f"Layer {rnn.name!r} received {len(flat)} initial state tensor(s) from {source}, but its "
            f"cell(s) have {needed} state(s). rnnlens cannot replay this call."
        )
    grouped, k = [], 0
    for tracer in tracers:
        n = len(tracer.state_sizes)
        grouped.append(tuple(ops.cast(s, dtype) for s in flat[k : k + n]))
        k += n
    return grouped


def _bind(layer: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Split a recorded call into (sequences, initial_state, mask) the way Keras's ``__call__`` does."""
    rest = list(args)
    sequences = rest.pop(0) if rest else kwargs.get("sequences", kwargs.get("inputs"))
    initial_state = rest.pop(0) if rest else kwargs.get("initial_state")
    mask = rest.pop(0) if rest else kwargs.get("mask")
    if mask is None and initial_state is None:
        # Keras fills `mask` from the propagated mask only when the sequence is the call's one tensor
        # argument: with an `initial_state`, a propagated mask is ignored (pass mask=... explicitly).
        mask = _keras.get_mask(sequences)
    if mask is not None and tree.is_nested(mask):
        mask = tree.flatten(mask)[0]
    return sequences, initial_state, mask


def _merge(mode: str | None, y: Tensor, y_rev: Tensor) -> list[Tensor]:
    if mode == "concat":
        return [ops.concatenate([y, y_rev], axis=-1)]
    if mode == "sum":
        return [y + y_rev]
    if mode == "ave":
        return [(y + y_rev) / 2]
    if mode == "mul":
        return [y * y_rev]
    if mode is None:
        return [y, y_rev]
    raise UnsupportedLayerError(f"Bidirectional merge_mode {mode!r} is not one Keras defines.")

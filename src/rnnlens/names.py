"""One table of names: recurrent layer kinds, their states and gates, and the axes of results.

Two vocabularies meet in rnnlens and both stay, because both are public:

- a :class:`rnnlens.tracing.Trace` names what a cell computes (``hidden``, ``cell_state``, gates in
  words): these are the **canonical** names;
- a :class:`rnnlens.inspection.ModelSpec` names the pieces a layer returns with ``return_state=True`` as
  Keras's own documentation does (``state_h``, ``state_c``): these are **return-state labels**.

The table pairs them, one kind per row, so ``state_h`` *is* ``hidden`` and ``state_c`` *is* ``cell_state``
(:func:`canonical_state`, :func:`return_state_label`). Axis names are treated the same way:
:data:`AXIS_ALIASES` maps every axis name a result uses to its canonical name (``sample`` is ``batch``,
``feature`` is ``features``).

Example:
    >>> kind("LSTM").states, kind("LSTM").return_state_labels
    (('hidden', 'cell_state'), ('state_h', 'state_c'))
    >>> canonical_state("state_c")
    'cell_state'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AXIS_ALIASES",
    "BATCH",
    "FEATURES",
    "KINDS",
    "TIME",
    "TOKEN",
    "UNIT",
    "RecurrentKind",
    "canonical_axis",
    "canonical_state",
    "custom_return_state_labels",
    "custom_state_names",
    "kind",
    "kind_of_cell",
    "return_state_label",
]


@dataclass(frozen=True)
class RecurrentKind:
    """One family of recurrent cells.

    Attributes:
        name: the kind as rnnlens reports it (``"LSTM"``).
        cell_class: the Keras cell class (``"LSTMCell"``).
        states: canonical state names in Keras's state order (the names a ``Trace`` uses).
        return_state_labels: the same states as ``return_state=True`` pieces (the names a ``ModelSpec``
            uses), one per entry of ``states``.
        gates: what the traced cell reports besides its states, in words, in the order of its kernel blocks.
    """

    name: str
    cell_class: str
    states: tuple[str, ...]
    return_state_labels: tuple[str, ...]
    gates: tuple[str, ...]


KINDS: dict[str, RecurrentKind] = {
    "LSTM": RecurrentKind(
        "LSTM",
        "LSTMCell",
        ("hidden", "cell_state"),
        ("state_h", "state_c"),
        ("input_gate", "forget_gate", "candidate", "output_gate"),
    ),
    "GRU": RecurrentKind(
        "GRU", "GRUCell", ("hidden",), ("state_h",), ("update_gate", "reset_gate", "candidate")
    ),
    "SimpleRNN": RecurrentKind(
        "SimpleRNN", "SimpleRNNCell", ("hidden",), ("state_h",), ("pre_activation",)
    ),
}
"""The cells rnnlens re-implements exactly, by kind."""

_BY_CELL = {row.cell_class: row for row in KINDS.values()}
_CANONICAL_STATE = {
    label: state
    for row in KINDS.values()
    for label, state in zip(row.return_state_labels, row.states, strict=True)
}


def kind(name: str) -> RecurrentKind:
    """The row of a kind (``"LSTM"``, ``"GRU"``, ``"SimpleRNN"``).

    Raises:
        KeyError: not a kind in the table (custom cells have no row).
    """
    return KINDS[name]


def kind_of_cell(cell_class: str) -> RecurrentKind | None:
    """The row of a Keras cell class name (``"GRUCell"``), or None for a custom cell."""
    return _BY_CELL.get(cell_class)


def custom_state_names(count: int) -> tuple[str, ...]:
    """Canonical names of a custom cell's states: ``state_0``, ``state_1``, ..."""
    return tuple(f"state_{k}" for k in range(count))


def custom_return_state_labels(count: int) -> tuple[str, ...]:
    """Return-state labels of a custom cell's states: ``state`` alone, else ``state_0``, ``state_1``, ..."""
    return ("state",) if count == 1 else custom_state_names(count)


def canonical_state(label: str) -> str:
    """The canonical name of a state label (``state_h`` -> ``hidden``); other names come back unchanged."""
    if label == "state":  # a custom cell's only state
        return "state_0"
    return _CANONICAL_STATE.get(label, label)


def return_state_label(state: str, kind_name: str) -> str:
    """The return-state label of a canonical state of ``kind_name`` (``cell_state``, LSTM -> ``state_c``)."""
    row = KINDS.get(kind_name)
    if row is None or state not in row.states:
        return state
    return row.return_state_labels[row.states.index(state)]


# ------------------------------------------------------------------------------------------ axes
BATCH = "batch"
"""The sample axis. Long-format tables call it ``sample`` (one row per sample)."""
TIME = "time"
"""The step axis, in the input's order."""
FEATURES = "features"
"""The last axis of a float input. Attribution results call it ``feature`` (one attribution per feature)."""
TOKEN = "token"
"""The step axis of a token input, as attribution results name it (one attribution per token)."""
UNIT = "unit"
"""The axis of a recurrent state's units (``Trace``); output specs say ``units`` for a raw hidden state."""

AXIS_ALIASES: dict[str, str] = {
    "sample": BATCH,
    "feature": FEATURES,
    "units": UNIT,
    TOKEN: TIME,
}
"""Every axis name a result uses that is not canonical, mapped to its canonical name."""


def canonical_axis(name: str) -> str:
    """The canonical name of an axis (``sample`` -> ``batch``); canonical names come back unchanged."""
    return AXIS_ALIASES.get(name, name)

"""The table of names: Trace and ModelSpec read their state, gate and axis names from rnnlens.names."""

from __future__ import annotations

import numpy as np

from rnnlens import names
from rnnlens.inspection import inspect_model
from rnnlens.tracing import trace
from rnnlens.tracing.result import AXES
from tests.helpers import small_forecaster


def test_each_kind_pairs_canonical_states_with_return_state_labels() -> None:
    for row in names.KINDS.values():
        assert len(row.states) == len(row.return_state_labels)
        for state, label in zip(row.states, row.return_state_labels, strict=True):
            assert names.canonical_state(label) == state
            assert names.return_state_label(state, row.name) == label
    assert names.kind_of_cell("LSTMCell") is names.kind("LSTM")
    assert names.kind_of_cell("MyCell") is None
    assert names.canonical_state("state") == names.custom_state_names(1)[0]


def test_axes_aliases_map_to_canonical_names() -> None:
    assert names.canonical_axis("sample") == names.BATCH
    assert names.canonical_axis("feature") == names.FEATURES
    assert names.canonical_axis("time") == names.TIME
    assert AXES == (names.BATCH, names.TIME, names.UNIT)


def test_model_spec_and_trace_name_the_same_lstm_states_through_the_table() -> None:
    model = small_forecaster()
    (layer,) = inspect_model(model).recurrent_layers
    result = trace(model, np.zeros((1, 10, 1), np.float32))
    (layer_trace,) = list(result)
    row = names.kind(layer.kind)
    assert layer.state_names == row.return_state_labels
    assert layer_trace.state_names == row.states
    assert layer_trace.gate_names == row.gates
    assert [names.canonical_state(s) for s in layer.state_names] == list(layer_trace.state_names)

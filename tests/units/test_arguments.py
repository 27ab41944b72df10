"""Wrong arguments to every unit function raise an rnnlens error naming the argument, never a TypeError."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.errors import DataError, OptionError, ShapeError, TargetError
from rnnlens.units import (
    feature_concepts,
    gate_saturation,
    memory_timescales,
    state_trajectories,
    summarize_units,
    unit_concepts,
)

LAYER_CALLS = {
    "gate_saturation": lambda trace, layer: gate_saturation(trace, layer=layer),
    "memory_timescales": lambda trace, layer: memory_timescales(trace, layer=layer),
    "state_trajectories": lambda trace, layer: state_trajectories(trace, layer),
    "summarize_units": lambda trace, layer: summarize_units(trace, layer=layer),
    "unit_concepts": lambda trace, layer: unit_concepts(
        trace, {"c": np.zeros(trace.layers[0].n_samples)}, layer=layer
    ),
}


@pytest.mark.parametrize("function", sorted(LAYER_CALLS))
@pytest.mark.parametrize("layer", [42, 1.5, [], ["lstm", 3]])
def test_layer_of_the_wrong_type(lstm_trace, function, layer):
    with pytest.raises(OptionError, match=r"`layer` must be a name.*\['lstm'\]"):
        LAYER_CALLS[function](lstm_trace, layer)


@pytest.mark.parametrize("function", sorted(LAYER_CALLS))
def test_unknown_layer(lstm_trace, function):
    with pytest.raises(TargetError, match=r"No trace for 'nope'; traced layers are \['lstm'\]"):
        LAYER_CALLS[function](lstm_trace, "nope")


@pytest.mark.parametrize("components", [0, -1, 1.5, "2", True, None])
def test_summary_components_must_be_positive(lstm_trace, components):
    with pytest.raises(OptionError, match="`components` must be a positive int"):
        summarize_units(lstm_trace, components=components)
    if components is not None:
        with pytest.raises(OptionError, match="`components` must be an int from 1"):
            state_trajectories(lstm_trace, components=components)


@pytest.mark.parametrize("top", [0, -1, 2.5, True])
def test_top_is_checked_with_or_without_concepts(lstm_trace, top):
    with pytest.raises(OptionError, match="`top` must be a positive int"):
        summarize_units(lstm_trace, top=top)


@pytest.mark.parametrize("gates", [42, [], [1]])
def test_gates_of_the_wrong_type(lstm_trace, gates):
    with pytest.raises(OptionError, match="`gates` must be a name"):
        gate_saturation(lstm_trace, gates=gates)


def test_unknown_gate_is_named(lstm_trace):
    with pytest.raises(TargetError, match=r"`gates` names \['forgot_gate'\].*forget_gate"):
        gate_saturation(lstm_trace, gates="forgot_gate")


@pytest.mark.parametrize("names", [42, "ab", b"ab"])
def test_feature_names_of_the_wrong_type(inputs, names):
    with pytest.raises(OptionError, match="`feature_names` must be a list of 2 names"):
        feature_concepts(inputs, names)


@pytest.mark.parametrize("shape", [(0, 5, 2), (3, 0, 2), (3, 5, 0)])
def test_feature_concepts_refuse_empty_inputs(shape):
    with pytest.raises(ShapeError, match="empty"):
        feature_concepts(np.zeros(shape, "float32"))


@pytest.mark.parametrize("bad", [np.complex64(1 + 2j), np.inf])
def test_feature_concepts_refuse_complex_and_infinite_inputs(bad):
    x = np.zeros((2, 3, 1), dtype=np.asarray(bad).dtype)
    x[0, 1, 0] = bad
    with pytest.raises(DataError):
        feature_concepts(x)


def test_feature_concepts_keep_nan_as_missing():
    x = np.zeros((2, 3, 1))
    x[0, 1, 0] = np.nan
    assert np.isnan(feature_concepts(x, ["f"])["f"][0, 1])


def test_feature_concepts_refuse_values_no_model_input_can_hold():
    with pytest.raises(DataError, match="beyond float32's range"):
        feature_concepts(np.full((1, 2, 1), 1e300))

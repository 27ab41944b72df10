"""Traced hidden states equal Keras's own layer outputs, over a property-based sweep of configurations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rnnlens
from tests.tracing.sweep import Config, build, check, make_inputs

ACTIVATIONS = ["tanh", "relu", "sigmoid", "hard_sigmoid", "softsign", "linear"]
RECURRENT = ["sigmoid", "hard_sigmoid", "tanh"]

configs = st.builds(
    Config,
    cell=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]),
    units=st.integers(1, 6),
    reset_after=st.booleans(),
    use_bias=st.booleans(),
    activation=st.sampled_from(ACTIVATIONS),
    recurrent_activation=st.sampled_from(RECURRENT),
    go_backwards=st.booleans(),
    mask=st.sampled_from(["none", "left", "right", "middle"]),
    merge_mode=st.sampled_from([None, None, "concat", "sum", "ave", "mul", "none"]),
    stacked=st.booleans(),
    return_state=st.booleans(),
    return_sequences=st.booleans(),
    seed=st.integers(0, 2**16),
)


@given(configs)
def test_trace_equals_keras_over_random_configurations(config: Config) -> None:
    built = build(config)
    result = rnnlens.trace(built[0], make_inputs(config))
    check(config, built, result, "tensorflow")


@pytest.mark.parametrize("mask", ["left", "right", "middle"])
@pytest.mark.parametrize("cell", ["LSTM", "GRU", "SimpleRNN"])
def test_every_cell_and_padding_side_with_backwards_bidirectional_stacks(
    cell: str, mask: str
) -> None:
    # The sweep draws at random; this grid pins the hardest combination for every cell and padding side.
    config = Config(
        cell=cell,
        units=3,
        reset_after=False,
        use_bias=True,
        activation="tanh",
        recurrent_activation="hard_sigmoid",
        go_backwards=True,
        mask=mask,
        merge_mode="concat",
        stacked=True,
        return_state=True,
        return_sequences=True,
        seed=7,
    )
    built = build(config)
    worst = check(config, built, rnnlens.trace(built[0], make_inputs(config)), "tensorflow")
    assert worst["output"] <= 1e-5

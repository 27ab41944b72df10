"""`rnnlens describe` from the saved config alone (#16 item 3): the same facts as a built model, no backend.

Every model here is described both ways, from its config (:func:`describe_saved`) and by loading and
inspecting it, and the results must be equal; the CLI must print the same either way. A subprocess checks
that ``describe`` (and ``--help``) never import TensorFlow, Keras or JAX.
"""

from __future__ import annotations

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rnnlens.cli.app import app
from rnnlens.cli.describe import input_roles
from rnnlens.inspection import inspect_model
from rnnlens.inspection.from_config import describe_saved
from rnnlens.inspection.saved_graph import SAFE_ACTIVATIONS
from rnnlens.legacy.provenance import legacy_provenance
from rnnlens.loading import load_model
from tests.helpers import small_sentiment, small_translator
from tests.legacy.keras2_files import dense_config, rnn_config, write_keras2_h5

runner = CliRunner()
L = keras.layers


def _bidirectional_tagger():
    x = keras.Input((7, 3), name="frames")
    h = L.Bidirectional(L.LSTM(4, return_sequences=True), name="bi")(x)
    y = L.TimeDistributed(L.Dense(5, activation="softmax"), name="tags")(h)
    model = keras.Model(x, y, name="tagger")
    model.compile(loss="categorical_crossentropy")
    return model


def _lstm_states():
    x = keras.Input((6, 2), name="x")
    sequence, h, c = L.LSTM(3, return_sequences=True, return_state=True, name="lstm")(x)
    return keras.Model(x, [sequence, h, c], name="states")


def _functional_masked_gru():
    x = keras.Input((6,), dtype="int32", name="tokens")
    e = L.Embedding(30, 4, mask_zero=True, name="embed")(x)
    h = L.GRU(5, reset_after=False, name="gru")(L.Dense(4, name="project")(e))
    return keras.Model(x, L.Dense(1, activation="sigmoid", name="score")(h), name="masked_gru")


def _sequential_backwards():
    model = keras.Sequential(
        [
            keras.Input((8, 2)),
            L.Masking(),
            L.SimpleRNN(3, return_sequences=True, go_backwards=True, name="rnn"),
            L.Dropout(0.1),
            L.Dense(1, name="value"),
        ],
        name="backwards",
    )
    model.compile(loss="mse")
    return model


def _repeat_vector_seq2seq():
    x = keras.Input((5, 2), name="series")
    code = L.LSTM(4, name="encoder")(x)
    h = L.LSTM(4, return_sequences=True, name="decoder")(L.RepeatVector(3, name="repeat")(code))
    return keras.Model(x, L.TimeDistributed(L.Dense(2), name="forecast")(h), name="repeat_s2s")


def _bidirectional_states():
    x = keras.Input((5, 2), name="x")
    outputs = L.Bidirectional(L.GRU(3, return_state=True), merge_mode=None, name="bigru")(x)
    return keras.Model(x, list(outputs), name="bi_states")


def _stacked_stateful():
    x = keras.Input(batch_shape=(2, 4, 3), name="x")
    h = L.LSTM(4, return_sequences=True, stateful=True, name="first")(x)
    h = L.LSTM(3, name="second")(h)
    model = keras.Model(x, L.Dense(3, activation="softmax", name="classes")(h), name="stacked")
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy())
    return model


def _logits_with_warning():
    model = keras.Sequential(
        [keras.Input((4, 2)), L.GRU(3, name="gru"), L.Dense(1, activation="softmax", name="out")]
    )
    model.compile(loss="binary_crossentropy")
    return model


def _merged_head():
    x = keras.Input((5, 2), name="x")
    a, b = L.LSTM(3, name="a")(x), L.GRU(3, name="b")(x)
    return keras.Model(x, L.Dense(1)(L.Concatenate(name="both")([a, b])), name="merged")


def _swish_head():
    x = keras.Input((5, 2), name="x")
    return keras.Model(x, L.Dense(2, activation="swish")(L.LSTM(3)(x)), name="swish")


def _time_distributed_rnn():
    x = keras.Input((3, 5, 2), name="episodes")
    h = L.TimeDistributed(L.GRU(3), name="per_episode")(x)
    return keras.Model(x, L.Dense(1)(L.LSTM(2)(h)), name="nested_time")


FAST = {
    "sentiment": lambda: small_sentiment(mask_zero=True),
    "translator": small_translator,
    "tagger": _bidirectional_tagger,
    "states": _lstm_states,
    "masked_gru": _functional_masked_gru,
    "backwards": _sequential_backwards,
    "repeat_s2s": _repeat_vector_seq2seq,
    "bi_states": _bidirectional_states,
    "stacked": _stacked_stateful,
    "softmax_one_unit": _logits_with_warning,
    "swish": _swish_head,  # saved as "silu", the name its function carries
}
BUILT = {"merged": _merged_head, "time_distributed_rnn": _time_distributed_rnn}
"""Models the config reader leaves to the full path (a merging head; a recurrent layer in TimeDistributed)."""


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fast")
    paths = {}
    for name, build in {**FAST, **BUILT}.items():
        paths[name] = folder / f"{name}.keras"
        build().save(paths[name])
    paths["h5"] = folder / "tagger.h5"
    _bidirectional_tagger().save(paths["h5"])
    layer = rnn_config("LSTM", "lstm_1", 3, batch_input_shape=[None, 4, 2], dtype="float32")
    rng = np.random.default_rng(0)
    paths["keras2"] = write_keras2_h5(
        folder / "keras2.h5",
        "2.0.8",
        {"class_name": "Sequential", "config": [layer, dense_config("dense_1", 1)]},
        {
            "lstm_1": [
                ("lstm_1/kernel:0", rng.normal(size=(2, 12))),
                ("lstm_1/recurrent_kernel:0", rng.normal(size=(3, 12))),
                ("lstm_1/bias:0", np.zeros(12)),
            ],
            "dense_1": [
                ("dense_1/kernel:0", rng.normal(size=(3, 1))),
                ("dense_1/bias:0", np.zeros(1)),
            ],
        },
    )
    return paths


def _built_facts(path):
    model = load_model(path)
    spec = inspect_model(model)
    facts = spec.to_dict()
    if input_roles(spec):
        facts["input_roles"] = input_roles(spec)
    legacy = legacy_provenance(model)
    if legacy is not None:
        facts["saved_by"] = legacy.summary()
    return spec, facts


@pytest.mark.parametrize("name", sorted(FAST))
def test_the_config_alone_gives_the_built_models_facts(saved, name):
    fast = describe_saved(saved[name])
    assert fast is not None, f"{name} fell back to building the model"
    built, facts = _built_facts(saved[name])
    assert fast.to_dict() == built.to_dict()
    assert fast.explain() == built.explain()
    printed = runner.invoke(app, ["describe", str(saved[name]), "--json"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == facts


@pytest.mark.parametrize("name", [*sorted(BUILT), "h5", "keras2"])
def test_what_the_config_cannot_say_is_described_from_the_built_model(saved, name):
    assert describe_saved(saved[name]) is None
    _, facts = _built_facts(saved[name])
    printed = runner.invoke(app, ["describe", str(saved[name]), "--json"])
    assert printed.exit_code == 0, printed.output
    printed_facts = json.loads(printed.output)
    if name == "keras2":
        assert facts["saved_by"].startswith("saved by Keras 2.0.8")
        # Keras names a bare-list Sequential and its input anew at every load (sequential_1, _2...).
        for each in (printed_facts, facts):
            each.pop("name")
            for item in each["inputs"]:
                item.pop("name")
    assert printed_facts == facts


@st.composite
def _recurrent_models(draw):
    """A recurrent layer (plain or Bidirectional) over floats or tokens, with or without a head and a loss."""
    kind = draw(st.sampled_from([L.LSTM, L.GRU, L.SimpleRNN]))
    bidirectional = draw(st.booleans())
    options = {
        "return_sequences": draw(st.booleans()),
        "return_state": draw(st.booleans()),
        "go_backwards": draw(st.booleans()) and not bidirectional,
    }
    if kind is L.GRU:
        options["reset_after"] = draw(st.booleans())
    if draw(st.booleans()):
        x = keras.Input((6,), dtype="int32", name="tokens")
        h = L.Embedding(12, 3, mask_zero=draw(st.booleans()))(x)
    else:
        x = keras.Input((6, 2), name="x")
        h = L.Masking()(x) if draw(st.booleans()) else x
    layer = kind(3, **options)
    merge = draw(st.sampled_from(["concat", "sum", "ave", "mul", None]))
    out = L.Bidirectional(layer, merge_mode=merge)(h) if bidirectional else layer(h)
    outputs = list(out) if isinstance(out, list | tuple) else [out]
    activation = draw(st.sampled_from(["softmax", "sigmoid", "linear", "tanh", None]))
    if activation is not None:
        dense = L.Dense(2, activation=activation)
        per_step = options["return_sequences"] and draw(st.booleans())
        outputs[0] = L.TimeDistributed(dense)(outputs[0]) if per_step else dense(outputs[0])
    model = keras.Model(x, outputs if len(outputs) > 1 else outputs[0])
    loss = draw(st.sampled_from([None, "mse", "categorical_crossentropy", "binary_crossentropy"]))
    if loss is not None and len(outputs) == 1:
        model.compile(loss=loss)
    return model


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(model=_recurrent_models())
def test_random_recurrent_models_read_from_config_equal_built(tmp_path, model):
    path = tmp_path / "random.keras"
    model.save(path)
    fast = describe_saved(path)
    assert fast is not None
    built = inspect_model(path)
    assert fast.to_dict() == built.to_dict()
    assert fast.explain() == built.explain()


def test_text_output_is_the_same_both_ways(saved):
    fast = runner.invoke(app, ["describe", str(saved["translator"])]).output
    with pytest.warns(UserWarning, match="safe mode OFF"):  # --unsafe builds the model
        built = runner.invoke(app, ["describe", str(saved["translator"]), "--unsafe"]).output
    assert fast == built
    assert "Inputs: 'encoder_tokens' is the encoder's input" in fast


def test_safe_activation_names_are_the_keras_functions_names():
    # The config names an activation; a built model reports its function's __name__: they must agree.
    for name in SAFE_ACTIVATIONS:
        assert keras.activations.get(name).__name__ == name


HOOK = """
import sys
sys.argv = ["rnnlens", *sys.argv[1:]]
from rnnlens.cli.app import main
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in ("tensorflow", "keras", "jax", "torch") if m in sys.modules)
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["describe", "{model}", "--json"],
        ["describe", "{model}"],
        ["--help"],
        ["describe", "--help"],
        ["predict", "--help"],
    ],
)
def test_describe_and_help_import_no_framework(saved, args):
    argv = [arg.format(model=saved["translator"]) for arg in args]
    result = subprocess.run(
        [sys.executable, "-c", HOOK, *argv], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY=\n" in result.stderr, result.stderr
    if "--json" in argv:
        assert json.loads(result.stdout)["outputs"][0]["name"] == "next_token"

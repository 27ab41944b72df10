"""The error taxonomy of ``rnnlens.errors``: for each class, one real call that raises it."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnnlens
from rnnlens import errors
from rnnlens.attribution import Target
from rnnlens.errors import (
    BackendError,
    DataError,
    MemoryBudgetError,
    ModelLoadError,
    OptionError,
    OutputError,
    RnnlensError,
    ShapeError,
    TargetError,
    UnsupportedLayerError,
)


def test_every_class_is_documented_in_the_table():
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        if name != "RnnlensError":
            assert f"``{name}``" in doc, name
        assert issubclass(getattr(errors, name), RnnlensError)


def test_bad_option_value_is_an_option_error(forecaster, series):
    with pytest.raises(OptionError, match="n_steps"):
        rnnlens.attribute(forecaster, series, method="ig", target=(9, 0), n_steps=0)


def test_unknown_method_is_an_option_error(forecaster, series):
    with pytest.raises(OptionError, match="Unknown attribution method"):
        rnnlens.attribute(forecaster, series, method="lime")


def test_non_finite_data_is_a_data_error(forecaster, series):
    bad = series.copy()
    bad[0, 3, 0] = np.nan
    with pytest.raises(DataError):
        rnnlens.trace(forecaster, bad)


def test_wrong_shape_is_a_shape_error(forecaster):
    with pytest.raises(ShapeError):
        rnnlens.trace(forecaster, np.zeros((2, 5), np.float32))


def test_out_of_range_target_is_a_target_error(forecaster, series):
    with pytest.raises(TargetError):
        rnnlens.attribute(forecaster, series, target=Target(output=0, time=0, unit=7))


def test_model_without_recurrent_layer_is_unsupported(series):
    inputs = keras.Input((10, 1))
    dense = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(UnsupportedLayerError):
        rnnlens.trace(dense, series)


def test_missing_model_file_is_a_model_load_error(tmp_path):
    with pytest.raises(ModelLoadError):
        rnnlens.load_model(tmp_path / "missing.keras")


def test_unwritable_output_is_an_output_error(forecaster, series, tmp_path):
    result = rnnlens.trace(forecaster, series)
    with pytest.raises(OutputError):
        result.save(tmp_path / "no-such-folder" / "trace.npz")


def test_result_over_the_memory_budget_is_a_memory_budget_error(forecaster, series):
    with pytest.raises(MemoryBudgetError):
        rnnlens.trace(forecaster, series, memory_budget_mb=1e-6)


def test_unsupported_backend_is_a_backend_error(monkeypatch):
    from rnnlens import backends

    monkeypatch.setattr(backends, "name", lambda: "numpy")
    with pytest.raises(BackendError, match="KERAS_BACKEND") as caught:
        backends.current()
    # Raised as UnsupportedLayerError before BackendError existed: old handlers still catch it.
    assert isinstance(caught.value, UnsupportedLayerError)


# A bad option value is an OptionError wherever it is read (CLI text, API keyword); an index that does not
# exist in the data stays a TargetError. These were TargetError / DataError before #11.


@pytest.mark.parametrize("text", ["a", "3-1", "1-", "0-1000000000000"])
def test_unreadable_samples_option_is_an_option_error(text):
    from rnnlens.cli.explain import parse_samples

    with pytest.raises(OptionError, match="--samples"):
        parse_samples(text)


def test_input_vocab_that_is_not_name_equals_file_is_an_option_error(forecaster):
    from types import SimpleNamespace

    from rnnlens.cli.explain import _vocabularies

    for pair in ("tokens", "nope=x.txt"):
        with pytest.raises(OptionError, match="--input-vocab expects NAME=FILE"):
            _vocabularies([pair], SimpleNamespace(vocab=None), forecaster)


def test_unparsable_cli_threshold_and_scaler_are_option_errors(tmp_path):
    from rnnlens.cli.predict import _scaler, _threshold

    with pytest.raises(OptionError, match="--threshold must be a number"):
        _threshold("abc", OptionError)
    with pytest.raises(OptionError, match="--scaler must be `MEAN,STD`"):
        _scaler("abc")
    # A scaler *file* that is missing is bad data, like a missing vocabulary file.
    with pytest.raises(DataError, match="does not exist"):
        _scaler(str(tmp_path / "missing.json"))


@pytest.mark.parametrize("value", ["abc", 42, [1, 2]])
def test_names_of_the_wrong_type_are_an_option_error(value):
    from rnnlens.decoding.options import check_names

    with pytest.raises(OptionError, match="`labels` must"):
        check_names(value, "labels")


@pytest.mark.parametrize("value", ["abc", None, True, 1.5, [0.2, "x"]])
def test_bad_threshold_is_an_option_error(value):
    from rnnlens.decoding.options import check_threshold

    with pytest.raises(OptionError, match="`threshold` must be a number in"):
        check_threshold(value)


def test_target_offset_of_the_wrong_type_is_an_option_error_beyond_the_data_a_target_error():
    from rnnlens.decoding.options import check_target_offset

    with pytest.raises(OptionError, match="`target_offset` must be an integer"):
        check_target_offset("1", 10)
    with pytest.raises(TargetError, match="the sequence has 10 steps"):
        check_target_offset(11, 10)


def test_empty_or_non_integer_samples_are_option_errors_a_missing_sample_a_target_error():
    from rnnlens.report.collect import select_samples

    with pytest.raises(OptionError, match="`samples` is empty"):
        select_samples(10, [], 3)
    with pytest.raises(OptionError, match="must hold sample indices"):
        select_samples(10, ["1"], 3)  # type: ignore[list-item]
    with pytest.raises(TargetError, match="out of range"):
        select_samples(10, [10], 3)


def test_option_and_target_errors_are_still_value_errors():
    """Callers that caught the old TargetError / DataError by ``except ValueError`` keep working."""
    assert issubclass(OptionError, ValueError) and issubclass(TargetError, ValueError)


# The last raises that contradicted the table (#11 item 7): options of the wrong type or value are
# OptionError, unusable validation data and probabilities DataError, a model without an encoder and a
# decoder input UnsupportedLayerError. Each was a TargetError before.


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"max_samples": 0}, "`max_samples` must be an integer >= 1"),
        ({"samples": [0.5]}, "must hold sample indices"),
        ({"labels": 42}, "`labels` must be a list of strings"),
        ({"vocab": {"x": None}}, "no vocabulary"),
    ],
)
def test_report_options_of_the_wrong_type_or_value_are_option_errors(arguments, match):
    from rnnlens.report.options import report_options

    with pytest.raises(OptionError, match=match):
        report_options(**arguments)


def test_threshold_method_without_validation_data_is_an_option_error(sentiment):
    tokens = np.ones((2, 20), "int32")
    with pytest.raises(OptionError, match=r"pass validation=\(x_val, y_val\)"):
        rnnlens.decode(sentiment, tokens, threshold="f1")
    with pytest.raises(OptionError, match="`validation` must be"):
        rnnlens.decode(sentiment, tokens, threshold="f1", validation=(None, [0, 1]))


def test_choose_threshold_method_is_an_option_error_its_labels_data_errors():
    from rnnlens.decoding.thresholds import choose_threshold

    with pytest.raises(OptionError, match="`method` must be one of"):
        choose_threshold([0, 1], [0.1, 0.9], "accuracy")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="must be 0 or 1"):
        choose_threshold([0, 2], [0.1, 0.9])


def test_binary_threshold_is_an_option_error_probabilities_a_data_error():
    from rnnlens.decoding.binary import decode_binary

    with pytest.raises(OptionError, match="`threshold` must lie in"):
        decode_binary(np.array([[0.5]]), threshold=1.5)
    with pytest.raises(DataError, match="Sigmoid probabilities must lie in"):
        decode_binary(np.array([[2.5]]))


def test_generation_max_length_is_an_option_error():
    from rnnlens.decoding.seq2seq import generate_greedy
    from tests.helpers import small_translator

    translator = small_translator()  # decoder input of 5 steps
    source = np.ones((2, 6), "int32")
    for max_length in (0, 9):
        with pytest.raises(OptionError, match="`max_length`"):
            generate_greedy(
                translator, [source, None], decoder_index=1, start_token=1, max_length=max_length
            )


def test_generation_without_start_token_is_an_option_error():
    from tests.helpers import small_translator

    with pytest.raises(OptionError, match="needs the decoder's start token"):
        rnnlens.decode(small_translator(), [np.ones((2, 6), "int32")])


def test_generation_without_encoder_and_decoder_inputs_is_unsupported(forecaster, series):
    from rnnlens.decoding.generation import GenerationOptions, generate_from_encoder

    out = rnnlens.inspect_model(forecaster).output(0)
    with pytest.raises(UnsupportedLayerError, match="an encoder input and a decoder input"):
        generate_from_encoder(
            forecaster, out, series, None, "none", None, GenerationOptions(), 8, {}
        )


@pytest.mark.parametrize("value", [42, [], ["lstm", 3]])
def test_names_argument_of_the_wrong_type_is_an_option_error(forecaster, series, value):
    from rnnlens.tracing.names import as_names

    with pytest.raises(OptionError, match="`layers` must be a name"):
        as_names(value, "layers")
    with pytest.raises(OptionError, match="`layers` must be a name"):
        rnnlens.trace(forecaster, series, layers=value)

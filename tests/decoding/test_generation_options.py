"""``decode(generation=GenerationOptions(...))``: the same generation as the deprecated keywords, and
generation options refused where nothing is generated."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rnnlens.decoding import GenerationOptions, decode
from rnnlens.errors import OptionError
from tests.decoding.conftest import END, START, TARGET_VOCAB


def test_options_type_equals_the_deprecated_keywords(translator, source_tokens):
    new = decode(
        translator,
        [source_tokens],
        generation=GenerationOptions(start_token=START, end_token=END, max_length=4),
    )
    with pytest.warns(DeprecationWarning, match="generation=GenerationOptions"):
        old = decode(translator, [source_tokens], start_token=START, end_token=END, max_length=4)
    assert new.kind == old.kind == "generation"
    np.testing.assert_array_equal(new.predictions, old.predictions)
    assert new.table.equals(old.table)
    assert new.meta["max_length"] == old.meta["max_length"] == 4


def test_token_text_resolves_through_the_vocabulary(translator, source_tokens):
    result = decode(
        translator,
        [source_tokens],
        vocab=TARGET_VOCAB,
        generation=GenerationOptions(start_token="<start>", end_token="<end>", max_length=3),
    )
    assert result.meta["start_token"] == START and result.meta["end_token"] == END


def test_options_are_frozen_and_checked_when_built():
    options = GenerationOptions(max_length=np.int64(5))
    assert options.max_length == 5 and type(options.max_length) is int
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.max_length = 6  # type: ignore[misc]
    with pytest.raises(OptionError, match="`max_length` must be a positive integer"):
        GenerationOptions(max_length=0)
    with pytest.raises(OptionError, match="`start_token` must be a token id"):
        GenerationOptions(start_token=1.5)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="`end_token` must be a token id"):
        GenerationOptions(end_token=True)


def test_both_spellings_at_once_are_refused(translator, source_tokens):
    with pytest.raises(OptionError, match="both `generation` and `max_length`"):
        decode(
            translator,
            [source_tokens],
            generation=GenerationOptions(start_token=START),
            max_length=3,
        )


def test_generation_must_be_the_options_type(translator, source_tokens):
    with pytest.raises(OptionError, match="must be a rnnlens.decoding.GenerationOptions"):
        decode(translator, [source_tokens], generation={"max_length": 3})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [
        GenerationOptions(max_length=3),
        GenerationOptions(start_token=START),
        GenerationOptions(end_token="<end>"),
    ],
)
def test_teacher_forced_reading_refuses_generation_options(translator, source_tokens, options):
    decoder_in = np.roll(source_tokens[:, :5], 1, axis=1)
    with pytest.raises(OptionError, match="read with teacher forcing"):
        decode(translator, [source_tokens, decoder_in], vocab=TARGET_VOCAB, generation=options)
    with pytest.raises(OptionError, match="read with teacher forcing"):
        decode(translator, [source_tokens], generate=False, generation=options)


def test_teacher_forced_reading_without_options_still_works(translator, source_tokens):
    decoder_in = np.roll(source_tokens[:, :5], 1, axis=1)
    result = decode(translator, [source_tokens, decoder_in], vocab=TARGET_VOCAB)
    assert result.kind == "categorical"


def test_options_for_a_model_that_cannot_generate_are_refused(forecaster):
    x = np.zeros((2, 10, 1), "float32")
    with pytest.raises(OptionError, match="apply to greedy generation"):
        decode(forecaster, x, generation=GenerationOptions(max_length=3))

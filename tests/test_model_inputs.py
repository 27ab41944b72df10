"""The one description of model inputs (rnnlens.model_inputs), and the old views that now read it."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnnlens import names
from rnnlens.attribution.embedding import embedding_layers
from rnnlens.data._model_inputs import InputShape, input_shapes
from rnnlens.errors import DataError, UnsupportedLayerError
from rnnlens.inspection import inspect_model
from rnnlens.model_inputs import ModelInput, describe_inputs, input_name, input_names
from rnnlens.validation import embedding_vocab_sizes, prepare_inputs
from tests.helpers import small_forecaster, small_sentiment, small_translator


def _nested_seq2seq() -> keras.Model:
    """An encoder whose Embedding sits in a nested Sequential; the decoder starts from its states."""
    source = keras.Input((None,), dtype="int32", name="source")
    target = keras.Input((None,), dtype="int32", name="target")
    embed = keras.Sequential([keras.layers.Embedding(20, 4)], name="source_embedding")
    _, h, c = keras.layers.LSTM(3, return_state=True)(embed(source))
    x = keras.layers.Embedding(30, 4, mask_zero=True)(target)
    y = keras.layers.LSTM(3, return_sequences=True)(x, initial_state=[h, c])
    return keras.Model([source, target], keras.layers.Dense(30, activation="softmax")(y))


def test_translator_inputs_have_roles_vocabularies_and_embeddings() -> None:
    model = small_translator()
    encoder, decoder = describe_inputs(model)
    assert (encoder.name, encoder.role, decoder.name, decoder.role) == (
        "encoder_tokens",
        "encoder",
        "decoder_tokens",
        "decoder",
    )
    assert encoder.tokens and decoder.tokens
    assert encoder.embedding.name == "encoder_embedding"
    assert decoder.embedding.name == "decoder_embedding"
    assert encoder.vocab_size == encoder.embedding.input_dim
    assert encoder.axes == (names.BATCH, names.TIME)


def test_float_and_masked_token_inputs() -> None:
    (series,) = describe_inputs(small_forecaster())
    assert not series.tokens and series.embedding is None and series.vocab_size is None
    assert (series.timesteps, series.features, series.role) == (10, 1, "input")
    assert series.axes == ("batch", "time", "features")
    (tokens,) = describe_inputs(small_sentiment(mask_zero=True))
    assert tokens.tokens and tokens.mask_zero and tokens.features is None


def test_embedding_inside_a_nested_model_is_found() -> None:
    source, target = describe_inputs(_nested_seq2seq())
    assert source.vocab_size == 20 and source.role == "encoder" and not source.mask_zero
    assert target.vocab_size == 30 and target.role == "decoder" and target.mask_zero


def test_integer_input_without_embedding_is_tokens_without_vocabulary() -> None:
    inputs = keras.Input((5,), dtype="int32", name="ids")
    x = keras.layers.Lambda(lambda t: keras.ops.cast(t, "float32"))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    (ids,) = describe_inputs(model)
    assert ids.tokens and ids.vocab_size is None and ids.embedding is None


def test_shared_embedding_is_reported_and_refused_by_attribution() -> None:
    shared = keras.layers.Embedding(9, 4, name="shared")
    a = keras.Input((5,), dtype="int32", name="a")
    b = keras.Input((5,), dtype="int32", name="b")
    merged = keras.layers.Concatenate()([shared(a), shared(b)])
    model = keras.Model([a, b], keras.layers.LSTM(2)(merged))
    first, second = describe_inputs(model)
    assert first.embedding_shared_with == ("b",) and second.embedding_shared_with == ("a",)
    with pytest.raises(UnsupportedLayerError, match="shared by inputs"):
        embedding_layers(model, ["a", "b"])


def test_described_once_per_model_and_not_stored_on_it() -> None:
    model = small_sentiment()
    before = set(vars(model))
    assert describe_inputs(model) is describe_inputs(model)
    assert set(vars(model)) == before


def test_old_views_agree_with_the_description() -> None:
    for model in (small_translator(), small_sentiment(mask_zero=True), small_forecaster()):
        described = describe_inputs(model)
        assert input_names(model) == [d.name for d in described]
        assert input_names(model) == [t.name.split(":")[0] for t in model.inputs]
        assert embedding_vocab_sizes(model) == {
            d.name: d.vocab_size for d in described if d.vocab_size is not None
        }
        assert input_shapes(model) == list(described)
        assert InputShape is ModelInput
        spec = inspect_model(model)
        for item, d in zip(spec.inputs, described, strict=True):
            assert (item.name, item.tokens, item.vocab_size, item.mask_zero, item.role) == (
                d.name,
                d.tokens,
                d.vocab_size,
                d.mask_zero,
                d.role,
            )


def test_prepare_inputs_uses_the_vocabulary() -> None:
    model = small_sentiment()
    (tokens,) = describe_inputs(model)
    ids = np.ones((2, 20), dtype=np.int64)
    assert prepare_inputs(model, ids)[0].dtype == np.int32
    ids[0, 0] = tokens.vocab_size
    with pytest.raises(DataError, match="outside"):
        prepare_inputs(model, ids)


def test_input_name_drops_the_backend_suffix() -> None:
    class Named:
        name = "tokens:0"

    assert input_name(Named()) == "tokens"


def _decoder_first_translator() -> keras.Model:
    """The seed translator's graph with the decoder's input listed first."""
    translator = small_translator()
    encoder, decoder = translator.inputs
    return keras.Model([decoder, encoder], translator.outputs)


def test_the_decoder_is_found_by_its_role_not_its_position() -> None:
    from rnnlens.model_inputs import decoder_input, output_vocab_input

    model = _decoder_first_translator()
    assert decoder_input(model).name == "decoder_tokens"
    assert output_vocab_input(model) == "decoder_tokens"
    assert decoder_input(small_forecaster()) is None
    assert output_vocab_input(small_forecaster()) == input_names(small_forecaster())[-1]


def test_greedy_generation_feeds_the_decoder_input_wherever_it_is_listed() -> None:
    import rnnlens
    from rnnlens.decoding import GenerationOptions

    model = _decoder_first_translator()
    source = np.random.default_rng(0).integers(1, 20, size=(2, 6))
    options = GenerationOptions(start_token=1, max_length=4)
    reordered = rnnlens.decode(model, {"encoder_tokens": source}, generate=True, generation=options)
    reference = rnnlens.decode(
        small_translator(), {"encoder_tokens": source}, generate=True, generation=options
    )
    assert reordered.meta["decoder_input"] == "decoder_tokens"
    np.testing.assert_array_equal(reordered.predictions, reference.predictions)

"""Greedy generation: each step agrees with Keras fed the generated prefix; stops at the end token."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.data import Dataset
from rnnlens.decoding import decode, generate_greedy
from rnnlens.errors import OptionError, ShapeError, TargetError
from tests.backend_runner import run_in_backend, skip_unless_backend
from tests.decoding.conftest import END, START, TARGET_VOCAB


def teacher_forced_check(model, source, tokens, probabilities):
    """Feed [start, g0, g1, ...] to the model as Keras would in training: its argmax must be g_t."""
    steps = model.inputs[1].shape[1]
    for row in range(len(source)):
        generated = [t for t in tokens[row] if t >= 0]
        decoder = np.zeros((1, steps), "int32")
        decoder[0, 0] = START
        decoder[0, 1 : len(generated)] = generated[: steps - 1][: len(generated) - 1]
        p = model.predict([source[row : row + 1], decoder], verbose=0)[0]
        for t, token in enumerate(generated):
            assert p[t].argmax() == token
            assert p[t, token] == pytest.approx(probabilities[row, t], abs=1e-5)


def test_greedy_steps_equal_keras_on_the_generated_prefix(translator, source_tokens):
    result = decode(translator, [source_tokens], vocab=TARGET_VOCAB)
    assert result.kind == "generation"
    gen_tokens = result.predictions
    table = result.table
    probs = np.full(gen_tokens.shape, np.nan)
    probs[table["sample"], table["step"]] = table["probability"]
    teacher_forced_check(translator, source_tokens, gen_tokens, probs)
    assert result.meta["model_calls"] <= 5  # one compiled call per step for the whole batch
    ended = (result.summary["stopped"] == "end_token").to_numpy()
    assert 0 < ended.sum() < len(ended)  # the sharpened model ends some samples early
    lengths = result.summary["length"].to_numpy()
    assert (gen_tokens[ended, lengths[ended] - 1] == END).all()
    assert (gen_tokens[~ended] != END).all() and (lengths[~ended] == 5).all()
    first = gen_tokens[0][gen_tokens[0] >= 0]
    words = [TARGET_VOCAB[t] for t in first if t != END]
    assert result.summary["text"][0] == " ".join(words)
    np.testing.assert_allclose(
        result.summary["log_probability"], np.log(np.nan_to_num(probs, nan=1.0)).sum(axis=1)
    )


def test_end_token_stops_each_sample_where_it_appears(translator, source_tokens):
    free = generate_greedy(
        translator, [source_tokens, None], decoder_index=1, start_token=START, end_token=None
    )
    # Use a token some sample emits mid-way as the end token; that sample must stop right there.
    row, step = next((r, s) for r in range(len(source_tokens)) for s in range(1, 4))
    end = int(free.tokens[row, step])
    stopped = generate_greedy(
        translator, [source_tokens, None], decoder_index=1, start_token=START, end_token=end
    )
    for r in range(len(source_tokens)):
        hits = np.flatnonzero(free.tokens[r] == end)
        if hits.size:
            first = hits[0]
            assert stopped.ended[r] and stopped.lengths[r] == first + 1
            np.testing.assert_array_equal(
                stopped.tokens[r, : first + 1], free.tokens[r, : first + 1]
            )
            assert (stopped.tokens[r, first + 1 :] == -1).all()
        else:
            assert not stopped.ended[r]
            np.testing.assert_array_equal(stopped.tokens[r], free.tokens[r])


def test_batching_does_not_change_the_result(translator, source_tokens):
    whole = generate_greedy(translator, [source_tokens, None], decoder_index=1, start_token=START)
    chunked = generate_greedy(
        translator, [source_tokens, None], decoder_index=1, start_token=START, batch_size=4
    )
    np.testing.assert_array_equal(whole.tokens, chunked.tokens)
    np.testing.assert_allclose(whole.probabilities, chunked.probabilities, atol=1e-6)
    assert chunked.model_calls <= 3 * 5


def test_dataset_without_decoder_input_generates_with_vocab_markers(translator, source_tokens):
    data = Dataset(
        inputs={"encoder_tokens": source_tokens},
        vocab=TARGET_VOCAB,
        sequence_ids=np.arange(100, 109),
    )
    result = decode(translator, data, max_length=3)
    assert result.meta["start_token"] == START and result.meta["end_token"] == END
    assert result.meta["decoder_input"] == "decoder_tokens"
    assert result.table["step"].max() <= 2
    assert set(result.table["sequence_id"]) <= set(range(100, 109))
    assert set(result.table["token"]) <= set(TARGET_VOCAB)


def test_generation_errors_are_explained(translator, source_tokens):
    with pytest.raises(OptionError, match="needs the decoder's start token"):
        decode(translator, [source_tokens])
    with pytest.raises(OptionError, match="decoder input holds 5 steps"):
        decode(translator, [source_tokens], start_token=START, max_length=9)
    with pytest.raises(TargetError, match="`start_token` '<bos>' is not in the vocabulary"):
        decode(translator, [source_tokens], vocab=TARGET_VOCAB, start_token="<bos>")
    with pytest.raises(TargetError, match="`end_token` is id 99"):
        decode(translator, [source_tokens], start_token=START, end_token=99)
    with pytest.raises(ShapeError, match="has 5 on its time axis|axis 1"):
        decode(translator, [source_tokens[:, :5]], start_token=START)


def test_generate_flag_on_a_classifier_is_refused(sentiment):
    from tests.helpers import random_tokens

    with pytest.raises(OptionError, match="`generate` apply to greedy generation"):
        decode(sentiment, random_tokens(2, 20, 50), generate=True)


@pytest.mark.parametrize(
    "backend", ["jax", pytest.param("torch", marks=skip_unless_backend("torch"))]
)
def test_greedy_generation_matches_tensorflow_in_other_backends(
    backend, translator, source_tokens, tmp_path
):
    pytest.importorskip(backend, reason=f"{backend} backend cross-check")
    path = tmp_path / "translator.keras"
    translator.save(path)  # same weights in both backends (seeded init differs per backend)
    code = f"""
    import json, numpy as np
    from rnnlens.loading import load_model
    from rnnlens.decoding import generate_greedy
    model = load_model({str(path)!r})
    src = np.array({source_tokens.tolist()}, dtype="int32")
    gen = generate_greedy(model, [src, None], decoder_index=1, start_token={START})
    print(json.dumps({{"tokens": gen.tokens.tolist(), "p": gen.probabilities.tolist()}}))
    """
    other = run_in_backend(backend, code, timeout=300)
    local = generate_greedy(translator, [source_tokens, None], decoder_index=1, start_token=START)
    np.testing.assert_array_equal(np.array(other["tokens"]), local.tokens)
    np.testing.assert_allclose(np.array(other["p"]), local.probabilities, atol=1e-5)

"""Softmax heads: top-k equals a full sort, entropy meets its axioms, per-step rows for sequences."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.decoding import decode, decode_categorical, entropy
from rnnlens.errors import DataError, OptionError, TargetError


def test_top_k_entropy_and_margin_match_keras_output(softmax_classifier, series):
    names = ["idle", "walk", "run", "jump"]
    result = decode(softmax_classifier, series, labels=names, top_k=3)
    p = softmax_classifier.predict(series, verbose=0).astype(np.float64)
    order = np.argsort(-p, axis=1)
    table = result.table
    assert result.kind == "categorical"
    assert table["label"].tolist() == [names[i] for i in order[:, 0]]
    np.testing.assert_allclose(table["probability"], p[np.arange(len(p)), order[:, 0]], atol=1e-6)
    assert table["top3_label"].tolist() == [names[i] for i in order[:, 2]]
    np.testing.assert_allclose(table["top2_probability"], np.sort(p, axis=1)[:, -2], atol=1e-6)
    np.testing.assert_allclose(table["entropy"], -(p * np.log(p)).sum(axis=1), atol=1e-6)
    np.testing.assert_allclose(
        table["margin"], np.sort(p, axis=1)[:, -1] - np.sort(p, axis=1)[:, -2], atol=1e-6
    )
    assert "top4_label" not in table


def test_entropy_axioms():
    assert entropy(np.full((1, 8), 1 / 8))[0] == pytest.approx(np.log(8))
    assert entropy(np.eye(4)).tolist() == [0.0] * 4


def test_ties_rank_the_lower_class_first_and_k_is_capped():
    table = decode_categorical(np.array([[0.4, 0.4, 0.2]]), top_k=10)
    assert table["class_index"].tolist() == [0]
    assert table["top2_label"].tolist() == ["1"]
    assert table["margin"].tolist() == [0.0]
    assert "top4_label" not in table


def test_log_softmax_sequence_is_decoded_per_step(log_softmax_tagger, series):
    result = decode(log_softmax_tagger, series, top_k=2)
    logp = log_softmax_tagger.predict(series, verbose=0)
    table = result.table
    assert len(table) == series.shape[0] * series.shape[1]
    assert table[["sample", "step"]].values.tolist()[:3] == [[0, 0], [0, 1], [0, 2]]
    np.testing.assert_array_equal(table["class_index"], logp.reshape(-1, 5).argmax(axis=1))
    np.testing.assert_allclose(
        table["probability"], np.exp(logp.reshape(-1, 5).max(axis=1)), atol=1e-6
    )


def test_teacher_forced_translator_reads_tokens_through_the_vocabulary(translator, source_tokens):
    from tests.decoding.conftest import TARGET_VOCAB

    decoder_in = np.roll(source_tokens[:, :5], 1, axis=1)
    result = decode(translator, [source_tokens, decoder_in], vocab=TARGET_VOCAB)
    p = translator.predict([source_tokens, decoder_in], verbose=0)
    assert result.kind == "categorical"
    assert result.table["label"].tolist() == [TARGET_VOCAB[i] for i in p.reshape(-1, 20).argmax(1)]
    assert any("Teacher-forced" in note for note in result.meta["notes"])


def test_vocabulary_of_the_wrong_size_is_refused(translator, source_tokens):
    decoder_in = source_tokens[:, :5]
    with pytest.raises(TargetError, match="20 classes but 7 class names"):
        decode(translator, [source_tokens, decoder_in], vocab=[str(i) for i in range(7)])


def test_rows_that_are_not_distributions():
    with pytest.raises(DataError, match="row 1 sums to 2"):
        decode_categorical(np.array([[0.5, 0.5], [1.0, 1.0]]))
    with pytest.raises(OptionError, match="`top_k` must be a positive integer"):
        decode_categorical(np.array([[0.5, 0.5]]), top_k=0)

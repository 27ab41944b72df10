"""Token files pad and truncate exactly like keras.utils.pad_sequences; unknown tokens are named."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnnlens.data import encode_token_lines, load_data, read_vocab
from rnnlens.errors import DataError

VOCAB = ["", "[UNK]", "the", "movie", "was", "great", "awful", "plot"]


@pytest.fixture()
def vocab_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(VOCAB) + "\n")
    return path


def test_vocab_file_line_number_is_the_id(vocab_file):
    assert read_vocab(vocab_file) == tuple(VOCAB)


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_padding_and_truncation_match_keras(padding):
    lines = ["the movie was great", "awful", "the plot was awful the movie was great the end"]
    ids, mask = encode_token_lines(lines, vocab=VOCAB, length=6, padding=padding)
    lookup = {t: i for i, t in enumerate(VOCAB)}
    raw = [[lookup.get(t, 1) for t in line.split()] for line in lines]
    expected = keras.utils.pad_sequences(raw, maxlen=6, padding=padding, truncating=padding)
    np.testing.assert_array_equal(ids, expected)
    lengths = np.minimum([len(r) for r in raw], 6)
    np.testing.assert_array_equal(mask.sum(axis=1), lengths)


def test_unknown_token_maps_to_oov_entry():
    ids, _ = encode_token_lines(["the zebra"], vocab=VOCAB, length=2)
    assert ids.tolist() == [[2, 1]]


def test_unknown_token_without_oov_names_token_and_real_line(tmp_path):
    vocab = ["<pad>", "good", "bad"]
    path = tmp_path / "reviews.txt"
    path.write_text("good\n\nbad terrible\n")
    with pytest.raises(DataError, match=r"Unknown token 'terrible' on line 3 of reviews.txt"):
        load_data(path, vocab=vocab)


def test_ids_beyond_the_embedding_are_refused(tmp_path, sentiment):
    path = tmp_path / "ids.txt"
    path.write_text("1 2 3\n4 5 77\n")
    with pytest.raises(
        DataError, match=r"Line 2 of ids.txt holds token id 77, outside .*\[0, 50\)"
    ):
        load_data(path, sentiment)
    big = [f"t{i}" for i in range(60)]
    with pytest.raises(
        DataError, match="vocabulary has 60 tokens but the model's Embedding accepts ids below 50"
    ):
        load_data(path, sentiment, vocab=big)


def test_token_file_feeds_the_model_at_its_length(tmp_path, sentiment):
    path = tmp_path / "ids.txt"
    path.write_text("1 2 3\n\n4 5 6 7\n")
    data = load_data(path, sentiment)
    tokens = data.inputs["tokens"]
    assert tokens.shape == (2, 20)
    assert tokens[0, -3:].tolist() == [1, 2, 3] and (tokens[0, :-3] == 0).all()
    assert data.sequence_ids.tolist() == [1, 3]
    assert data.mask.sum() == 7


def test_exact_length_required_without_padding(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_text("1 2 3\n4 5\n")
    with pytest.raises(
        DataError, match=r"Line 2 of ids.txt has 2 token\(s\) but the model takes exactly 3"
    ):
        encode_token_lines(["1 2 3", "4 5"], vocab=None, length=3, padding="none", source="ids.txt")


def test_text_without_vocab_and_bad_vocab_files(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("the movie\n")
    with pytest.raises(
        DataError, match=r"'the', which is not an integer id. Pass the vocabulary file"
    ):
        load_data(path)
    dup = tmp_path / "dup.txt"
    dup.write_text("<pad>\nthe\nmovie\nthe\n")
    with pytest.raises(DataError, match=r"token 'the' twice, at ids 1 and 3"):
        read_vocab(dup)
    blank = tmp_path / "blank.txt"
    blank.write_text("<pad>\nthe\n\nmovie\n")
    with pytest.raises(DataError, match="empty token at id 2"):
        read_vocab(blank)


def test_token_file_for_a_feature_model_is_refused(tmp_path, forecaster_3):
    path = tmp_path / "ids.txt"
    path.write_text("1 2\n")
    with pytest.raises(
        DataError, match="A token file .* feeds an Embedding, but the model's input"
    ):
        load_data(path, forecaster_3)

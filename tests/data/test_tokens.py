"""Token files pad and truncate exactly like keras.utils.pad_sequences; unknown tokens are named."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnnlens.data import encode_token_lines, load_data, read_labels, read_vocab
from rnnlens.errors import DataError, OptionError

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
        DataError,
        match=r"`vocab` has 60 tokens but the model's Embedding has input_dim=50: tokens 50..59",
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


def test_vocabulary_larger_than_the_embedding_is_refused_everywhere(tmp_path, sentiment):
    big = "\n".join(f"t{i}" for i in range(51)) + "\n"
    (tmp_path / "vocab.txt").write_text(big)
    with pytest.raises(DataError, match="vocab.txt has 51 tokens but .* input_dim=50"):
        read_vocab(tmp_path / "vocab.txt", vocab_size=50)
    assert len(read_vocab(tmp_path / "vocab.txt", vocab_size=51)) == 51
    # An .npz carrying its own vocabulary, read for the model.
    np.savez(
        tmp_path / "d.npz",
        tokens=np.ones((2, 20), "int32"),
        vocab=np.array([f"t{i}" for i in range(51)]),
    )
    with pytest.raises(DataError, match="d.npz: vocab has 51 tokens .* input_dim=50"):
        load_data(tmp_path / "d.npz", sentiment)
    # A vocabulary file with a token file.
    (tmp_path / "ids.txt").write_text("t1 t2\n")
    with pytest.raises(DataError, match="has 51 tokens .* input_dim=50"):
        load_data(tmp_path / "ids.txt", sentiment, vocab=tmp_path / "vocab.txt")


@pytest.mark.parametrize(
    ("vocab", "error", "pattern"),
    [
        ([], DataError, "argument `vocab` is empty"),
        (["<pad>", "a", "a"], DataError, "lists token 'a' twice"),
        (42, OptionError, "`vocab` must be a file path or a list of strings, received int"),
    ],
)
def test_vocabulary_arguments_are_checked(tmp_path, vocab, error, pattern):
    (tmp_path / "ids.txt").write_text("1 2\n")
    with pytest.raises(error, match=pattern):
        load_data(tmp_path / "ids.txt", vocab=vocab)


def test_empty_vocabulary_and_labels_files(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(DataError, match="empty.txt is empty"):
        read_vocab(tmp_path / "empty.txt")
    with pytest.raises(DataError, match="empty.txt holds no class names"):
        read_labels(tmp_path / "empty.txt")
    with pytest.raises(DataError, match="holds no sequences"):
        load_data(tmp_path / "empty.txt")


def test_label_lists_are_checked_like_label_files(tmp_path):
    (tmp_path / "ids.txt").write_text("1 2\n")
    with pytest.raises(DataError, match="class name 'pos' appears twice"):
        load_data(tmp_path / "ids.txt", labels=["pos", "pos"])
    with pytest.raises(DataError, match="holds no class names"):
        load_data(tmp_path / "ids.txt", labels=[])

"""``rnnlens predict`` on the three seed models, through typer's runner and one real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from rnnlens.cli.app import app
from rnnlens.data import load_data
from tests.decoding.conftest import TARGET_VOCAB

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory, sentiment, forecaster, translator):
    root = tmp_path_factory.mktemp("cli")
    sentiment.save(root / "sentiment.keras")
    forecaster.save(root / "forecaster.keras")
    translator.save(root / "translator.keras")
    words = ["", "[UNK]", *(f"word{i}" for i in range(2, 50))]
    (root / "vocab.txt").write_text("\n".join(words) + "\n")
    (root / "labels.txt").write_text("negative\npositive\n")
    (root / "reviews.txt").write_text("word3 word7 word9\nword2 unseen word40 word41\n\nword5\n")
    rng = np.random.default_rng(0)
    rows = [(u, c, rng.normal()) for u, n in (("a", 12), ("b", 10)) for c in range(n)]
    pd.DataFrame(rows, columns=["unit", "cycle", "level"]).to_csv(root / "levels.csv", index=False)
    np.savez(
        root / "source.npz",
        encoder_tokens=rng.integers(3, 20, size=(4, 6)),
        vocab=np.array(TARGET_VOCAB),
    )
    x_val = rng.integers(1, 50, size=(24, 20))
    scores = sentiment.predict(x_val, verbose=0)[:, 0]
    np.savez(root / "val.npz", x=x_val, y=(scores > np.median(scores)).astype(int))
    return root


def invoke(*args):
    return runner.invoke(app, ["predict", *map(str, args)])


def test_token_file_with_vocab_and_labels_to_csv(files, sentiment):
    out = files / "reviews.csv"
    result = invoke(
        files / "sentiment.keras", files / "reviews.txt", "--vocab", files / "vocab.txt",
        "--labels", files / "labels.txt", "--threshold", "0.5", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Wrote 3 row(s) of binary predictions" in result.output
    table = pd.read_csv(out)
    data = load_data(files / "reviews.txt", sentiment, vocab=files / "vocab.txt")
    expected = sentiment.predict(data.inputs["tokens"], verbose=0)[:, 0]
    np.testing.assert_allclose(table["probability"], expected, atol=1e-6)
    assert table["sequence_id"].tolist() == [1, 2, 4]  # file lines; the blank line is skipped
    assert set(table["label"]) <= {"negative", "positive"}


def test_long_table_forecast_to_parquet(files, forecaster):
    out = files / "levels.parquet"
    result = invoke(
        files / "forecaster.keras", files / "levels.csv", "--scaler", "10,2",
        "--target-offset", "1", "--stride", "2", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    data = load_data(files / "levels.csv", forecaster, stride=2)
    raw = forecaster.predict(data.inputs["series"], verbose=0).reshape(-1)
    np.testing.assert_allclose(table["value"], raw * 2 + 10, atol=1e-5)
    assert table["sequence_id"].unique().tolist() == ["a", "b"]
    np.testing.assert_array_equal(table["target_time"], table["time"] + 1)


def test_translator_generates_from_an_npz_to_json(files):
    out = files / "translations.json"
    result = invoke(
        files / "translator.keras", files / "source.npz", "--max-length", "4", "-o", out
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["kind"] == "generation" and len(data["summary"]) == 4
    assert all(row["token"] in TARGET_VOCAB for row in data["rows"])
    assert data["meta"]["start_token"] == 1


def test_threshold_chosen_on_validation_file(files):
    result = invoke(
        files / "sentiment.keras", files / "reviews.txt", "--vocab", files / "vocab.txt",
        "--threshold", "youden", "--validation", files / "val.npz",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "binary predictions of sentiment (3 row(s))" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--labels", "three.txt"), "takes 2 class names"),
        (("--threshold", "high"), "--threshold must be a number"),
        (("--padding", "middle"), "`padding` must be 'none', 'pre' or 'post'"),
    ],
)
def test_bad_options_fail_with_one_clear_line(files, args, message):
    (files / "three.txt").write_text("a\nb\nc\n")
    args = tuple(files / a if a.endswith(".txt") else a for a in args)
    result = invoke(
        files / "sentiment.keras", files / "reviews.txt", "--vocab", files / "vocab.txt", *args
    )
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_bad_table_names_the_column(files):
    frame = pd.read_csv(files / "levels.csv").astype({"level": object})
    frame.loc[4, "level"] = "oops"
    frame.to_csv(files / "bad.csv", index=False)
    result = invoke(files / "forecaster.keras", files / "bad.csv")
    assert result.exit_code == 1
    assert "Column 'level' in bad.csv must be numeric but holds 'oops' at row 4" in " ".join(
        result.output.split()
    )


def test_real_subprocess(files):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, "-m", "rnnlens", "predict", str(files / "forecaster.keras"),
         str(files / "levels.csv"), "--rows", "3"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "regression predictions of forecast" in proc.stdout
    assert "more row(s)" in proc.stdout


@pytest.mark.parametrize(
    ("model", "args", "message"),
    [
        ("forecaster", ("--rows", "-1"), "--rows must be 0 or more"),
        ("forecaster", ("--top-k", "0"), "`top_k` must be a positive integer"),
        ("forecaster", ("--scaler", "10,0"), "std must be positive"),
        ("forecaster", ("--scaler", "10,-2"), "std must be positive"),
        ("forecaster", ("--target-offset", "1000000000"), "the sequence has 10 steps"),
        ("forecaster", ("--max-length", "3"), "`max_length` apply to greedy generation"),
        ("forecaster", ("--start-token", "w1"), "`start_token` apply to greedy generation"),
        ("forecaster", ("--threshold", "0.3"), "`threshold` apply to sigmoid"),
        ("forecaster", ("--labels", "labels.txt"), "`labels` apply to classification outputs"),
        ("sentiment", ("--threshold", "2"), "`threshold` must be a number in [0, 1]"),
        ("sentiment", ("--threshold", "nan"), "`threshold` must be a number in [0, 1]"),
        ("sentiment", ("--labels", "latin1.txt"), "not UTF-8"),
    ],
)
def test_nonsense_options_fail_with_one_error_line(files, model, args, message):
    (files / "latin1.txt").write_bytes("n\xe9gatif\npositif\n".encode("latin-1"))
    args = tuple(str(files / a) if a.endswith(".txt") else a for a in args)
    data = ("levels.csv",) if model == "forecaster" else ("reviews.txt", "--vocab", "vocab.txt")
    data = tuple(str(files / d) if d.endswith((".csv", ".txt")) else d for d in data)
    result = invoke(files / f"{model}.keras", *data, *args)
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert text.startswith("Error:") and message in text
    assert "Traceback" not in result.output


def test_zero_samples_are_refused_like_other_commands(files):
    np.save(files / "empty.npy", np.zeros((0, 10, 1), "float32"))
    result = invoke(files / "forecaster.keras", files / "empty.npy")
    assert result.exit_code == 1
    assert "0 samples" in result.output


def test_a_saved_logits_model_is_decoded_through_softmax(tmp_path):
    import keras

    keras.utils.set_random_seed(3)
    inputs = keras.Input((6, 3))
    model = keras.Model(inputs, keras.layers.Dense(4)(keras.layers.GRU(5)(inputs)))
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.save(tmp_path / "logits.keras")
    x = np.random.default_rng(0).normal(size=(5, 6, 3)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    result = invoke(tmp_path / "logits.keras", tmp_path / "x.npy", "-o", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    assert "categorical predictions" in result.output
    table = pd.read_csv(tmp_path / "out.csv")
    expected = keras.ops.convert_to_numpy(keras.activations.softmax(model.predict(x, verbose=0)))
    np.testing.assert_allclose(table["probability"], expected.max(axis=1), atol=1e-6)
    np.testing.assert_allclose(table["entropy"], -(expected * np.log(expected)).sum(1), atol=1e-5)

"""Every data-reading command accepts every format rnnlens.data reads (here: a long CSV table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from rnnlens.attribution import IntegratedGradients
from rnnlens.cli.app import app
from tests.helpers import small_forecaster

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    model = small_forecaster()
    model.save(folder / "forecaster.keras")
    rng = np.random.default_rng(3)
    rows = [
        {"unit": unit, "cycle": cycle, "vibration": float(rng.normal())}
        for unit in (7, 9)
        for cycle in range(1, 11)
    ]
    pd.DataFrame(rows).to_csv(folder / "long.csv", index=False)
    return folder, model, pd.DataFrame(rows)


def test_attribute_reads_a_long_csv_table(files):
    folder, model, table = files
    out = folder / "ig.npz"
    result = runner.invoke(
        app,
        [
            "attribute",
            str(folder / "forecaster.keras"),
            str(folder / "long.csv"),
            "-t",
            "9,0",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    x = table["vibration"].to_numpy("float32").reshape(2, 10, 1)
    expected = IntegratedGradients(model).attribute(x, target=(9, 0), n_steps=50)
    with np.load(out) as saved:
        values = next(saved[k] for k in saved.files if saved[k].shape == expected.values.shape)
    np.testing.assert_allclose(values, expected.values, atol=1e-5)


def test_trace_reads_a_long_csv_table(files):
    import rnnlens

    folder, model, table = files
    out = folder / "trace.npz"
    result = runner.invoke(
        app, ["trace", str(folder / "forecaster.keras"), str(folder / "long.csv"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    x = table["vibration"].to_numpy("float32").reshape(2, 10, 1)
    hidden = rnnlens.Trace.load(out)["lstm"].hidden
    np.testing.assert_allclose(hidden, model.get_layer("lstm")(x), atol=1e-5)


def test_explain_takes_one_vocabulary_per_token_input(tmp_path):
    from tests.helpers import random_tokens, small_translator

    translator = small_translator()  # source and target vocabularies of 20 ids each
    translator.save(tmp_path / "translator.keras")
    source = [f"src{i}" for i in range(20)]
    target = [f"tgt{i}" for i in range(20)]
    (tmp_path / "source.txt").write_text("\n".join(source) + "\n")
    (tmp_path / "target.txt").write_text("\n".join(target) + "\n")
    encoder_ids, decoder_ids = random_tokens(2, 6, 20, seed=1), random_tokens(2, 5, 20, seed=2)
    np.savez(tmp_path / "pairs.npz", encoder_tokens=encoder_ids, decoder_tokens=decoder_ids)
    out = tmp_path / "report.html"
    args = [
        "explain",
        str(tmp_path / "translator.keras"),
        str(tmp_path / "pairs.npz"),
        "--vocab",
        str(tmp_path / "target.txt"),
        "--input-vocab",
        f"encoder_tokens={tmp_path / 'source.txt'}",
        "-n",
        "1",
        "--steps",
        "4",
        "-o",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert " ".join(source[i] for i in encoder_ids[0]) in page
    assert " ".join(target[i] for i in decoder_ids[0]) in page
    bad = runner.invoke(
        app, [*args[:5], "--input-vocab", "nope=x.txt", "-o", str(tmp_path / "b.html")]
    )
    assert bad.exit_code == 1 and "NAME=FILE" in bad.output
    assert not (tmp_path / "b.html").exists()
    (tmp_path / "big.txt").write_text("\n".join(f"w{i}" for i in range(21)) + "\n")
    too_big = runner.invoke(
        app,
        [*args[:5], "--input-vocab", f"encoder_tokens={tmp_path / 'big.txt'}", "-o", str(out)],
    )
    assert too_big.exit_code == 1 and "21" in too_big.output and "20" in too_big.output


def test_attribute_on_a_token_file_names_the_words(tmp_path):
    from tests.helpers import small_sentiment

    small_sentiment().save(tmp_path / "sentiment.keras")  # vocabulary of 50, sequences of 20
    words = ["<pad>", *[f"word{i}" for i in range(1, 50)]]
    (tmp_path / "vocab.txt").write_text("\n".join(words) + "\n")
    (tmp_path / "reviews.txt").write_text("word3 word7 word7 word12\nword40 word2\n")
    result = runner.invoke(
        app,
        [
            "attribute",
            str(tmp_path / "sentiment.keras"),
            str(tmp_path / "reviews.txt"),
            "--vocab",
            str(tmp_path / "vocab.txt"),
            "--top",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line.split() for line in lines if line.split()[:1] == ["sample"])
    rows = [
        dict(zip(header, line.split(), strict=True))
        for line in lines
        if line.strip().startswith(("0 ", "1 "))
    ]
    assert len(rows) == 4
    for row in rows:
        assert row["text"] == words[int(row["input"])]
        assert row["text"] != "<pad>"  # padded positions get exactly zero, so never make the top 4
    out = tmp_path / "words.csv"
    args = [*result_args(tmp_path), "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    table = pd.read_csv(out)
    assert (table.text == np.asarray(words)[table.input]).all()  # token text kept in the file


def result_args(folder):
    return [
        "attribute",
        str(folder / "sentiment.keras"),
        str(folder / "reviews.txt"),
        "--vocab",
        str(folder / "vocab.txt"),
    ]


def test_attribute_shows_and_saves_sequence_ids_timestamps_and_feature_names(files):
    folder, _model, _table = files
    result = runner.invoke(
        app,
        ["attribute", str(folder / "forecaster.keras"), str(folder / "long.csv"), "-t", "9,0"],
    )
    assert result.exit_code == 0, result.output
    header = next(line.split() for line in result.output.splitlines() if "sample" in line)
    assert header == [
        "sample",
        "sample_id",
        "time",
        "timestamp",
        "feature",
        "feature_name",
        "input",
        "attribution",
    ]
    assert "vibration" in result.output
    for suffix in (".csv", ".parquet", ".npz"):
        out = folder / f"labelled{suffix}"
        args = ["attribute", str(folder / "forecaster.keras"), str(folder / "long.csv")]
        assert runner.invoke(app, [*args, "-t", "9,0", "-o", str(out)]).exit_code == 0
        if suffix == ".npz":
            with np.load(out) as saved:
                assert saved["series/feature_names"].tolist() == ["vibration"]
                assert saved["series/sample_ids"].tolist() == [7, 9]
                np.testing.assert_array_equal(saved["series/timestamps"][1], np.arange(1, 11))
            continue
        table = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
        assert set(table.sample_id) == {7, 9} and set(table.feature_name) == {"vibration"}
        assert table[table["sample"] == 1].timestamp.tolist() == list(range(1, 11))


def test_ablation_top_table_has_one_row_per_group(files):
    folder, _model, _table = files
    result = runner.invoke(
        app,
        [
            "attribute",
            str(folder / "forecaster.keras"),
            str(folder / "long.csv"),
            "-m",
            "ablation",
            "--groups",
            "feature",
            "-t",
            "9,0",
            "--top",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.strip().startswith(("0 ", "1 "))]
    assert len(rows) == 2  # two samples x one feature group, not 2 x 10 cells


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--top", "-1"], "`--top` must be an integer >= 0, received -1"),
        (["--steps", "100000"], "`--steps` must be an integer from 1 to 1000"),
        (["--batch-size", "0"], "`--batch-size` must be an integer >= 1"),
        (["--groups", "token", "-m", "ablation"], "`--groups` must be one of"),
        (["-m", "occlusion", "--window", "2,2,2"], "--window must be N or N,M"),
        (["--baseline", "average"], "--baseline must be zeros, mean, median, opposite-class or an"),
        (["--reference", "ref.npy"], "--reference is the data behind --baseline mean, median"),
        (["-m", "saliency", "--baseline", "mean"], "--baseline does not apply to saliency"),
    ],
)
def test_bad_flags_give_one_error_line(files, args, message):
    folder, _model, _table = files
    result = runner.invoke(
        app,
        [
            "attribute",
            str(folder / "forecaster.keras"),
            str(folder / "long.csv"),
            "-t",
            "9,0",
            *args,
        ],
    )
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output

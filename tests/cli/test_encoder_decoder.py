"""#13 item 10: `describe` names the encoder's and the decoder's input; `predict --generate` makes greedy
generation explicit and refuses generation flags it would ignore; `--decoder-data` gives the decoder's
input in a second file; `demo --output` is a deprecated spelling of `--out`."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import rnnlens
from rnnlens.cli.app import app
from tests.helpers import small_forecaster, small_translator

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("encoder-decoder")
    small_translator().save(folder / "translator.keras")
    small_forecaster().save(folder / "forecaster.keras")
    rng = np.random.default_rng(4)
    source = rng.integers(1, 20, size=(3, 6)).astype("int32")
    target = rng.integers(1, 20, size=(3, 5)).astype("int32")
    np.save(folder / "source.npy", source)
    np.save(folder / "target.npy", target)
    np.save(folder / "short-target.npy", target[:2])
    np.savez(folder / "pairs.npz", encoder_tokens=source, decoder_tokens=target)
    np.savez(folder / "source.npz", encoder_tokens=source)
    np.save(folder / "series.npy", rng.normal(size=(2, 10, 1)).astype("float32"))
    return {"folder": folder, "model": folder / "translator.keras"}


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def one_error(result: Any, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert sum(line.startswith("Error:") for line in result.output.splitlines()) == 1
    text = " ".join(result.output.split())
    for fragment in fragments:
        assert fragment in text, text


def test_describe_names_the_encoder_and_the_decoder_input(files: dict[str, Path]) -> None:
    result = invoke("describe", files["model"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "'encoder_tokens' is the encoder's input" in text
    assert "'decoder_tokens' is the decoder's input" in text
    facts = json.loads(invoke("describe", files["model"], "--json").output)
    assert facts["input_roles"] == {"encoder_tokens": "encoder", "decoder_tokens": "decoder"}
    plain = json.loads(invoke("describe", files["folder"] / "forecaster.keras", "--json").output)
    assert "input_roles" not in plain


def test_decoder_data_in_a_second_file_reads_like_one_npz(files: dict[str, Path]) -> None:
    folder = files["folder"]
    one = invoke("predict", files["model"], folder / "pairs.npz", "-o", folder / "one.csv")
    two = invoke(
        "predict", files["model"], folder / "source.npy", "--decoder-data", folder / "target.npy",
        "-o", folder / "two.csv",
    )  # fmt: skip
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    assert "teacher-forced" not in two.output  # no generation note: the decoder inputs were read
    pd.testing.assert_frame_equal(pd.read_csv(folder / "one.csv"), pd.read_csv(folder / "two.csv"))
    expected = rnnlens.decode(
        rnnlens.load_model(files["model"]),
        [np.load(folder / "source.npy"), np.load(folder / "target.npy")],
        generate=False,
    )
    assert len(expected.table) == len(pd.read_csv(folder / "two.csv"))


@pytest.mark.parametrize(
    ("command", "extra", "suffix"),
    [
        ("trace", (), ".npz"),
        ("attribute", ("-m", "saliency", "-t", "0,predicted", "--top", "0"), ".npz"),
    ],
)
def test_every_data_command_takes_decoder_data(
    files: dict[str, Path], command: str, extra: tuple[str, ...], suffix: str
) -> None:
    """trace and attribute read the two files exactly as one .npz with both inputs."""
    folder = files["folder"]
    one, two = folder / f"{command}-one{suffix}", folder / f"{command}-two{suffix}"
    first = invoke(command, files["model"], folder / "pairs.npz", *extra, "-o", one)
    second = invoke(
        command, files["model"], folder / "source.npy", "--decoder-data", folder / "target.npy",
        *extra, "-o", two,
    )  # fmt: skip
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    with np.load(one) as a, np.load(two) as b:
        assert sorted(a.files) == sorted(b.files)
        for name in a.files:
            if a[name].dtype.kind in "biuf":
                np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_generation_is_explicit(files: dict[str, Path]) -> None:
    folder = files["folder"]
    implicit = invoke("predict", files["model"], folder / "source.npz", "--start-token", "1")
    assert implicit.exit_code == 0, implicit.output
    assert "Note: DATA holds no decoder input, so the tokens are generated greedily" in " ".join(
        implicit.output.split()
    )
    explicit = invoke(
        "predict", files["model"], folder / "pairs.npz", "--generate", "--start-token", "1",
        "-o", folder / "generated.csv",
    )  # fmt: skip
    assert explicit.exit_code == 0, explicit.output
    assert "Note: DATA holds no decoder input" not in explicit.output
    expected = rnnlens.decode(
        rnnlens.load_model(files["model"]),
        [np.load(folder / "source.npy"), np.load(folder / "target.npy")],
        generate=True,
        generation=rnnlens.decoding.GenerationOptions(start_token=1),
    )
    got = pd.read_csv(folder / "generated.csv")
    assert got["token_id"].tolist() == expected.table["token_id"].tolist()


@pytest.mark.parametrize(
    ("data", "flags", "fragments"),
    [
        (
            "pairs.npz",
            ("--max-length", "3"),
            (
                "--max-length applies to greedy generation",
                "DATA holds the decoder inputs",
                "--generate",
            ),
        ),
        ("source.npz", ("--no-generate", "--end-token", "2"), ("--end-token", "--no-generate")),
        ("series.npy", ("--generate",), ("--generate needs an encoder-decoder model",)),
        ("source.npy", ("--decoder-data", "short-target.npy"), ("holds 3 encoder sample(s)",)),
        (
            "series.npy",
            ("--decoder-data", "target.npy"),
            ("--decoder-data is the decoder's input",),
        ),
    ],
)
def test_generation_flags_that_would_be_ignored_are_errors(
    files: dict[str, Path], data: str, flags: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    folder = files["folder"]
    model = folder / "forecaster.keras" if data == "series.npy" else files["model"]
    args = [folder / f if f.endswith(".npy") else f for f in flags]
    one_error(invoke("predict", model, folder / data, *args), *fragments)


def test_demo_out_and_its_old_spelling(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import rnnlens.demo

    written: list[Path] = []

    def fake_demo(example: str, output: Path, **kwargs: Any) -> Any:
        output.write_text("<html></html>", encoding="utf-8")
        written.append(output)
        return SimpleNamespace(report_path=output)

    monkeypatch.setattr(rnnlens.demo, "run_demo", fake_demo)
    new = invoke("demo", "--out", files["folder"] / "a.html")
    assert new.exit_code == 0, new.output
    assert "(13 B)" in new.output.replace("\n", "") and "deprecated" not in new.output
    old = invoke("demo", "--output", files["folder"] / "b.html")
    assert old.exit_code == 0, old.output
    assert "--output is deprecated and will be removed; use --out" in " ".join(old.output.split())
    assert written == [files["folder"] / "a.html", files["folder"] / "b.html"]
    one_error(
        invoke("demo", "--out", files["folder"] / "c.html", "--output", files["folder"] / "d.html"),
        "spellings of one option",
    )


def test_explain_takes_decoder_data(files: dict[str, Path]) -> None:
    folder = files["folder"]
    out = folder / "pair-report.html"
    result = invoke(
        "explain", files["model"], folder / "source.npy", "--decoder-data", folder / "target.npy",
        "-o", out, "-n", "1", "-m", "saliency", "--no-faithfulness",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "encoder_tokens" in page and "decoder_tokens" in page

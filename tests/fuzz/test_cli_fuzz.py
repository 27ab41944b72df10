"""Fuzz every CLI command with bad arrays, files, options and output paths (issue #10, "Prove it").

Each case runs through typer's runner and must either succeed (when the input may be valid) or fail the
way every rnnlens failure does: exit 1, one ``Error:`` line, no traceback, no "internal error", nothing at
the target and no temp file beside it. ``bench/fuzz.py`` runs the same tests with many more examples.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.harness import CliCase, examples, fail, run_cli, unblock_fifo
from tests.fuzz.inputs import (
    BIG_BATCH,
    DATA_FILE_KINDS,
    IS_ROOT,
    MODEL_FILE_KINDS,
    NAMES_FILE_KINDS,
    NUMBERS,
    bad_arrays,
    bad_data_file,
    bad_model_file,
    bad_names_file,
    is_int,
    save_array,
)
from tests.fuzz.zoo import Target, Zoo

pytestmark = pytest.mark.usefixtures("cached_loading")

DATA_COMMANDS = ("predict", "trace", "attribute", "explain")
TARGETS = ("forecaster", "forecaster-table", "classifier", "binary", "sentiment", "translator")
NAME_OPTIONS = {"predict": ("--labels", "--vocab"), "explain": ("--labels", "--vocab")}


@contextmanager
def case_folder(zoo: Zoo) -> Iterator[Path]:
    """A fresh folder for one case's files, removed afterwards."""
    root = zoo.folder / "cases"
    root.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=root))
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            if path.is_dir() and not os.access(path, os.W_OK):
                path.chmod(0o755)
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def command_line(
    command: str,
    target: Target,
    folder: Path,
    *,
    model: Path | None = None,
    data: Path | None = None,
) -> tuple[list[str], tuple[Path, ...]]:
    """A valid command line for ``target`` (cheap settings) and the files it writes."""
    model_arg = str(model or target.model)
    data_arg = str(data or target.data)
    extra = list(target.extra)
    if extra and extra[0] == "--labels" and command not in NAME_OPTIONS:
        extra = []
    if command == "describe":
        return ["describe", model_arg], ()
    if command == "predict":
        return ["predict", model_arg, data_arg, "--rows", "3", *extra], ()
    if command == "trace":
        out = folder / "out.npz"
        return ["trace", model_arg, data_arg, "-o", str(out), *extra], (out,)
    if command == "attribute":
        args = ["attribute", model_arg, data_arg, "-m", "saliency", "--top", "2", *extra]
        return [*args, "-t", target.target] if target.target else args, ()
    if command == "batch":
        out = folder / "fleet"
        args = [
            "batch",
            model_arg,
            data_arg,
            "-o",
            str(out),
            "--tasks",
            "predict",
            "--workers",
            "1",
        ]
        return args, (out,)
    if command == "explain":
        out = folder / "report.html"
        args = ["explain", model_arg, data_arg, "-o", str(out), "-n", "1", "-m", "saliency", *extra]
        return args, (out,)
    raise ValueError(command)


def run(case: CliCase, family: str, fifo: Path | None = None) -> None:
    """Run a case; a FIFO among its inputs is unblocked after a few seconds, and blocking is a failure."""
    if fifo is None:
        run_cli(case, family)
        return
    with unblock_fifo(fifo) as stats:
        run_cli(case, family)
    if stats["blocked"]:
        fail(family, f"{case}\n  blocked reading the FIFO {fifo} until a writer opened it")


# ---------------------------------------------------------------------------------------------------------
# Bad arrays as DATA


@settings(max_examples=examples(220), deadline=None)
@given(st.data())
def test_bad_arrays(zoo: Zoo, data: st.DataObject) -> None:
    """0-d, empty, wrong rank or size, NaN / inf, complex, float128, big-endian, object, huge values."""
    name = data.draw(st.sampled_from([t for t in TARGETS if t != "forecaster-table"]), "target")
    target = zoo[name]
    command = data.draw(st.sampled_from(DATA_COMMANDS), "command")
    bad = data.draw(
        bad_arrays(target.shape, target.tokens, vocab=12 if name == "translator" else 20)
    )
    with case_folder(zoo) as folder:
        if name == "translator":
            with np.load(target.data) as pairs:
                arrays = {key: pairs[key] for key in pairs.files}
            key = data.draw(st.sampled_from(sorted(arrays)), "input")
            path = save_array(folder, bad.array, ".npz", key=key, others=arrays)
        else:
            suffix = (
                ".npz" if name == "classifier" else data.draw(st.sampled_from([".npy", ".npz"]))
            )
            path = save_array(folder, bad.array, suffix)
        args, outputs = command_line(command, target, folder, data=path)
        if target.tokens and "--vocab" in args:  # arrays carry ids: no vocabulary needed
            i = args.index("--vocab")
            del args[i : i + 2]
        run(CliCase(tuple(args), bad.must_fail, outputs, f"{name}: {bad.why} array"), "cli arrays")


# ---------------------------------------------------------------------------------------------------------
# Bad files: MODEL, DATA, vocabulary and labels


@settings(max_examples=examples(200), deadline=None)
@given(
    st.data(),
    st.floats(0.05, 0.95),
    st.binary(min_size=0, max_size=300),
)
def test_bad_files(zoo: Zoo, data: st.DataObject, cut: float, noise: bytes) -> None:
    """Missing, directory, empty, truncated, random bytes, pickles, FIFOs, /dev/null, non-UTF-8 text."""
    name = data.draw(st.sampled_from(TARGETS), "target")
    target = zoo[name]
    role = data.draw(st.sampled_from(["model", "data", "names"]), "role")
    with case_folder(zoo) as folder:
        fifo = None
        if role == "model":
            command = data.draw(st.sampled_from(("describe", *DATA_COMMANDS)), "command")
            kind = data.draw(st.sampled_from(MODEL_FILE_KINDS), "kind")
            path, must_fail = bad_model_file(folder, kind, target.model, cut, noise)
            args, outputs = command_line(command, target, folder, model=path)
        elif role == "data":
            command = data.draw(st.sampled_from(DATA_COMMANDS), "command")
            kind = data.draw(st.sampled_from(DATA_FILE_KINDS), "kind")
            path, must_fail = bad_data_file(folder, kind, target.data, cut, noise)
            args, outputs = command_line(command, target, folder, data=path)
        else:
            command = data.draw(st.sampled_from(DATA_COMMANDS), "command")
            flag = data.draw(st.sampled_from(NAME_OPTIONS.get(command, ("--vocab",))), "flag")
            kind = data.draw(st.sampled_from(NAMES_FILE_KINDS), "kind")
            path, sure = bad_names_file(folder, kind, 20)
            args, outputs = command_line(command, target, folder)
            args = _set_option(args, flag, str(path))
            # a vocabulary is read only for token data; labels only name a classifier's classes
            used = (flag == "--vocab" and name == "sentiment") or (
                flag == "--labels" and name == "classifier"
            )
            must_fail = bool(sure) if used else False
            if kind == "too many" and used:
                must_fail = True  # more names than the Embedding's ids / the output's classes
        if kind == "fifo":
            fifo = path
        run(
            CliCase(tuple(args), must_fail, outputs, f"{name}: {role} file {kind}"),
            "cli files",
            fifo,
        )


def _set_option(args: list[str], flag: str, value: str) -> list[str]:
    if flag in args:
        i = args.index(flag)
        return [*args[:i], flag, value, *args[i + 2 :]]
    return [*args, flag, value]


# ---------------------------------------------------------------------------------------------------------
# Bad option values


def _positive(value: str) -> bool:
    return not is_int(value) or int(value) < 1


def _bounded(value: str) -> bool:
    return _positive(value) or int(value) > 1_000_000


def _non_negative(value: str) -> bool:
    return not is_int(value) or int(value) < 0


def _budget(value: str) -> bool | None:
    try:
        number = float(value)
    except ValueError:
        return True
    if math.isinf(number) and number > 0:
        return None  # "no bound" is a reasonable reading of inf
    return math.isnan(number) or number <= 0


def _pair(value: str) -> bool | None:
    parts = value.split(",")
    if len(parts) > 2 or not all(is_int(p) for p in parts):
        return True
    if any(int(p) < 1 for p in parts):
        return True
    return None  # windows longer than the sequence may be clipped


def _always(value: str) -> bool:
    return True


def _unless(*valid: str) -> Callable[[str], bool]:
    return lambda value: value not in valid


@dataclass(frozen=True)
class OptionFuzz:
    """One option of one command: the values to try and which of them are certainly wrong."""

    command: str
    flag: str
    values: tuple[str, ...]
    wrong: Callable[[str], bool | None]
    targets: tuple[str, ...] = TARGETS
    extra: tuple[str, ...] = ()


PAIRS = ("2,2,2", "2,1", "3,99", "0,1", "a,b", *NUMBERS)
TARGET_TEXTS = (
    "99,0",
    "-100,0",
    "0,99",
    "abc",
    "1,2,3",
    "5:2,0",
    "all,99",
    "nan",
    "1e3,0",
    "0:0,0",
)
STRUCTURAL_TARGETS = ("99,0", "-100,0", "0,99", "abc", "1,2,3", "all,99", "nan", "1e3,0")
# rnnlens batch takes single-input models and array or Parquet data
FLEET = ("forecaster", "classifier", "binary", "sentiment")
SAMPLES = ("-1", "99", "a", "3-1", "0-1000000", "1", "0,1", "", "0,,1", "1-")

OPTIONS = (
    OptionFuzz("attribute", "--steps", NUMBERS, _bounded, extra=("-m", "ig")),
    OptionFuzz("attribute", "--top", NUMBERS, lambda v: _non_negative(v) or None),
    OptionFuzz("attribute", "--window", PAIRS, _pair, extra=("-m", "occlusion")),
    OptionFuzz("attribute", "--stride", PAIRS, _pair, extra=("-m", "occlusion")),
    OptionFuzz("attribute", "--batch-size", (*NUMBERS[:4], BIG_BATCH), _positive),
    OptionFuzz("attribute", "--target", TARGET_TEXTS, lambda v: v in STRUCTURAL_TARGETS or None),
    OptionFuzz("attribute", "--model-output", ("7", "nope", "-5", "0"), _unless("0")),
    OptionFuzz("attribute", "--method", ("nope", "", "saliency"), _unless("saliency")),
    OptionFuzz(
        "attribute",
        "--integration",
        ("nope", "riemann_left"),
        _unless("riemann_left"),
        extra=("-m", "ig", "--steps", "4"),
    ),
    OptionFuzz(
        "attribute",
        "--groups",
        ("nope", "feature", ""),
        _unless("feature"),
        extra=("-m", "ablation"),
    ),
    OptionFuzz(
        "attribute",
        "--baseline",
        ("missing.npy", "nope", "mean"),
        _unless("mean"),
        extra=("-m", "ixg"),
    ),
    OptionFuzz("attribute", "--samples", SAMPLES, lambda v: None),
    OptionFuzz(
        "attribute", "--players", ("nope", "", "event"), _unless("event"), extra=("-m", "shapley")
    ),
    OptionFuzz("attribute", "--max-evaluations", NUMBERS, lambda v: None, extra=("-m", "shapley")),
    OptionFuzz("explain", "--target", TARGET_TEXTS, lambda v: v in STRUCTURAL_TARGETS or None),
    OptionFuzz(
        "explain", "--threshold", ("-1", "2", "nan", "abc", "0.5"), lambda v: v != "0.5" or None
    ),
    OptionFuzz("trace", "--memory-budget-mb", (*NUMBERS, "1e-300", "1e300"), _budget),
    OptionFuzz("trace", "--batch-size", (*NUMBERS[:4], BIG_BATCH, "abc"), _positive),
    OptionFuzz("trace", "--layer", ("nope", ""), _always),
    OptionFuzz("trace", "--quantity", ("nope", "", "hidden"), _unless("hidden")),
    OptionFuzz("predict", "--rows", NUMBERS, lambda v: _non_negative(v) or None),
    OptionFuzz("predict", "--top-k", NUMBERS, lambda v: _non_negative(v) or None),
    OptionFuzz(
        "predict",
        "--threshold",
        ("-1", "2", "nan", "abc", "inf", "0.3", "f1"),
        _unless("0.3"),
        targets=("binary",),
    ),
    OptionFuzz(
        "predict", "--window", (*NUMBERS, "10", "13"), _unless("10"), targets=("forecaster-table",)
    ),
    OptionFuzz(
        "predict",
        "--stride",
        NUMBERS,
        lambda v: _positive(v) or None,
        targets=("forecaster-table",),
    ),
    OptionFuzz(
        "predict",
        "--target-offset",
        ("-1", "1000000000", "abc", "0", "1"),
        lambda v: v in ("1000000000", "abc") or None,
        targets=("forecaster",),
    ),
    OptionFuzz(
        "predict",
        "--scaler",
        ("1,0", "1,-1", "abc", "nan,1", "1,inf", "1", "missing.json", "2,0.5"),
        _unless("2,0.5"),
        targets=("forecaster",),
    ),
    OptionFuzz(
        "predict",
        "--max-length",
        ("-1", "0", "3"),
        _always,
        targets=("forecaster", "classifier", "binary"),
    ),
    OptionFuzz(
        "predict",
        "--start-token",
        ("w1", "0"),
        _always,
        targets=("forecaster", "classifier", "binary"),
    ),
    OptionFuzz("predict", "--padding", ("bogus", ""), _always),
    OptionFuzz("predict", "--model-output", ("7", "nope", "-5"), _always),
    # a negative index counts from the end, as in Python: -1 is the last sample
    OptionFuzz("explain", "--samples", SAMPLES, _unless("1", "0,1", "", "-1")),
    OptionFuzz("explain", "--max-samples", NUMBERS, lambda v: _positive(v) or None),
    OptionFuzz("explain", "--steps", NUMBERS, _bounded, extra=("-m", "ig")),
    OptionFuzz("explain", "--method", ("nope", ""), _always),
    OptionFuzz("explain", "--input-vocab", ("nope=x.txt", "tokens", "tokens=missing.txt"), _always),
    OptionFuzz("explain", "--model-output", ("7", "nope"), _always),
    # a custom-objects module is code the user opts into: a missing file or a non-Python one is an error
    OptionFuzz("describe", "--custom-objects", ("missing.py", "objects.txt", ""), _always),
    OptionFuzz("predict", "--custom-objects", ("missing.py", "objects.txt"), _always),
    # --from renders a fleet run and takes no MODEL / DATA: with them it is always refused
    OptionFuzz("explain", "--from", ("missing", "x.npy"), _always),
    OptionFuzz("batch", "--engine", ("nope", "", "local"), _unless("local"), targets=FLEET),
    OptionFuzz(
        "batch",
        "--tasks",
        ("nope", "", "predict,nope", "predict,predict", "predict"),
        _unless("predict", "predict,predict"),
        targets=FLEET,
    ),
    OptionFuzz("batch", "--workers", ("0", "-1", "abc", "1.5", "1"), _unless("1"), targets=FLEET),
    OptionFuzz("batch", "--chunk-size", NUMBERS, _positive, targets=FLEET),
    OptionFuzz("batch", "--top", NUMBERS, lambda v: _non_negative(v) or None, targets=FLEET),
    OptionFuzz(
        "batch",
        "--target",
        TARGET_TEXTS,
        lambda v: v in STRUCTURAL_TARGETS or None,
        targets=FLEET,
        extra=("--tasks", "predict,attribute", "-m", "saliency"),
    ),
    OptionFuzz(
        "batch",
        "--method",
        ("nope", "", "saliency"),
        _unless("saliency"),
        targets=FLEET,
        extra=("--tasks", "predict,attribute"),
    ),
)


@settings(max_examples=examples(450), deadline=None)
@given(st.data())
def test_bad_options(zoo: Zoo, data: st.DataObject) -> None:
    """Negative, zero, huge, inf, NaN and non-numeric numbers; unknown names; nonsense for the model."""
    fuzz = data.draw(st.sampled_from(OPTIONS), "option")
    name = data.draw(st.sampled_from(fuzz.targets), "target")
    value = data.draw(st.sampled_from(fuzz.values), "value")
    target = zoo[name]
    with case_folder(zoo) as folder:
        args, outputs = command_line(fuzz.command, target, folder)
        if fuzz.flag in ("--baseline", "--scaler", "--input-vocab", "--custom-objects") and (
            "missing" in value
        ):
            value = str(folder / value)
        args = _set_option(list(args), fuzz.flag, value)
        for flag, setting in zip(fuzz.extra[::2], fuzz.extra[1::2], strict=True):
            args = _set_option(args, flag, setting)
        wrong = fuzz.wrong(value)
        case = CliCase(tuple(args), bool(wrong), outputs, f"{name}: {fuzz.flag} {value!r}")
        run(case, "cli options")


# ---------------------------------------------------------------------------------------------------------
# Bad output paths

OUTPUT_SUFFIXES = {
    "trace": (".npz", ".h5", ".parquet", ".csv"),
    "attribute": (".npz", ".parquet", ".csv"),
    "predict": (".csv", ".json", ".parquet"),
    "explain": (".html",),
}
PATH_KINDS = (
    "wrong suffix",
    "no suffix",
    "missing folder",
    "file as folder",
    "read-only folder",
    "directory",
    "fifo",
    "valid",
)


def output_path(folder: Path, kind: str, suffix: str) -> tuple[Path, bool]:
    """An output path of ``kind``; ``(path, must_fail)``."""
    if kind == "wrong suffix":
        return folder / "out.xlsx", True
    if kind == "no suffix":
        return folder / "out", True
    if kind == "missing folder":
        return folder / "nope" / f"out{suffix}", True
    if kind == "file as folder":
        (folder / "file.txt").write_text("x", encoding="utf-8")
        return folder / "file.txt" / f"out{suffix}", True
    if kind == "read-only folder":
        locked = folder / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        return locked / f"out{suffix}", not IS_ROOT  # root writes anyway
    if kind == "directory":
        path = folder / f"out{suffix}"
        path.mkdir()
        return path, True
    if kind == "fifo":
        path = folder / f"out{suffix}"
        os.mkfifo(path)
        return path, True
    return folder / f"out{suffix}", False


@settings(max_examples=examples(160), deadline=None)
@given(st.data())
def test_bad_output_paths(zoo: Zoo, data: st.DataObject) -> None:
    """Wrong suffix, missing parent, file as parent, read-only folder, a directory or a FIFO as target."""
    command = data.draw(st.sampled_from(sorted(OUTPUT_SUFFIXES)), "command")
    name = data.draw(st.sampled_from(("forecaster", "classifier", "sentiment")), "target")
    kind = data.draw(st.sampled_from(PATH_KINDS), "kind")
    suffix = data.draw(st.sampled_from(OUTPUT_SUFFIXES[command]), "suffix")
    with case_folder(zoo) as folder:
        out, must_fail = output_path(folder, kind, suffix)
        args, _ = command_line(command, zoo[name], folder)
        args = _set_option(args, "-o", str(out))
        case = CliCase(tuple(args), must_fail, (out,), f"{name}: -o {kind}")
        run(case, "cli outputs")


# ---------------------------------------------------------------------------------------------------------
# demo: only options that must be refused before any training or loading starts


class DemoWorkStarted(Exception):
    """Raised by the stubbed demo work: a wrong option got past the checks."""


@pytest.fixture
def demo_stubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    def started(*args: object, **kwargs: object) -> None:
        raise DemoWorkStarted("the demo started loading or training with a wrong option")

    import rnnlens.datasets
    import rnnlens.datasets.examples

    monkeypatch.setattr(rnnlens.datasets, "load_demo_models", started)
    monkeypatch.setattr(rnnlens.datasets.examples, "train_example", started)


DEMO_OPTIONS = (
    ("--example", ("nope", "", "Turbofan ")),
    ("--samples", ("-1", "0", "abc", "nan")),
    ("--steps", ("0", "-1", "1000000000", "abc")),
    ("--epochs", ("-1", "0", "abc")),
    ("--output", ("out.xlsx", "nope/out.html", "out")),
)


@settings(max_examples=examples(30), deadline=None)
@given(st.data())
def test_demo_refuses_bad_options_before_working(
    zoo: Zoo, demo_stubbed: None, data: st.DataObject
) -> None:
    flag, values = data.draw(st.sampled_from(DEMO_OPTIONS), "option")
    value = data.draw(st.sampled_from(values), "value")
    example = data.draw(st.sampled_from(("turbofan", "forecast", "sentiment", "translation")))
    with case_folder(zoo) as folder:
        out = folder / "demo.html"
        args = ["demo", "-e", example, "-o", str(out)]
        outputs: tuple[Path, ...] = (out,)
        if flag == "--output":
            out = folder / value
            outputs = (out,)
            value = str(out)
        args = _set_option(args, flag, value)
        run(CliCase(tuple(args), True, outputs, f"demo {flag} {value!r}"), "cli demo")

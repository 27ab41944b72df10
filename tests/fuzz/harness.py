"""The fuzz oracle: what every failure must look like, and a count of the cases that ran.

A failing CLI case must exit 1 with exactly one ``Error:`` line, no traceback and no "internal error"; it must
leave no file at its target and no hidden temp file (``.<name>.<random><suffix>``) beside it. A failing API
case must raise an :class:`rnnlens.errors.RnnlensError` subclass and write nothing.
"""

from __future__ import annotations

import collections
import json
import os
import stat
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from rnnlens.errors import RnnlensError

SECONDS: dict[str, float] = collections.defaultdict(float)
"""Seconds spent per CLI command, to see where the fuzz run's time goes."""

CASES: collections.Counter[str] = collections.Counter()
"""Cases run per fuzz family, printed at the end of the session by ``conftest.pytest_terminal_summary``."""

SCALE = float(os.environ.get("RNNLENS_FUZZ_SCALE", "1"))
"""Multiplies every ``max_examples``; ``bench/fuzz.py`` raises it for the long run."""

RUNNER = CliRunner()

COLLECT = os.environ.get("RNNLENS_FUZZ_COLLECT")
"""When set (by ``bench/fuzz.py``), failures are appended to this JSON-lines file instead of raised, so one
run lists every distinct failure instead of stopping at the first."""


def fail(family: str, message: str, cause: BaseException | None = None) -> None:
    """Raise the oracle's verdict, or record it in collect mode."""
    if COLLECT:
        with open(COLLECT, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"family": family, "message": message}) + "\n")
        return
    raise AssertionError(message) from cause


def examples(n: int) -> int:
    """``max_examples`` for a fuzz test: ``n`` in CI, ``n * RNNLENS_FUZZ_SCALE`` in the bench run."""
    return max(1, round(n * SCALE))


@dataclass
class Watch:
    """Folders and files a case may write to, snapshotted before it runs."""

    paths: Sequence[Path] = ()
    existed: dict[Path, bool] = field(default_factory=dict)
    hidden: dict[Path, set[str]] = field(default_factory=dict)
    missing_folders: set[Path] = field(default_factory=set)
    kinds: dict[Path, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path in self.paths:
            self.existed[path] = os.path.lexists(path)
            if self.existed[path]:
                self.kinds[path] = stat.S_IFMT(os.lstat(path).st_mode)
            if not os.path.lexists(path.parent):
                self.missing_folders.add(path.parent)
            folder = path.parent
            if folder.is_dir():
                self.hidden[folder] = _hidden(folder)

    def problems(self, failed: bool) -> list[str]:
        """What the case left behind that it must not have."""
        found = []
        for path in self.paths:
            if failed and not self.existed[path] and os.path.lexists(path):
                found.append(f"a file was left at the target {path} after the failure")
            if path in self.kinds and (
                not os.path.lexists(path) or stat.S_IFMT(os.lstat(path).st_mode) != self.kinds[path]
            ):
                found.append(f"the existing {path} was replaced by another kind of file or removed")
        for folder in self.missing_folders:
            if os.path.lexists(folder):
                found.append(f"the missing folder {folder} was created")
        for folder, before in self.hidden.items():
            new = _hidden(folder) - before
            if new:
                found.append(f"temp file(s) {sorted(new)} left in {folder}")
        return found


def _hidden(folder: Path) -> set[str]:
    try:
        return {name for name in os.listdir(folder) if name.startswith(".")}
    except OSError:
        return set()


@dataclass(frozen=True)
class CliCase:
    """One command line, and whether it is certainly wrong (then it must fail)."""

    args: tuple[str, ...]
    must_fail: bool
    outputs: tuple[Path, ...] = ()
    why: str = ""

    def __str__(self) -> str:
        return f"rnnlens {' '.join(self.args)}  [{self.why}]"


def run_cli(case: CliCase, family: str) -> None:
    """Run ``case`` through typer's runner and check it against the oracle."""
    from rnnlens.cli.app import app

    CASES[family] += 1
    watch = Watch(case.outputs)
    started = time.perf_counter()
    with memory_cap():
        result = RUNNER.invoke(app, list(case.args))
    SECONDS[f"cli {case.args[0]}"] += time.perf_counter() - started
    output = result.output
    if result.exit_code == 0:
        if case.must_fail:
            fail(family, f"accepted a wrong input (exit 0): {case}\n  output: {output[-300:]!r}")
        left = watch.problems(failed=False)
        if left:
            fail(family, f"{case}: {'; '.join(left)}")
        return
    problems = watch.problems(failed=True)
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        problems.append(
            f"raw {type(exc).__name__} escaped: {exc!s:.300} at {_where(result.exc_info)}"
        )
    if result.exit_code != 1:
        problems.append(f"exit code {result.exit_code}, expected 1")
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    if len(errors) != 1:
        problems.append(f"{len(errors)} lines start with 'Error:', expected exactly one")
    if "Traceback" in output:
        problems.append("the output holds a traceback")
    if "internal error" in output.lower():
        problems.append(f"an internal error: {_debug_location(case)}")
    if problems:
        fail(family, f"{case}\n  " + "\n  ".join(problems) + f"\n  output: {output[-400:]!r}")


def _debug_location(case: CliCase) -> str:
    """Rerun a case with ``--debug`` to say where the raw exception came from."""
    from rnnlens.cli.app import app

    result = RUNNER.invoke(app, ["--debug", *case.args])
    exc = result.exception
    if exc is None or isinstance(exc, SystemExit):
        return "(not reproduced with --debug)"
    return f"{type(exc).__name__}: {exc!s:.200} at {_where(result.exc_info)}"


def _where(exc_info: Any) -> str:
    """``file:function:line`` of the innermost rnnlens frame of a traceback (else the innermost frame)."""
    if not exc_info or exc_info[2] is None:
        return "?"
    frames = traceback.extract_tb(exc_info[2])
    ours = [f for f in frames if "/rnnlens/" in f.filename.replace(os.sep, "/")]
    frame = (ours or frames)[-1]
    short = frame.filename.replace(os.sep, "/").split("/src/")[-1]
    return f"{short}:{frame.name}:{frame.lineno}"


def check_api(
    call: Callable[[], Any], *, must_fail: bool, family: str, why: str, writes: Sequence[Path] = ()
) -> Any:
    """Call ``call``: only an :class:`RnnlensError` may escape, and a failure writes nothing."""
    CASES[family] += 1
    watch = Watch(writes)
    try:
        with memory_cap():
            value = call()
    except RnnlensError as exc:
        left = watch.problems(failed=True)
        if left:
            fail(family, f"{why}: {'; '.join(left)}", exc)
        text = str(exc)
        if "\n" in text.strip() or not text.strip():
            fail(family, f"{why}: the message is not one line: {text!r}", exc)
        return exc
    except Exception as exc:
        where = _where((type(exc), exc, exc.__traceback__))
        fail(family, f"{why}: raw {type(exc).__name__} escaped at {where}: {exc!s:.300}", exc)
        return exc
    if must_fail:
        fail(family, f"{why}: accepted a wrong input (returned {type(value).__name__})")
    return value


@contextmanager
def memory_cap(headroom_gb: float = 6.0) -> Iterator[None]:
    """Cap this process's address space at its current size plus ``headroom_gb`` for one case, so an
    unbounded allocation (a batch of 10^9 rows) raises MemoryError instead of waking the OOM killer."""
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as status:
            size_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = size_kb * 1024 + int(headroom_gb * 2**30)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, OSError, StopIteration, ValueError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextmanager
def unblock_fifo(path: Path, after_s: float = 3.0) -> Iterator[dict[str, float]]:
    """Open ``path`` (a FIFO) for writing after ``after_s`` seconds and close it, so a reader that opened it
    gets end-of-file instead of hanging the test run. ``stats['blocked']`` says whether it was needed."""
    stop = threading.Event()
    stats = {"blocked": 0.0}

    def writer() -> None:
        if stop.wait(after_s):
            return
        while not stop.is_set():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # no reader yet (ENXIO) or the FIFO is gone
                time.sleep(0.05)
                continue
            stats["blocked"] = 1.0
            os.close(fd)
            time.sleep(0.05)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        yield stats
    finally:
        stop.set()
        thread.join()

"""Atomic writes: the old file survives every failure, modes follow the umask, odd targets are refused."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from rnnlens._atomic import (
    atomic_open,
    atomic_path,
    check_output_path,
    remove_stale_temporaries,
    write_text_atomic,
)
from rnnlens.errors import OutputError


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_new_file_follows_the_umask(tmp_path, umask_022):
    path = write_text_atomic(tmp_path / "a.txt", "hello")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    os.umask(0o002)
    other = write_text_atomic(tmp_path / "b.txt", "hello")
    assert stat.S_IMODE(other.stat().st_mode) == 0o664


def test_replaced_file_keeps_its_mode(tmp_path, umask_022):
    path = tmp_path / "shared.txt"
    path.write_text("old")
    path.chmod(0o664)
    write_text_atomic(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o664


def test_a_failure_inside_the_block_keeps_the_old_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("good")
    with pytest.raises(RuntimeError), atomic_open(path) as handle:
        handle.write("half")
        raise RuntimeError("boom")
    assert path.read_text() == "good"
    assert _hidden(tmp_path) == []


def test_a_failure_to_make_the_data_durable_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "out.txt"
    path.write_text("good")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("rnnlens._atomic.os.fsync", full_disk)
    with pytest.raises(OutputError, match=r"No space left on device.*existing file is unchanged"):
        write_text_atomic(path, "new")
    assert path.read_text() == "good"
    assert _hidden(tmp_path) == []


def test_a_failure_to_close_keeps_the_old_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("good")

    class Failing:
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError), atomic_path(path) as tmp, open(tmp, "w") as handle:
        handle.write("x" * 100)
        Failing().write("flush")
    assert path.read_text() == "good"


def test_the_data_and_the_folder_are_synced_before_and_after_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(
        "rnnlens._atomic.os.fsync",
        lambda fd: (
            events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}")).name))
            or real_fsync(fd)
        ),
    )
    monkeypatch.setattr(
        "rnnlens._atomic.os.replace",
        lambda a, b: events.append(("replace", Path(b).name)) or real_replace(a, b),
    )
    write_text_atomic(tmp_path / "out.txt", "x")
    kinds = [kind for kind, _ in events]
    assert kinds == ["fsync", "replace", "fsync"]
    assert events[0][1].startswith(".out.txt.rnnlens-")
    assert events[2][1] == tmp_path.name


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_only_regular_files_are_replaced(tmp_path, kind):
    if kind == "folder":
        target = tmp_path / "out.html"
        target.mkdir()
    elif kind == "fifo":
        target = tmp_path / "out.html"
        os.mkfifo(target)
    else:
        target = Path("/dev/null")
    before = target.stat()
    with pytest.raises(OutputError, match="not a regular file"):
        write_text_atomic(target, "x")
    after = target.stat()
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


def test_a_symlink_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_text_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_missing_folders_are_not_created(tmp_path):
    with pytest.raises(OutputError, match="does not exist.*does not create folders"):
        write_text_atomic(tmp_path / "typo" / "out.txt", "x")
    assert not (tmp_path / "typo").exists()


def test_a_file_as_parent_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is not a folder"):
        write_text_atomic(tmp_path / "file" / "out.txt", "x")


def test_a_read_only_folder_is_refused_before_any_work(tmp_path):
    if os.geteuid() == 0:  # root writes into any folder: use a read-only file system instead
        folder = _mount_tmpfs(tmp_path / "ro", "ro,size=64k")
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="is not writable"):
            check_output_path(folder / "out.npz", (".npz",))
    finally:
        _unmount(folder)


def test_a_full_disk_keeps_the_old_file(tmp_path):
    if os.geteuid() != 0:
        pytest.skip(
            "mounting a tiny tmpfs needs root (the injected failures above cover the logic)"
        )
    folder = _mount_tmpfs(tmp_path / "small", "size=256k")
    try:
        target = folder / "out.txt"
        target.write_text("good")
        with pytest.raises(OutputError, match="No space left on device"):
            write_text_atomic(target, "x" * 2**20)
        assert target.read_text() == "good"
        assert _hidden(folder) == []
    finally:
        _unmount(folder)


def _mount_tmpfs(folder: Path, options: str) -> Path:
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    return folder


def _unmount(folder: Path) -> None:
    if os.path.ismount(folder):
        subprocess.run(["umount", str(folder)], check=True)
    else:
        folder.chmod(0o755)


def test_the_suffix_is_checked(tmp_path):
    with pytest.raises(OutputError, match=r"--out must end in \.npz, \.h5.*out\.xlsx"):
        check_output_path(tmp_path / "out.xlsx", (".npz", ".h5"))
    assert check_output_path(tmp_path / "OUT.NPZ", (".npz",)) == tmp_path / "OUT.NPZ"


def test_stale_temporaries_of_dead_runs_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.npz.rnnlens-{dead.pid}-abc123.tmp.npz"
    stale.write_bytes(b"x" * 1000)
    alive = tmp_path / f".out.npz.rnnlens-{os.getppid()}-def456.tmp.npz"
    alive.write_bytes(b"y")
    unrelated = tmp_path / ".other.npz.rnnlens-1-x.tmp.npz"
    unrelated.write_bytes(b"z")
    assert remove_stale_temporaries(tmp_path / "out.npz") == [stale]
    assert alive.exists() and unrelated.exists()


_SLOW_WRITER = """
import sys, time
import typer
from rnnlens._atomic import atomic_open
from rnnlens.cli._common import user_errors

try:
    with user_errors(), atomic_open(sys.argv[1]) as handle:
        handle.write("partial " * 1000)
        handle.flush()
        print("writing", flush=True)
        time.sleep(60)
except typer.Exit as exc:
    sys.exit(exc.exit_code)
"""


def _start_slow_writer(target: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_SLOW_WRITER), str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KERAS_BACKEND": "numpy", "RNNLENS_DEBUG": "0"},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "writing"
    return process


def test_sigterm_is_handled_like_ctrl_c(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("good")
    process = _start_slow_writer(target)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143
    assert "Interrupted; nothing was written." in stderr
    assert target.read_text() == "good"
    assert _hidden(tmp_path) == []


def test_a_rerun_removes_what_a_killed_run_left(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("good")
    process = _start_slow_writer(target)
    process.kill()
    process.wait(timeout=60)
    left = _hidden(tmp_path)
    assert len(left) == 1 and left[0].startswith(".out.txt.rnnlens-")
    assert target.read_text() == "good"
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert _hidden(tmp_path) == []


def test_npz_writers_that_append_suffixes_still_land_on_the_target(tmp_path):
    target = tmp_path / "arrays.npz"
    with atomic_path(target) as tmp:
        np.savez(tmp, x=np.arange(3))
    with np.load(target) as data:
        np.testing.assert_array_equal(data["x"], np.arange(3))
    assert _hidden(tmp_path) == []
    assert time.time() - target.stat().st_mtime < 60

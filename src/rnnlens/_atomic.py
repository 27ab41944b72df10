"""Atomic file writes: a reader never sees a half-written file, and a failure leaves the old one untouched.

The contract every rnnlens writer follows (``atomic_path``, ``atomic_open``, ``write_text_atomic``):

- The data goes to a hidden temporary file beside the target, named ``.<name>.rnnlens-<pid>-<random>.tmp<suffix>``.
  It is flushed and ``fsync``-ed, renamed over the target, and the folder is ``fsync``-ed, so after a crash the
  target holds either the old file or the complete new one.
- Any failure, including one while flushing or closing (a full disk), removes the temporary file and leaves the
  target as it was; an ``OSError`` becomes an :class:`~rnnlens.errors.OutputError` naming the target.
- A new file gets the mode the umask gives (``0666 & ~umask``, as ``open`` would); a replaced file keeps its
  mode (and, where permitted, its owner).
- Only regular files are replaced: a directory, device, FIFO or socket at the target is refused.
- Symbolic links are followed: the file a link points to is replaced and the link itself stays (as
  ``sed -i --follow-symlinks`` does). A dangling link is written through to the path it names.
- Missing parent folders are not created: a mistyped folder is an error, not a new directory tree.
- Temporary files left by a killed run (SIGKILL, power loss) are removed by the next write to the same target,
  once the process that made them is gone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from rnnlens.errors import OutputError

__all__ = [
    "atomic_open",
    "atomic_path",
    "check_output_path",
    "remove_stale_temporaries",
    "write_text_atomic",
]

_TEMP_MARK = ".rnnlens-"
_TEMP_PATTERN = re.compile(r"\.rnnlens-(?P<pid>\d+)-[^.]+\.tmp")
_active: set[str] = set()  # temporary files this process is writing right now


def check_output_path(
    path: str | os.PathLike[str],
    suffixes: Iterable[str] | None = None,
    *,
    option: str = "--out",
) -> Path:
    """Check, before any work is done, that ``path`` can be written; return the path to write to.

    Args:
        path: where the user wants the file.
        suffixes: the allowed suffixes (lower case, with the dot), or None to accept any.
        option: how to name the argument in messages (``--out``, ``path``).

    Returns:
        The real target: ``path`` itself, or the file a symbolic link at ``path`` points to.

    Raises:
        OutputError: wrong suffix, missing parent folder, a parent that is not a folder or is read-only, or a
            target that exists but is not a regular file.
    """
    if not isinstance(path, str | os.PathLike) or isinstance(path, bytes):
        raise OutputError(
            f"{option} must be a file path (str or pathlib.Path), received {type(path).__name__} "
            f"{path!r}."
        )
    given = Path(os.fspath(path))
    if suffixes is not None:
        allowed = tuple(suffixes)
        if given.suffix.lower() not in allowed:
            raise OutputError(
                f"{option} must end in {', '.join(allowed)}, received {str(given)!r}. "
                "Choose one of those formats."
            )
    if not given.name or given.name in (".", ".."):
        raise OutputError(f"{option} must name a file, received {str(given)!r}.")
    target = Path(os.path.realpath(given))
    parent = target.parent
    if not parent.exists():
        raise OutputError(
            f"Cannot write {str(given)!r}: the folder {str(parent)!r} does not exist. "
            "Create it first (rnnlens does not create folders)."
        )
    if not parent.is_dir():
        raise OutputError(f"Cannot write {str(given)!r}: {str(parent)!r} is not a folder.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"Cannot write {str(given)!r}: the folder {str(parent)!r} is not writable."
        )
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OutputError(f"Cannot write {str(given)!r}: {exc.strerror}.") from exc
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(
            f"Cannot write {str(given)!r}: it exists and is {_kind(info.st_mode)}, not a regular "
            "file. rnnlens replaces only regular files; choose another name."
        )
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only if the block succeeds.

    Use it with writers that insist on a file name (``np.savez``, ``DataFrame.to_parquet``, ``h5py.File``).
    See the module docstring for the full contract.

    Raises:
        OutputError: the target cannot be written (see :func:`check_output_path`), or writing failed with an
            ``OSError`` (disk full, permission denied); the target is then unchanged.
    """
    target = check_output_path(path, option="path")
    remove_stale_temporaries(target)
    mode, owner = _mode_for(target)
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.name}{_TEMP_MARK}{os.getpid()}-",
            suffix=f".tmp{target.suffix}",
            dir=target.parent,
        )
    except OSError as exc:
        raise _output_error(target, exc) from exc
    os.close(fd)
    tmp = Path(name)
    _active.add(name)
    try:
        yield tmp
        _finish(tmp, target, mode, owner)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise _output_error(target, exc) from exc
        raise
    finally:
        _active.discard(name)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; rename it over ``path`` on success.

    A failure to flush or close the file (a full disk) aborts the write like any other failure.
    """
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as handle:
        yield handle


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(path)


def remove_stale_temporaries(target: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files of earlier writes to ``target`` whose process no longer runs.

    A run killed with SIGKILL cannot clean up after itself; the next write to the same target does. Files of a
    process that still runs (another rnnlens writing the same target) are left alone.

    Returns:
        The files removed.
    """
    target = Path(target)
    removed: list[Path] = []
    prefix = f".{target.name}{_TEMP_MARK}"
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix) or entry.path in _active:
            continue
        match = _TEMP_PATTERN.match(entry.name[len(target.name) + 1 :])
        if match is None or _process_alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _finish(tmp: Path, target: Path, mode: int, owner: tuple[int, int] | None) -> None:
    """Give ``tmp`` its final mode, make its data durable, rename it over ``target``, make the rename durable."""
    os.chmod(tmp, mode)
    if owner is not None:
        with contextlib.suppress(OSError):  # only root may give a file away; others keep their own
            os.chown(tmp, *owner)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)
    _fsync_folder(target.parent)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except (
        OSError
    ) as exc:  # some file systems cannot fsync a directory; the data is already durable
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _mode_for(target: Path) -> tuple[int, tuple[int, int] | None]:
    """The mode (and owner) the finished file gets: the replaced file's, or what the umask gives."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return 0o666 & ~_umask(), None
    owner = (info.st_uid, info.st_gid)
    return stat.S_IMODE(info.st_mode), None if owner == (os.geteuid(), os.getegid()) else owner


def _umask() -> int:
    try:  # Linux shows the umask without changing it; os.umask would race with other threads
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own file, but not one we are writing now: a failed earlier write
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OSError:
        return False
    return True


def _output_error(target: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OutputError(
        f"Could not write {str(target)!r}: {reason}. Nothing was written; "
        f"{'the existing file is unchanged' if target.exists() else 'no file was created'}."
    )


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"

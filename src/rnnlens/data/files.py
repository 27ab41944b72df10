"""Opening user files safely: regular files only (never a FIFO or a device), text read strictly as UTF-8."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from rnnlens.errors import DataError

__all__ = ["available_memory", "read_text", "regular_file"]


def regular_file(path: Any, what: str) -> Path:
    """Return ``path`` as a :class:`Path` once it is known to name an existing regular file.

    The check uses ``stat`` only, so a FIFO, a device or a directory is refused without being opened (opening
    a FIFO blocks until a writer appears; ``/dev/zero`` never ends).

    Args:
        path: a ``str`` or ``os.PathLike``.
        what: how to call the file in messages (``"Data file"``, ``"Vocabulary file"``, ...).

    Raises:
        DataError: ``path`` is not a path, does not exist, or is not a regular file.
    """
    if not isinstance(path, str | os.PathLike) or isinstance(path, bytes):
        raise DataError(
            f"{what} must be given as a path (str or pathlib.Path), received "
            f"{type(path).__name__} {path!r}."
        )
    file = Path(path)
    try:
        mode = file.stat().st_mode
    except FileNotFoundError:
        raise DataError(f"{what} {str(file)!r} does not exist. Check the path.") from None
    except OSError as exc:
        raise DataError(f"{what} {str(file)!r} cannot be read: {exc.strerror or exc}.") from None
    if stat.S_ISDIR(mode):
        raise DataError(f"{what} {str(file)!r} is a directory; pass the file inside it.")
    if not stat.S_ISREG(mode):
        raise DataError(
            f"{what} {str(file)!r} is not a regular file (a FIFO, socket or device); rnnlens reads "
            "data only from regular files. Save the data to a file first."
        )
    return file


def read_text(path: Any, what: str) -> str:
    """Read a text file strictly as UTF-8, refusing binary content with the offending byte offset.

    Raises:
        DataError: see :func:`regular_file`; bytes that are not UTF-8, or a NUL byte (a binary file).
    """
    file = regular_file(path, what)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DataError(f"{what} {str(file)!r} cannot be read: {exc.strerror or exc}.") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{what} {file.name!r} is not UTF-8 text: byte {exc.start} is {data[exc.start]:#04x}. "
            "Re-save it as UTF-8 (for example `iconv -t UTF-8`), or check that this is the right file."
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        offset = len(text[:nul].encode("utf-8"))
        raise DataError(
            f"{what} {file.name!r} looks binary: it holds a NUL byte at byte {offset}. Expected UTF-8 "
            "text, one entry per line; check that this is the right file."
        )
    return text.removeprefix("\ufeff")  # a UTF-8 byte-order mark is not part of the first token


def available_memory() -> int | None:
    """Bytes of memory the system can give without swapping (``MemAvailable``), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None

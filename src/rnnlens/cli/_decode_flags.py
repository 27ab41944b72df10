"""How to read a model's predictions, from the command line: ``--threshold``, ``--scaler`` and
``--target-offset``, parsed once for ``predict`` and ``explain`` (one option name, one meaning)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "SCALER_HELP",
    "TARGET_OFFSET_HELP",
    "THRESHOLD_HELP",
    "parse_scaler",
    "parse_threshold",
    "read_validation",
]

THRESHOLD_HELP = (
    "Sigmoid outputs: a number in [0, 1], or `f1` / `youden` to choose it on --validation."
)
SCALER_HELP = 'Regression: `MEAN,STD` of the target, or a JSON file {"mean": ..., "std": ...}.'
TARGET_OFFSET_HELP = "Regression: steps between an output step and the step it estimates."


def parse_threshold(text: str, error: type[Exception] | None = None) -> Any:
    """``--threshold``: a float, or the words ``f1`` / ``youden``.

    Raises:
        OptionError (or ``error``): text that is neither.

    Example:
        >>> parse_threshold("0.3"), parse_threshold("F1")
        (0.3, 'f1')
    """
    if error is None:
        from rnnlens.errors import OptionError as error  # type: ignore[no-redef]
    if text.lower() in ("f1", "youden"):
        return text.lower()
    try:
        return float(text)
    except ValueError:
        raise error(  # type: ignore[misc]
            f"--threshold must be a number in [0, 1] or `f1` / `youden`, received {text!r}."
        ) from None


def parse_scaler(text: str | None) -> Any:
    """``--scaler``: ``MEAN,STD`` or a .json file; a file that is missing or not JSON is bad data
    (``DataError``), text that is neither is a bad option value (``OptionError``).

    Example:
        >>> parse_scaler("2,0.5")
        (2.0, 0.5)
    """
    from rnnlens.errors import DataError, OptionError

    if text is None:
        return None
    if text.lower().endswith(".json"):
        import json

        file = Path(text)
        if not file.is_file():
            raise DataError(f"--scaler file {text!r} does not exist.")
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DataError(f"--scaler file {file.name} is not valid JSON: {exc}") from exc
    parts = text.split(",")
    try:
        mean, std = (float(p) for p in parts)
    except ValueError:
        raise OptionError(
            f"--scaler must be `MEAN,STD` (two numbers) or a .json file, received {text!r}."
        ) from None
    return (mean, std)


def read_validation(path: Path, model: Any, options: Any) -> tuple[Any, Any]:
    """``--validation FILE``: labelled data to choose a threshold on, as ``(dataset, targets)``.

    Raises:
        DataError: the file holds no ground truth (``y``, or numeric ``labels``).
    """
    from rnnlens.data import load_data
    from rnnlens.errors import DataError

    data = load_data(path, model, **options.load_kwargs())
    if data.targets is None:
        raise DataError(
            f"--validation {path.name} holds no ground truth: store it as `y` (or numeric `labels`) "
            "in an .npz."
        )
    return data, data.targets

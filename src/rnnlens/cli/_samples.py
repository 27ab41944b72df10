"""``--samples 0,3,10-12``: which samples of DATA a command explains (``explain`` and ``attribute``)."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_RANGE", "SAMPLES_HELP", "parse_samples", "select_rows"]

MAX_RANGE = 1000  # samples one --samples range may list: a report gives each its own section

SAMPLES_HELP = "Sample indices of DATA, e.g. 0,3,10-12; a negative index counts from the end."


def parse_samples(text: str) -> list[int] | None:
    """``"0,3,10-12"`` -> ``[0, 3, 10, 11, 12]``; empty -> None (every sample, or the first N).

    Raises:
        OptionError: a part that is not an index or an ``a-b`` range, or a range of more than
            ``MAX_RANGE`` samples (an index beyond the data is a ``TargetError``, raised later).

    Example:
        >>> parse_samples("0,3,10-12"), parse_samples("")
        ([0, 3, 10, 11, 12], None)
    """
    from rnnlens.errors import OptionError

    text = text.strip()
    if not text:
        return None
    chosen: list[int] = []
    for part in text.split(","):
        item = part.strip()
        low, dash, high = item.partition("-")
        try:
            start, stop = (int(low), int(high)) if dash and low else (int(item), int(item))
        except ValueError:
            start, stop = 0, -1
        if stop < start:
            raise OptionError(
                f"--samples must list indices and ranges like 0,3,10-12; could not read {item!r}."
            )
        if stop - start + 1 > MAX_RANGE:
            raise OptionError(
                f"--samples range {item!r} lists {stop - start + 1} samples; a report explains a few "
                f"(at most {MAX_RANGE} per range). List the samples you want to read."
            )
        chosen.extend(range(start, stop + 1))
    return chosen


def select_rows(dataset: Any, model: Any, samples: list[int] | None) -> Any:
    """The Dataset restricted to ``samples`` (every per-sample field cut alike); all of it for None.

    Raises:
        TargetError: an index out of range, or one listed twice.
    """
    if samples is None:
        return dataset
    import numpy as np

    from rnnlens.report.collect import select_samples

    index = np.asarray(select_samples(dataset.n_samples, samples, 1))
    changes: dict[str, Any] = {
        "inputs": {name: np.asarray(array)[index] for name, array in dataset.inputs.items()}
    }
    for field in ("sequence_ids", "window_starts", "timestamps", "mask", "targets"):
        value = getattr(dataset, field)
        if value is not None:
            changes[field] = np.asarray(value)[index]
    return dataset.with_fields(**changes)

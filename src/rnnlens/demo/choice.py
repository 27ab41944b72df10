"""Which samples a demo explains: both kinds where the data knows the truth (right and wrong, every class)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["samples_to_explain"]


def samples_to_explain(
    model: Any,
    dataset: Any,
    count: int,
    *,
    labels: Sequence[str] | None = None,
    decode_options: Any = None,
) -> list[int]:
    """Up to ``count`` sample indices, chosen as a report chooses them.

    With targets that can be compared with the model's first output (one class or one value per
    sample), :func:`rnnlens.report.truth.choose_samples` picks right and wrong predictions of every class
    (the largest errors and a spread of true values for regression); otherwise the first ``count``.

    Args:
        model: the ``keras.Model``.
        dataset: a :class:`rnnlens.data.Dataset` holding the inputs and, where known, the targets.
        count: how many samples.
        labels, decode_options: how to read the output (class names; ``threshold``, ``scaler``).

    Returns:
        Sample indices in ascending order.
    """
    from rnnlens.inspection import inspect_model
    from rnnlens.report.truth import choose_samples, truth_over_data

    arrays = dataset.model_inputs(model)
    first = list(range(min(int(count), int(arrays[0].shape[0]))))
    if dataset.targets is None:
        return first
    out = inspect_model(model).output(0)
    truth = truth_over_data(
        model, arrays, dataset.targets, out, labels=labels, decode_options=decode_options
    )
    return first if truth is None else choose_samples(truth, count)

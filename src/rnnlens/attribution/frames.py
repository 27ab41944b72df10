"""An :class:`AttributionResult` as a long table, with its labels, and as named arrays for ``.npz`` files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.attribution.grouping import group_labels, group_positions, group_values

if TYPE_CHECKING:
    import pandas as pd

    from rnnlens.attribution.result import AttributionResult

__all__ = ["label_arrays", "result_frame", "token_text"]


def result_frame(result: AttributionResult) -> pd.DataFrame:
    """One row per cell, or per group for grouped results (see :meth:`AttributionResult.to_dataframe`)."""
    import pandas as pd

    values = result.values
    cell_axes = result.cell_axes
    cell_shape = result.cell_shape
    lead_shape = values.shape[: values.ndim - len(cell_axes)]
    if result.groups is None:
        unit_values = values.reshape(*lead_shape, -1)
        coordinates = {
            axis: grid.ravel() for axis, grid in zip(cell_axes, np.indices(cell_shape), strict=True)
        }
        first_cells: np.ndarray | None = np.arange(int(np.prod(cell_shape)))
        labels = None
    else:
        groups = result.groups
        unit_values = group_values(values, groups)
        coordinates = {}
        for k, axis in enumerate(cell_axes):
            positions = group_positions(groups, k)
            if np.all(positions >= 0):
                coordinates[axis] = positions
        labels = group_labels(groups)
        sizes = np.array([np.count_nonzero(groups == label) for label in labels])
        flat = groups.ravel()
        first_cells = (
            np.array([np.flatnonzero(flat == label)[0] for label in labels], int)
            if np.all(sizes == 1)
            else None
        )
    grids = np.meshgrid(
        *[np.arange(n) for n in lead_shape], np.arange(unit_values.shape[-1]), indexing="ij"
    )
    sample = grids[0].ravel()
    unit = grids[-1].ravel()
    columns: dict[str, Any] = {"sample": sample}
    if result.sample_ids is not None:
        columns["sample_id"] = result.sample_ids[sample]
    if "output_time" in result.axes:
        times = grids[1].ravel()
        columns["output_time"] = (
            np.asarray(result.output_times)[times] if result.output_times is not None else times
        )
    if labels is not None:
        columns["group"] = labels[unit]
    for axis in cell_axes:
        if axis not in coordinates:
            continue
        position = coordinates[axis][unit]
        columns[axis] = position
        if axis in ("time", "token") and result.timestamps is not None:
            columns["timestamp"] = result.timestamps[sample, position]
        if axis == "feature" and result.feature_names is not None:
            columns["feature_name"] = np.asarray(result.feature_names)[position]
    if first_cells is not None:
        inputs = np.asarray(result.inputs).reshape(len(result.inputs), -1)
        columns["input"] = inputs[sample, first_cells[unit]]
        if result.vocab is not None:
            columns["text"] = np.asarray(result.vocab)[columns["input"]]
    columns["attribution"] = unit_values.ravel()
    frame = pd.DataFrame(columns)
    frame.attrs.update(
        {"input_name": result.input_name, "method": result.method, "target": result.target}
    )
    return frame


def token_text(result: AttributionResult) -> np.ndarray | None:
    """``(sample, token)`` the text of every token id, or None without a vocabulary."""
    if result.vocab is None:
        return None
    return np.asarray(result.vocab)[np.asarray(result.inputs)]


def label_arrays(result: AttributionResult) -> dict[str, np.ndarray]:
    """The labels a result carries, as arrays NumPy stores without pickling (for ``.npz`` files)."""
    arrays: dict[str, np.ndarray] = {}
    if result.feature_names is not None:
        arrays["feature_names"] = np.asarray(result.feature_names, dtype=str)
    if result.sample_ids is not None:
        arrays["sample_ids"] = result.sample_ids
    if result.timestamps is not None:
        arrays["timestamps"] = result.timestamps
    text = token_text(result)
    if text is not None:
        arrays["token_text"] = text
    if result.groups is not None:
        arrays["groups"] = result.groups
    return arrays

"""AttributionResult: attributions with named axes, and the ways to read them."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens._atomic import atomic_path
from rnnlens.errors import DataError, ShapeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AttributionResult", "save_results"]

_SUFFIXES = (".npz", ".parquet", ".csv")


@dataclass(frozen=True, eq=False)
class AttributionResult:
    """Attributions of one model input to one target, for a batch of samples.

    Attributes:
        values: the attributions. Axes in ``axes``: ``("sample", "time", "feature")`` for float inputs,
            ``("sample", "token")`` for token inputs (summed over the embedding axis), with an
            ``"output_time"`` axis after ``"sample"`` when every output step was explained.
        axes: the names of the axes of ``values``.
        input_name: the model input these attributions belong to.
        method: the registry name of the method (``"integrated_gradients"``, ...).
        target: what was explained, in words.
        inputs: the input batch: ``(sample, time, feature)`` values or ``(sample, token)`` ids.
        outputs: the explained value ``F(x)`` per sample (and output step).
        baseline_outputs: ``F(baseline)`` (methods that integrate from a baseline), else None.
        completeness_gap: integrated gradients only: ``sum of attributions over all inputs -
            (F(x) - F(baseline))``, per sample (and output step); 0 for exact integration.
        output_times: the output steps of the ``"output_time"`` axis, if any.
        options: the method options used (``n_steps``, ``window``, ...).
    """

    values: np.ndarray
    axes: tuple[str, ...]
    input_name: str
    method: str
    target: str
    inputs: np.ndarray
    outputs: np.ndarray
    baseline_outputs: np.ndarray | None = None
    completeness_gap: np.ndarray | None = None
    output_times: tuple[int, ...] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        """Notebook display: the attribution heatmap (or coloured tokens) of the first samples, escaped."""
        from rnnlens.report.html import result_html

        return result_html(self)

    @property
    def tokens(self) -> bool:
        """True when the input holds token ids (one score per token)."""
        return "token" in self.axes

    @property
    def relative_gap(self) -> np.ndarray | None:
        """``|completeness_gap| / |F(x) - F(baseline)|`` (None unless the method reports a gap)."""
        if self.completeness_gap is None or self.baseline_outputs is None:
            return None
        scale = np.abs(self.outputs - self.baseline_outputs)
        return np.abs(self.completeness_gap) / np.maximum(scale, np.finfo(np.float32).tiny)

    def by_time(self) -> np.ndarray:
        """Attributions summed over features: axes ``(sample, [output_time,] time)`` (tokens: unchanged)."""
        if self.tokens:
            return self.values
        if "time" not in self.axes:
            raise ShapeError(f"Input {self.input_name!r} has no time axis (axes {self.axes}).")
        return self.values.sum(axis=-1)

    def by_feature(self) -> np.ndarray:
        """Attributions summed over time: axes ``(sample, [output_time,] feature)``.

        Raises:
            ShapeError: token inputs have no feature axis (use :meth:`by_time`).
        """
        if "feature" not in self.axes:
            raise ShapeError(
                f"Input {self.input_name!r} has axes {self.axes} and no feature axis; use by_time() for "
                "one score per token."
            )
        return self.values.sum(axis=self.axes.index("time")) if "time" in self.axes else self.values

    def to_dataframe(self) -> pd.DataFrame:
        """One row per cell: the axis indices, ``input`` (value or token id) and ``attribution``."""
        import pandas as pd

        grids = np.meshgrid(*[np.arange(n) for n in self.values.shape], indexing="ij")
        columns: dict[str, Any] = {
            axis: grid.ravel() for axis, grid in zip(self.axes, grids, strict=True)
        }
        if "output_time" in columns and self.output_times is not None:
            columns["output_time"] = np.asarray(self.output_times)[columns["output_time"]]
        input_axes = [axis for axis in self.axes if axis != "output_time"]
        index = tuple(grids[self.axes.index(axis)].ravel() for axis in input_axes)
        columns["input"] = self.inputs[index]
        columns["attribution"] = self.values.ravel()
        frame = pd.DataFrame(columns)
        frame.attrs.update(
            {"input_name": self.input_name, "method": self.method, "target": self.target}
        )
        return frame

    def top_k(self, k: int = 10, sample: int | None = None) -> pd.DataFrame:
        """The ``k`` cells with the largest absolute attribution, largest first.

        Args:
            k: how many cells.
            sample: restrict to one sample (None: over all samples).

        Returns:
            A DataFrame with the axis columns, ``input`` and ``attribution``.

        Example:
            >>> result.top_k(3, sample=0)  # doctest: +SKIP
        """
        frame = self.to_dataframe()
        if sample is not None:
            if not -self.values.shape[0] <= sample < self.values.shape[0]:
                raise ShapeError(
                    f"Argument `sample` is {sample} but the result holds {self.values.shape[0]} samples."
                )
            frame = frame[frame["sample"] == sample % self.values.shape[0]]
        order = np.argsort(-np.abs(frame["attribution"].to_numpy()), kind="stable")[: max(k, 0)]
        return frame.iloc[order].reset_index(drop=True)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the result atomically: ``.npz`` (arrays + metadata), ``.parquet`` or ``.csv`` (long table).

        Raises:
            DataError: an unsupported file suffix.
        """
        return save_results([self], path)

    def metadata(self) -> dict[str, Any]:
        """JSON-serialisable description: input, method, target, axes, options, gap summary."""
        gap = self.relative_gap
        return {
            "input_name": self.input_name,
            "method": self.method,
            "target": self.target,
            "axes": list(self.axes),
            "shape": list(self.values.shape),
            "output_times": list(self.output_times) if self.output_times is not None else None,
            "options": {key: _jsonable(value) for key, value in self.options.items()},
            "max_relative_completeness_gap": float(np.max(gap)) if gap is not None else None,
        }

    def __repr__(self) -> str:
        return (
            f"AttributionResult(input={self.input_name!r}, method={self.method!r}, target={self.target!r}, "
            f"axes={self.axes}, shape={self.values.shape})"
        )


def save_results(results: Sequence[AttributionResult], path: str | os.PathLike[str]) -> Path:
    """Save one result per input to one file, atomically (see :meth:`AttributionResult.save`).

    ``.npz`` stores ``<input>/values``, ``<input>/inputs``, ... and a JSON ``metadata`` entry; tables get an
    ``input_name`` column.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in _SUFFIXES:
        raise DataError(
            f"Cannot save attributions to {str(target)!r}: expected a file ending in "
            f"{', '.join(_SUFFIXES)}, received {suffix or 'no suffix'!r}."
        )
    if suffix == ".npz":
        arrays: dict[str, np.ndarray] = {}
        for result in results:
            prefix = result.input_name
            arrays[f"{prefix}/values"] = result.values
            arrays[f"{prefix}/inputs"] = result.inputs
            arrays[f"{prefix}/outputs"] = result.outputs
            if result.completeness_gap is not None:
                arrays[f"{prefix}/completeness_gap"] = result.completeness_gap
            if result.baseline_outputs is not None:
                arrays[f"{prefix}/baseline_outputs"] = result.baseline_outputs
        arrays["metadata"] = np.asarray(json.dumps([r.metadata() for r in results]))
        with atomic_path(target) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
        return target
    import pandas as pd

    frames = []
    for result in results:
        frame = result.to_dataframe()
        frame.insert(0, "input_name", result.input_name)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    with atomic_path(target) as tmp:
        if suffix == ".parquet":
            table.to_parquet(tmp, index=False)
        else:
            table.to_csv(tmp, index=False)
    return target


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return repr(value)

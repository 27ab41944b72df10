"""AttributionResult: attributions with named axes, and the ways to read them."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens._atomic import atomic_path, check_output_path
from rnnlens.attribution.frames import label_arrays, result_frame
from rnnlens.attribution.grouping import group_values, reduce_to_axis
from rnnlens.attribution.labels import InputLabels, check_labels
from rnnlens.attribution.options import check_positive_int
from rnnlens.errors import OptionError, ShapeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AttributionResult", "save_results"]

SAVE_SUFFIXES = (".npz", ".parquet", ".csv")


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
        feature_names: ``(feature,)`` names of the feature axis, when known.
        sample_ids: ``(sample,)`` an id per sample (e.g. the sequence id of a long table), when known.
        timestamps: ``(sample, time)`` the time of every step, when known.
        vocab: the token vocabulary (position = token id) of a token input, when known.
        groups: for methods that measure one value per group of cells (feature ablation): the group map
            ``(time, feature)`` or ``(token,)`` of integer group ids, ``-1`` for cells in no group. Every
            cell of a group holds the group's value; :meth:`group_values`, :meth:`by_time`,
            :meth:`by_feature`, :meth:`to_dataframe` and :meth:`top_k` count each group once.
        standard_errors: sampled estimators: the standard error of every value (shape of ``values``).
        players: Shapley values: one row per player of this input (value, standard error, span).
        faithfulness: per row (shape of ``outputs``): how much faster the output moves when cells are
            deleted (towards the background's mean, else the baseline) in the attribution's order than
            in random orders, as a share of ``|F(x) - F(deleted)|``; 0: no better than random, > 0:
            better (see :mod:`rnnlens.attribution.faithfulness`). NaN where nothing changes.
        warnings: what may make this explanation mislead (a zero baseline, an unconverged integral).
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
    feature_names: tuple[str, ...] | None = None
    sample_ids: np.ndarray | None = None
    timestamps: np.ndarray | None = None
    vocab: tuple[str, ...] | None = None
    groups: np.ndarray | None = None
    standard_errors: np.ndarray | None = None
    players: pd.DataFrame | None = None
    faithfulness: np.ndarray | None = None
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        given = InputLabels.given(self.feature_names, self.sample_ids, self.timestamps, self.vocab)
        for name in ("feature_names", "sample_ids", "timestamps", "vocab"):
            object.__setattr__(self, name, getattr(given, name))
        check_labels(
            tuple(self.values.shape),
            self.axes,
            self.inputs,
            feature_names=self.feature_names,
            sample_ids=self.sample_ids,
            timestamps=self.timestamps,
            vocab=self.vocab,
        )
        if self.groups is not None:
            groups = np.asarray(self.groups)
            if groups.shape != self.cell_shape or not np.issubdtype(groups.dtype, np.integer):
                raise ShapeError(
                    f"Argument `groups` must be an integer map of the cells, shape {self.cell_shape}; "
                    f"received dtype {groups.dtype} and shape {groups.shape}."
                )
            object.__setattr__(self, "groups", groups)
        for name, like, what in (
            ("standard_errors", self.values, "values"),
            ("faithfulness", self.outputs, "outputs"),
        ):
            given = getattr(self, name)
            if given is None:
                continue
            array = np.asarray(given, dtype=np.float64)
            if array.shape != np.shape(like):
                raise ShapeError(
                    f"Argument `{name}` must have the shape of `{what}`, {np.shape(like)}; received "
                    f"{array.shape}."
                )
            object.__setattr__(self, name, array)
        object.__setattr__(self, "warnings", tuple(str(text) for text in self.warnings))

    def _repr_html_(self) -> str:
        """Notebook display: the attribution heatmap (or coloured tokens) of the first samples, escaped."""
        from rnnlens.display import to_html

        return to_html(self)

    @property
    def tokens(self) -> bool:
        """True when the input holds token ids (one score per token)."""
        return "token" in self.axes

    @property
    def cell_axes(self) -> tuple[str, ...]:
        """The input's own axes: ``("time", "feature")`` or ``("token",)``."""
        return tuple(axis for axis in self.axes if axis not in ("sample", "output_time"))

    @property
    def cell_shape(self) -> tuple[int, ...]:
        """The shape of the input's own axes (see :attr:`cell_axes`)."""
        return tuple(self.values.shape[len(self.axes) - len(self.cell_axes) :])

    @property
    def relative_gap(self) -> np.ndarray | None:
        """``|completeness_gap| / |F(x) - F(baseline)|`` (None unless the method reports a gap)."""
        if self.completeness_gap is None or self.baseline_outputs is None:
            return None
        scale = np.abs(self.outputs - self.baseline_outputs)
        return np.abs(self.completeness_gap) / np.maximum(scale, np.finfo(np.float32).tiny)

    def with_labels(
        self,
        *,
        feature_names: Sequence[str] | None = None,
        sample_ids: Any = None,
        timestamps: Any = None,
        vocab: Sequence[str] | None = None,
    ) -> AttributionResult:
        """A copy with the given labels set (validated against the result's axes).

        Raises:
            ShapeError: a label does not line up with its axis. DataError: token ids beyond ``vocab``.
        """
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("feature_names", feature_names),
                ("sample_ids", sample_ids),
                ("timestamps", timestamps),
                ("vocab", vocab),
            )
            if value is not None
        }
        return replace(self, **changes)

    def group_values(self) -> np.ndarray:
        """One value per group: ``(sample, [output_time,] group)``, groups in increasing id order.

        For results without groups every cell is its own group (cells in row-major order).
        """
        if self.groups is None:
            return self.values.reshape(*self.values.shape[: -len(self.cell_axes)], -1)
        return group_values(self.values, self.groups)

    def by_time(self) -> np.ndarray:
        """Attributions per step: axes ``(sample, [output_time,] time)`` (tokens: one per token).

        Summed over features; for grouped results, each group lying at a step counts once.

        Raises:
            ShapeError: no time axis, or a group spans several steps.
        """
        step_axis = "token" if self.tokens else "time"
        if step_axis not in self.axes:
            raise ShapeError(f"Input {self.input_name!r} has no time axis (axes {self.axes}).")
        if self.groups is not None:
            return self._grouped(step_axis)
        return self.values if self.tokens else self.values.sum(axis=-1)

    def by_feature(self) -> np.ndarray:
        """Attributions per feature: axes ``(sample, [output_time,] feature)``.

        Summed over time; for grouped results, each group lying on a feature counts once.

        Raises:
            ShapeError: token inputs have no feature axis (use :meth:`by_time`), or a group spans several
                features.
        """
        if "feature" not in self.axes:
            raise ShapeError(
                f"Input {self.input_name!r} has axes {self.axes} and no feature axis; use by_time() for "
                "one score per token."
            )
        if self.groups is not None:
            return self._grouped("feature")
        return self.values.sum(axis=self.axes.index("time")) if "time" in self.axes else self.values

    def _grouped(self, axis: str) -> np.ndarray:
        groups = self.groups if self.groups is not None else np.zeros(self.cell_shape, int)
        return reduce_to_axis(
            self.values, groups, self.cell_axes.index(axis), axis, self.input_name
        )

    def to_dataframe(self) -> pd.DataFrame:
        """One row per cell (per group for grouped results): axis indices, labels, input, attribution.

        Columns: ``sample`` (and ``sample_id``), ``output_time`` for every-step targets, ``group`` for
        grouped results, the cell coordinates ``time`` (and ``timestamp``), ``feature`` (and
        ``feature_name``) or ``token`` (and ``timestamp``), ``input`` (the value or token id; and ``text``
        with a vocabulary) and ``attribution``. A grouped result has a coordinate column only where every
        group lies at one index of that axis, and ``input`` only when every group is a single cell.
        """
        return result_frame(self)

    def top_k(self, k: int = 10, sample: int | None = None) -> pd.DataFrame:
        """The ``k`` cells (groups, for grouped results) with the largest absolute attribution.

        Args:
            k: how many rows, ``>= 0``.
            sample: restrict to one sample (None: over all samples).

        Returns:
            A DataFrame with the columns of :meth:`to_dataframe`, largest ``|attribution|`` first.

        Raises:
            OptionError: ``k`` is not an integer ``>= 0``. ShapeError: ``sample`` is out of range.

        Example:
            >>> result = rnnlens.attribute(model, x, target=(5, 0))
            >>> result.top_k(2, sample=0)[["time", "feature"]]
               time  feature
            0     5        0
            1     4        0
        """
        k = check_positive_int(k, "k", minimum=0)
        frame = self.to_dataframe()
        if sample is not None:
            if isinstance(sample, bool) or not isinstance(sample, int | np.integer):
                raise OptionError(f"Argument `sample` must be an int, received {sample!r}.")
            if not -self.values.shape[0] <= sample < self.values.shape[0]:
                raise ShapeError(
                    f"Argument `sample` is {sample} but the result holds {self.values.shape[0]} samples."
                )
            frame = frame[frame["sample"] == sample % self.values.shape[0]]
        order = np.argsort(-np.abs(frame["attribution"].to_numpy()), kind="stable")[:k]
        return frame.iloc[order].reset_index(drop=True)

    def diagnostics(self) -> pd.DataFrame:
        """How far to trust each explained row: one row per sample (and output step).

        Columns: ``sample`` (``sample_id``, ``output_time`` when the result has them), ``output``
        ``F(x)``, ``baseline_output`` ``F(b)``, ``output_change`` ``F(x) - F(b)``, ``completeness_gap``,
        ``relative_gap``, ``max_standard_error`` (sampled estimators), ``faithfulness`` (vs random
        orders), ``weak`` and ``reason`` (the rules of :mod:`rnnlens.attribution.diagnostics`), and
        ``n_steps`` (quadrature points used) after adaptive integration. NaN where a method does not
        report a quantity.

        Example:
            >>> result = rnnlens.attribute(model, x, target=(5, 0), background=x_train)
            >>> list(result.diagnostics().columns[:4])
            ['sample', 'output', 'baseline_output', 'output_change']
        """
        from rnnlens.attribution.diagnostics import diagnostics_frame

        return diagnostics_frame(self)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the result atomically: ``.npz`` (arrays + labels + metadata), ``.parquet`` or ``.csv``.

        Raises:
            OutputError: an unsupported file suffix, or a path that cannot be written.
        """
        return save_results([self], path)

    def metadata(self) -> dict[str, Any]:
        """JSON-serialisable description: input, method, target, axes, options, labels, gap summary."""
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
            "max_standard_error": float(np.max(self.standard_errors))
            if self.standard_errors is not None and self.standard_errors.size
            else None,
            "mean_faithfulness": _nanmean(self.faithfulness),
            "players": self.players is not None,
            "warnings": list(self.warnings),
            "feature_names": list(self.feature_names) if self.feature_names is not None else None,
            "grouped": self.groups is not None,
        }

    def __repr__(self) -> str:
        return (
            f"AttributionResult(input={self.input_name!r}, method={self.method!r}, target={self.target!r}, "
            f"axes={self.axes}, shape={self.values.shape})"
        )


def save_results(results: Sequence[AttributionResult], path: str | os.PathLike[str]) -> Path:
    """Save one result per input to one file, atomically (see :meth:`AttributionResult.save`).

    ``.npz`` stores ``<input>/values``, ``<input>/inputs``, ``<input>/outputs``, the diagnostics the
    result carries (``baseline_outputs``, ``completeness_gap``, ``standard_errors``, ``faithfulness``;
    ``players`` as a JSON records table), the labels (``<input>/feature_names``, ``sample_ids``,
    ``timestamps``, ``token_text``, ``groups``) and a JSON ``metadata`` entry (warnings included); tables (see :meth:`AttributionResult.to_dataframe`) get an ``input_name``
    column.
    """
    check_output_path(path, SAVE_SUFFIXES, option="path")
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".npz":
        arrays: dict[str, np.ndarray] = {}
        for result in results:
            prefix = result.input_name
            arrays[f"{prefix}/values"] = result.values
            arrays[f"{prefix}/inputs"] = result.inputs
            arrays.update(
                {f"{prefix}/{name}": array for name, array in label_arrays(result).items()}
            )
            arrays[f"{prefix}/outputs"] = result.outputs
            if result.completeness_gap is not None:
                arrays[f"{prefix}/completeness_gap"] = result.completeness_gap
            if result.baseline_outputs is not None:
                arrays[f"{prefix}/baseline_outputs"] = result.baseline_outputs
            if result.standard_errors is not None:
                arrays[f"{prefix}/standard_errors"] = result.standard_errors
            if result.faithfulness is not None:
                arrays[f"{prefix}/faithfulness"] = result.faithfulness
            if result.players is not None:  # a JSON table: .npz files hold no pickled frames
                arrays[f"{prefix}/players"] = np.asarray(
                    result.players.to_json(orient="records", double_precision=15)
                )
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


def _nanmean(values: np.ndarray | None) -> float | None:
    if values is None or not np.any(np.isfinite(values)):
        return None
    return float(np.nanmean(values))


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return repr(value)

"""One worker's job: a chunk of sequences in, one row per sequence out (the schema of :mod:`.schema`).

A :class:`ChunkWorker` loads the model once (in safe mode unless the spec says otherwise) and then turns
chunks into rows with the library's own functions: :func:`rnnlens.decode` for predictions,
:func:`rnnlens.attribute` (with its completeness gap and faithfulness) for attributions and
:func:`rnnlens.trace` for trace summaries. The same chunk gives the same rows in any process or engine:
nothing depends on what ran before, and sampled methods are seeded with ``seed + chunk index``.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import UnsupportedLayerError
from rnnlens.fleet.chunks import SequenceChunk
from rnnlens.fleet.options import WorkerSpec
from rnnlens.fleet.schema import fleet_schema

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ChunkWorker", "limit_threads", "target_from_dict"]

_SATURATING = ("input_gate", "forget_gate", "output_gate", "update_gate", "reset_gate")


def limit_threads(threads: int | None) -> None:
    """Ask TensorFlow, JAX and OpenMP for ``threads`` compute threads; call before Keras is imported."""
    if threads is None:
        return
    count = str(max(1, int(threads)))
    for name in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = count
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    flags = os.environ.get("XLA_FLAGS", "")
    if "intra_op_parallelism_threads" not in flags:
        os.environ["XLA_FLAGS"] = (
            f"{flags} --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={count}"
        ).strip()


def target_from_dict(data: dict[str, Any] | None) -> Any:
    """The :class:`rnnlens.attribution.Target` that :func:`rnnlens.fleet.options.target_to_dict` wrote."""
    if data is None:
        return None
    from rnnlens.attribution import Target

    time = data.get("time")
    if isinstance(time, list):
        time = slice(time[0], time[1])
    return Target(
        output=data.get("output", 0),
        time=time,
        unit=data.get("unit"),
        reduce=data.get("reduce", "sum"),
    )


class ChunkWorker:
    """Rows for chunks of sequences, with the model loaded once.

    Args:
        spec: the model file, safe mode, options and feature names.

    Raises:
        ModelLoadError: the model cannot be loaded. UnsupportedLayerError: a multi-input model.
        DataError, ShapeError: an unreadable or ill-fitting background.

    Example:
        >>> model.save(folder / "worker.keras")
        >>> from rnnlens.fleet.options import FleetOptions
        >>> from rnnlens.fleet.chunks import ChunkSpec
        >>> worker = ChunkWorker(WorkerSpec(str(folder / "worker.keras"),
        ...     options=FleetOptions(tasks=("predict",))))
        >>> rows = worker(SequenceChunk(ChunkSpec(0, 0, 4), np.arange(4), x))
        >>> rows.column_names
        ['id', 'chunk', 'position', 'prediction', 'score']
    """

    def __init__(self, spec: WorkerSpec) -> None:
        limit_threads(spec.threads)
        import rnnlens
        from rnnlens.fleet.sources import input_format

        self.spec = spec
        self.options = spec.options
        self.model = rnnlens.load_model(spec.model_path, safe_mode=spec.safe_mode)
        self.input = input_format(self.model)
        self.model_spec = rnnlens.inspect_model(self.model)
        self.target = target_from_dict(
            None if self.options.target is None else dict(self.options.target)
        )
        self.background = None
        if self.options.background is not None and "attribute" in self.options.tasks:
            data = rnnlens.load_data(self.options.background, self.model)
            self.background = data.model_inputs(self.model)[0]

    def __call__(self, chunk: SequenceChunk) -> pa.Table:
        """One row per sequence of ``chunk``, in its order (see :mod:`rnnlens.fleet.schema`)."""
        import pyarrow as pa

        n = len(chunk.ids)
        columns: dict[str, Any] = {
            "id": chunk.ids,
            "chunk": np.full(n, chunk.spec.index, dtype=np.int32),
            "position": np.arange(chunk.spec.start, chunk.spec.start + n, dtype=np.int64),
        }
        regression = False
        if "predict" in self.options.tasks:
            regression, prediction, score = self._predict(chunk)
            columns["prediction"], columns["score"] = prediction, score
        if "attribute" in self.options.tasks:
            columns.update(self._attribute(chunk))
        trace_columns: dict[str, np.ndarray] = {}
        if "trace-summary" in self.options.tasks:
            trace_columns = self._trace_summary(chunk)
            columns.update(trace_columns)
        schema = fleet_schema(
            self.options.tasks,
            id_type="int64" if chunk.ids.dtype.kind in "iu" else "string",
            regression=regression,
            trace_columns=tuple(trace_columns),
        )
        return pa.Table.from_pydict(
            {name: _arrow(columns[name], schema.field(name).type) for name in schema.names},
            schema=schema,
        )

    def _predict(self, chunk: SequenceChunk) -> tuple[bool, Any, np.ndarray]:
        import rnnlens

        decoded = rnnlens.decode(self.model, chunk.inputs, spec=self.model_spec)
        table = decoded.table
        if decoded.per_timestep:
            table = table[table["step"] == table.groupby("sample")["step"].transform("max")]
        table = table.sort_values("sample", kind="stable")
        if decoded.kind == "regression":
            values = table["value"].to_numpy(np.float64)
            return True, values, values
        if decoded.kind == "binary":
            return (
                False,
                table["predicted"].astype(str).to_numpy(),
                table["confidence"].to_numpy(np.float64),
            )
        if decoded.kind == "categorical":
            return (
                False,
                table["label"].astype(str).to_numpy(),
                table["probability"].to_numpy(np.float64),
            )
        raise UnsupportedLayerError(
            f"`rnnlens batch` decodes regression, binary and categorical heads; this model's output is "
            f"read as {decoded.kind!r}. Drop the predict task (--tasks attribute) or use `rnnlens predict`."
        )

    def _attribute(self, chunk: SequenceChunk) -> dict[str, Any]:
        import rnnlens
        from rnnlens.attribution.diagnostics import RnnlensWarning
        from rnnlens.attribution.registry import method_info

        options: dict[str, Any] = {}
        if self.options.n_steps is not None:
            options["n_steps"] = self.options.n_steps
        if self.options.method is not None:
            names = {option.name for option in method_info(self.options.method).options}
            if "seed" in names:
                options["seed"] = int(self.options.seed) + chunk.spec.index
        with warnings.catch_warnings():  # the zero-baseline warning is said once, by the caller
            warnings.simplefilter("ignore", RnnlensWarning)
            result = rnnlens.attribute(
                self.model,
                chunk.inputs,
                method=self.options.method,
                target=self.target,
                background=self.background,
                faithfulness=self.options.faithfulness,
                **options,
            )
        if isinstance(result, tuple):  # pragma: no cover - single-input models only
            result = result[0]
        if "output_time" in result.axes:
            raise UnsupportedLayerError(
                "`rnnlens batch` explains one value per sequence; an every-step target ('all') gives "
                "one per step. Choose a step or a window: --target T,K or --target A:B,K."
            )
        n = result.values.shape[0]
        per_step = result.by_time().astype(np.float32)
        per_feature = (
            np.zeros((n, 0), np.float32)
            if result.tokens
            else result.by_feature().astype(np.float32)
        )
        return {
            "attribution_per_feature": list(per_feature),
            "attribution_per_step": list(per_step),
            "top_contributions": self._top(result.values),
            "output": _floats(result.outputs, n),
            "baseline_output": _floats(result.baseline_outputs, n),
            "completeness_gap": _floats(result.completeness_gap, n),
            "relative_gap": _floats(result.relative_gap, n),
            "faithfulness": _floats(result.faithfulness, n),
        }

    def _top(self, values: np.ndarray) -> list[list[dict[str, Any]]]:
        """Each sequence's ``top_k`` cells by ``|value|`` (ties: the earlier cell first)."""
        k = self.options.top_k
        n = values.shape[0]
        flat = values.reshape(n, -1)
        features = 1 if values.ndim == 2 else values.shape[-1]
        names = self.spec.feature_names
        rows = []
        for row in flat:
            order = np.argsort(-np.abs(row), kind="stable")[:k]
            rows.append(
                [
                    {
                        "step": int(cell // features),
                        "feature": _feature_name(int(cell % features), names, values.ndim == 2),
                        "value": float(row[cell]),
                    }
                    for cell in order
                ]
            )
        return rows

    def _trace_summary(self, chunk: SequenceChunk) -> dict[str, np.ndarray]:
        import rnnlens

        trace = rnnlens.trace(self.model, chunk.inputs)
        low = self.options.saturation
        columns: dict[str, np.ndarray] = {}
        for layer in trace.layers:
            hidden = np.asarray(layer.hidden, np.float64)  # (sample, time, units)
            valid = (
                np.ones(hidden.shape[:2], bool)
                if layer.mask is None
                else np.asarray(layer.mask, bool)
            )
            last = _last_valid(hidden, valid)
            columns[f"{layer.key}/final_state_norm"] = np.linalg.norm(last, axis=-1)
            for gate in layer.gate_names:
                if gate not in _SATURATING:
                    continue
                values = np.asarray(layer.gates[gate], np.float64)
                pinned = ((values < low) | (values > 1 - low)).mean(axis=-1)  # per step
                counted = np.where(valid, pinned, 0.0).sum(axis=1)
                columns[f"{layer.key}/{gate}_saturation"] = counted / np.maximum(
                    valid.sum(axis=1), 1
                )
        return columns


def _last_valid(hidden: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``(sample, units)`` the hidden state at each sample's last real step."""
    steps = np.arange(hidden.shape[1])
    last = np.where(valid, steps, -1).max(axis=1).clip(min=0)
    return hidden[np.arange(hidden.shape[0]), last]


def _feature_name(index: int, names: tuple[str, ...] | None, tokens: bool) -> str:
    if tokens:
        return "token"
    return names[index] if names is not None and index < len(names) else str(index)


def _floats(values: Any, n: int) -> np.ndarray:
    """``(n,)`` float64; NaN where a method does not report the quantity."""
    if values is None:
        return np.full(n, np.nan)
    array = np.asarray(values, np.float64)
    return array.reshape(n, -1)[:, 0] if array.ndim > 1 else array


def _arrow(values: Any, kind: pa.DataType) -> pa.Array:
    import pyarrow as pa

    if pa.types.is_list(kind) and pa.types.is_floating(kind.value_type):
        return pa.array([np.asarray(v, np.float32) for v in values], type=kind)
    return pa.array(values, type=kind)

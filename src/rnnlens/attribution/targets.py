"""Which output value to explain: turn a Captum-style ``target`` into per-row weights on one output.

Every target is a linear read-out of one model output: ``F(row) = sum(output * weights[row])`` over the
non-batch axes. One cell, a window sum or mean, the predicted class, a per-sample class: all are weights.
"Every step" (``Target(time="all")``) gives each sample one row per output step, so the result gains an
``output_time`` axis: the output-time x input-time matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from rnnlens.errors import TargetError

__all__ = ["ResolvedTarget", "Target", "resolve_target"]

TimeSpec = int | slice | tuple[int, int] | Literal["all"] | None
UnitSpec = int | Literal["predicted"] | Sequence[int] | None


@dataclass(frozen=True)
class Target:
    """A target spelled out in full (the short forms ``k``, ``(t, k)`` and ``"predicted"`` map onto it).

    Args:
        output: which model output, by index or name.
        time: for a sequence output ``(batch, time, units)``: a step ``t`` (negative counts from the end),
            a window ``slice(a, b)`` or ``(a, b)`` (steps ``a <= t < b``), or ``"all"`` for every step.
            Must be None for an output without a time axis.
        unit: the unit / class index ``k``, ``"predicted"`` (argmax of the output, per sample and step),
            or one index per sample. None is allowed when the output has a single unit.
        reduce: how a window is combined: ``"sum"`` or ``"mean"``.

    Example:
        >>> Target(time="all", unit="predicted")  # each decoder step's predicted token
        Target(output=0, time='all', unit='predicted', reduce='sum')
    """

    output: int | str = 0
    time: TimeSpec = None
    unit: UnitSpec = None
    reduce: Literal["sum", "mean"] = "sum"


@dataclass(frozen=True, eq=False)
class ResolvedTarget:
    """A target made concrete for one batch.

    ``weights`` has shape ``(samples * per_sample,) + output.shape[1:]``; rows are sample-major.
    ``per_sample`` is the number of output steps for ``time="all"`` (then ``output_times`` lists them) and
    1 otherwise.
    """

    output: int
    output_name: str
    weights: np.ndarray
    per_sample: int
    output_times: tuple[int, ...] | None
    description: str

    @property
    def n_rows(self) -> int:
        """Rows to explain: samples x per_sample."""
        return int(self.weights.shape[0])

    def row_samples(self) -> np.ndarray:
        """The sample index of each row."""
        return np.arange(self.n_rows) // self.per_sample

    def values(self, outputs: list[np.ndarray]) -> np.ndarray:
        """``F`` for each row, read from already computed model outputs ``(samples, ...)``."""
        out = np.asarray(outputs[self.output], dtype=np.float64)[self.row_samples()]
        weighted = out * self.weights
        return weighted.reshape(self.n_rows, -1).sum(axis=1)


def resolve_target(
    target: Any, outputs: list[np.ndarray], output_names: Sequence[str]
) -> ResolvedTarget:
    """Resolve ``target`` against the model's outputs on the batch being explained.

    Args:
        target: None (the output has one value per sample), ``k`` (unit / class of a 2-D output),
            ``(t, k)`` (step ``t``, unit ``k`` of a sequence output; ``k`` may be ``"predicted"``),
            ``"predicted"``, a sequence of one class per sample, or a :class:`Target`.
        outputs: every model output on the batch, ``(samples, ...)`` each.
        output_names: the outputs' names, for messages and lookup.

    Returns:
        The :class:`ResolvedTarget`.

    Raises:
        TargetError: the target does not fit the output (index out of range, missing time step, ...).

    Example:
        >>> outputs = [np.zeros((2, 10, 1))]  # one output: (samples, time, units)
        >>> resolve_target((3, 0), outputs, ["forecast"]).description
        "output 'forecast', step 3, unit 0"
    """
    spec = _as_target(target)
    index = _output_index(spec.output, output_names)
    out = np.asarray(outputs[index])
    name = output_names[index]
    shape = out.shape
    samples = shape[0]
    rank = out.ndim
    where = f"Output {name!r} has shape {_fmt(shape)}"
    if rank > 3:
        raise TargetError(
            f"{where}: rnnlens targets outputs of rank 1 to 3 (batch, [time,] units); "
            "add a layer that reduces the extra axes, or explain a different output."
        )
    if spec.reduce not in ("sum", "mean"):
        raise TargetError(f"Target `reduce` must be 'sum' or 'mean', received {spec.reduce!r}.")
    if rank == 1:
        if spec.time is not None or spec.unit not in (None, 0):
            raise TargetError(
                f"{where}: one value per sample, so the target takes no time or unit; "
                f"pass target=None, received {target!r}."
            )
        return ResolvedTarget(
            index, name, np.ones((samples,), np.float32), 1, None, f"output {name!r}"
        )
    units = shape[-1]
    if rank == 2:
        if spec.time is not None:
            raise TargetError(
                f"{where}: it has no time axis, so the target takes no time step, received "
                f"time={spec.time!r}. Pass target=k for unit k."
            )
        chosen, unit_text = _units(spec.unit, out, units, samples, where)
        weights = np.zeros(shape, np.float32)
        weights[np.arange(samples), chosen] = 1.0
        return ResolvedTarget(index, name, weights, 1, None, f"output {name!r}, {unit_text}")
    steps = shape[1]
    if spec.time is None:
        raise TargetError(
            f"{where}: it is a sequence output, so the target needs a time step. Pass "
            f"target=(t, k) with -{steps} <= t < {steps} and k a unit / class index or 'predicted', "
            "Target(time=(a, b), unit=k) for a window, or Target(time='all', unit=k) for every step."
        )
    per_step, unit_text = _units(
        spec.unit, out, units, samples, where
    )  # (samples, steps) or (samples,)
    per_step = np.broadcast_to(per_step.reshape(samples, -1), (samples, steps))
    if isinstance(spec.time, str):
        if spec.time != "all":
            raise TargetError(
                f"Target time must be a step, a (start, stop) window or 'all', received {spec.time!r}."
            )
        weights = np.zeros((samples * steps, steps, units), np.float32)
        rows = np.arange(samples * steps)
        step = rows % steps
        weights[rows, step, per_step[rows // steps, step]] = 1.0
        return ResolvedTarget(
            index,
            name,
            weights,
            steps,
            tuple(range(steps)),
            f"output {name!r}, every step, {unit_text}",
        )
    chosen_steps, time_text = _steps(spec.time, steps, where, spec.reduce)
    weights = np.zeros(shape, np.float32)
    scale = 1.0 / len(chosen_steps) if spec.reduce == "mean" else 1.0
    for step in chosen_steps:
        weights[np.arange(samples), step, per_step[:, step]] = scale
    return ResolvedTarget(
        index, name, weights, 1, None, f"output {name!r}, {time_text}, {unit_text}"
    )


def _as_target(target: Any) -> Target:
    if target is None:
        return Target()
    if isinstance(target, Target):
        return target
    if isinstance(target, str):
        if target != "predicted":
            raise TargetError(
                f"A string target must be 'predicted', received {target!r}. Use an int k for unit k, "
                "(t, k) for step t of a sequence output, or rnnlens.attribution.Target(...)."
            )
        return Target(unit="predicted")
    if isinstance(target, bool):
        raise TargetError(
            f"Target must be an int, a tuple, 'predicted' or a Target, received {target!r}."
        )
    if isinstance(target, int | np.integer):
        return Target(unit=int(target))
    if isinstance(target, tuple):
        if len(target) == 1:
            return Target(time=_step_int(target[0]))
        if len(target) == 2:
            return Target(time=_step_int(target[0]), unit=target[1])
        raise TargetError(
            f"A tuple target is (t, k) for step t, unit k of a sequence output; received {target!r} "
            f"with {len(target)} entries."
        )
    if isinstance(target, np.ndarray) and target.ndim == 0:
        return _as_target(target.item())
    if isinstance(target, list | np.ndarray):
        return Target(unit=list(np.asarray(target).tolist()))
    raise TargetError(
        f"Target must be None, an int, a (t, k) tuple, 'predicted', a list of per-sample classes or "
        f"rnnlens.attribution.Target, received {type(target).__name__} {target!r}."
    )


def _step_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TargetError(
            f"The first entry of a (t, k) target is the time step and must be an int, received {value!r}. "
            "For a window or every step use Target(time=(a, b)) or Target(time='all')."
        )
    return int(value)


def _output_index(output: int | str, names: Sequence[str]) -> int:
    if isinstance(output, str):
        if output not in names:
            raise TargetError(f"No output named {output!r}; the model's outputs are {list(names)}.")
        return list(names).index(output)
    if isinstance(output, bool) or not isinstance(output, int | np.integer):
        raise TargetError(f"Target output must be an index or a name, received {output!r}.")
    if not -len(names) <= output < len(names):
        raise TargetError(
            f"Target output index {output} is out of range: the model has {len(names)} output(s) "
            f"{list(names)}."
        )
    return int(output) % len(names)


def _units(
    unit: UnitSpec, out: np.ndarray, units: int, samples: int, where: str
) -> tuple[np.ndarray, str]:
    """The chosen unit per sample (and per step for sequence outputs), and its description."""
    if unit is None:
        if units != 1:
            raise TargetError(
                f"{where}: {units} units, so the target must pick one: pass k with 0 <= k < {units} "
                "(target=k, or (t, k) for a sequence output) or 'predicted'."
            )
        return np.zeros(samples, np.int64), "unit 0"
    if isinstance(unit, str):
        if unit != "predicted":
            raise TargetError(f"A string unit must be 'predicted', received {unit!r}.")
        if units == 1:
            return np.zeros(samples, np.int64), "unit 0 (the only unit)"
        return np.argmax(out, axis=-1), "predicted unit"
    if isinstance(unit, bool):
        raise TargetError(f"Target unit must be an int, received {unit!r}.")
    if isinstance(unit, int | np.integer):
        return np.full(samples, _check_unit(int(unit), units, where), np.int64), f"unit {int(unit)}"
    chosen = np.asarray(unit)
    if (
        chosen.ndim != 1
        or chosen.shape[0] != samples
        or not np.issubdtype(chosen.dtype, np.integer)
    ):
        raise TargetError(
            f"A per-sample target must hold one integer unit per sample ({samples}), received "
            f"{np.asarray(unit).tolist()!r}."
        )
    for value in chosen:
        _check_unit(int(value), units, where)
    return chosen % units, "per-sample unit"


def _check_unit(k: int, units: int, where: str) -> int:
    if not -units <= k < units:
        raise TargetError(
            f"Target unit {k} is out of range. {where}, so units run from 0 to {units - 1} "
            f"(or -{units} to -1)."
        )
    return k % units


def _steps(time: Any, steps: int, where: str, reduce: str) -> tuple[list[int], str]:
    if isinstance(time, bool):
        raise TargetError(f"Target time must be an int, a window or 'all', received {time!r}.")
    if isinstance(time, int | np.integer):
        if not -steps <= time < steps:
            raise TargetError(
                f"Target time step {int(time)} is out of range. {where}, so steps run from 0 to "
                f"{steps - 1} (or -{steps} to -1)."
            )
        return [int(time) % steps], f"step {int(time) % steps}"
    if isinstance(time, tuple) and len(time) == 2:
        time = slice(*time)
    if isinstance(time, slice):
        chosen = list(range(steps))[time]
        if not chosen:
            raise TargetError(
                f"Target window {time.start}:{time.stop} selects no step. {where}: steps 0 to {steps - 1}."
            )
        return chosen, f"steps {chosen[0]}..{chosen[-1]} ({reduce})"
    raise TargetError(
        f"Target time must be an int, a (start, stop) window, a slice or 'all', received {time!r}."
    )


def _fmt(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(["batch", *[str(d) for d in shape[1:]]]) + ")"

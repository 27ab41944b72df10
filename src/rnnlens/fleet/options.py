"""What a fleet run computes (:class:`FleetOptions`) and what a worker needs to compute it (:class:`WorkerSpec`).

Both are plain, picklable and JSON-able: they travel to worker processes and Ray actors, and
:class:`FleetOptions` is part of the run's fingerprint (a rerun with other options is another run).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from rnnlens.errors import OptionError, TargetError

__all__ = ["TASKS", "FleetOptions", "WorkerSpec", "target_to_dict"]

#: The tasks a fleet run can do for every sequence.
TASKS = ("predict", "attribute", "trace-summary")


@dataclass(frozen=True)
class FleetOptions:
    """The work done for every sequence.

    Attributes:
        tasks: a subset of :data:`TASKS`, in that order.
        method: the attribution method (None: the recommended one with a background, else integrated
            gradients), as :func:`rnnlens.attribute` takes it.
        target: what to explain, as a dict of :class:`rnnlens.attribution.Target` fields (see
            :func:`target_to_dict`), or None for the output's only value.
        background: a data file of reference sequences (any format :func:`rnnlens.load_data` reads).
        n_steps: integration steps for path methods (None: the method's default).
        seed: seeds sampled methods; chunk ``i`` uses ``seed + i``, so results do not depend on who runs it.
        top_k: top contributions (step, feature, value) kept per sequence.
        faithfulness: score each sequence's ranking against random deletion orders.
        saturation: gate values below this or above ``1 -`` this count as saturated (trace summaries).

    Example:
        >>> FleetOptions(tasks=("predict",)).to_dict()["tasks"]
        ['predict']
    """

    tasks: tuple[str, ...] = ("predict", "attribute")
    method: str | None = None
    target: Mapping[str, Any] | None = None
    background: str | None = None
    n_steps: int | None = None
    seed: int = 0
    top_k: int = 5
    faithfulness: bool = True
    saturation: float = 0.05

    def __post_init__(self) -> None:
        tasks = (self.tasks,) if isinstance(self.tasks, str) else tuple(self.tasks)
        unknown = [task for task in tasks if task not in TASKS]
        if unknown or not tasks:
            raise OptionError(
                f"Argument `tasks` (CLI --tasks) must be a non-empty subset of {list(TASKS)}, received "
                f"{list(tasks)}."
            )
        object.__setattr__(self, "tasks", tuple(task for task in TASKS if task in tasks))
        _positive_int(self.top_k, "top_k", minimum=0)
        if self.n_steps is not None:
            _positive_int(self.n_steps, "n_steps")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer):
            raise OptionError(f"Argument `seed` must be an integer, received {self.seed!r}.")
        if not isinstance(self.faithfulness, bool):
            raise OptionError(
                f"Argument `faithfulness` must be True or False, received {self.faithfulness!r}."
            )
        if not isinstance(self.saturation, int | float) or not 0 < self.saturation < 0.5:
            raise OptionError(
                f"Argument `saturation` must be a number in (0, 0.5), received {self.saturation!r}."
            )
        if self.target is not None:
            object.__setattr__(self, "target", dict(self.target))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (lists for tuples)."""
        data = asdict(self)
        data["tasks"] = list(self.tasks)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FleetOptions:
        """The options :meth:`to_dict` wrote."""
        return cls(**{**data, "tasks": tuple(data.get("tasks", ()))})


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a :class:`~rnnlens.fleet.worker.ChunkWorker` needs, by value (no Keras objects).

    Attributes:
        model_path: the model file, loaded once per worker process or actor.
        safe_mode: Keras safe mode (False runs Lambda code: trusted files only).
        options: the work to do.
        feature_names: ``(features,)`` names of the input features, when known.
        threads: TensorFlow / JAX threads per worker (None: the framework's default).
    """

    model_path: str
    safe_mode: bool = True
    options: FleetOptions = field(default_factory=FleetOptions)
    feature_names: tuple[str, ...] | None = None
    threads: int | None = None


def target_to_dict(target: Any) -> dict[str, Any] | None:
    """Any target :func:`rnnlens.attribute` takes, as JSON-able :class:`~rnnlens.attribution.Target` fields.

    A window ``slice(a, b)`` becomes ``[a, b]``; :func:`rnnlens.fleet.worker.target_from_dict` reverses it.

    Raises:
        TargetError: a target that is not an int, ``(t, k)``, ``"predicted"`` or a ``Target``.

    Example:
        >>> target_to_dict((5, 0))
        {'output': 0, 'time': 5, 'unit': 0, 'reduce': 'sum'}
    """
    if target is None:
        return None
    from rnnlens.attribution.targets import _as_target

    if isinstance(target, list | np.ndarray) and np.ndim(target) > 0:
        raise TargetError(
            "A fleet explains each sequence on its own: per-sample target lists do not apply. Use an "
            "int, (t, k), 'predicted' or a Target."
        )
    full = _as_target(target)
    time: Any = full.time
    if isinstance(time, slice):
        if time.step not in (None, 1):
            raise TargetError(f"A target window must have step 1, received {time!r}.")
        time = [time.start, time.stop]
    elif isinstance(time, tuple):
        time = list(time)
    unit = full.unit.item() if isinstance(full.unit, np.generic) else full.unit
    return {"output": full.output, "time": time, "unit": unit, "reduce": full.reduce}


def _positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise OptionError(f"Argument `{name}` must be an integer >= {minimum}, received {value!r}.")
    return int(value)


def check_tasks(tasks: str | Sequence[str]) -> tuple[str, ...]:
    """``"predict,attribute"`` or a list of task names as a validated tuple (see :data:`TASKS`)."""
    parts = tasks.split(",") if isinstance(tasks, str) else list(tasks)
    return FleetOptions(tasks=tuple(part.strip() for part in parts if part.strip())).tasks

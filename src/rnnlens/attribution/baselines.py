"""Baselines: the "absence of signal" an attribution is measured against.

For float inputs a baseline lives in input space ``(batch, time, features)``. For token inputs it lives in
embedding space: zero vectors, the embedding of chosen token ids (an int array), or vectors you give (a
float array). One baseline spec is applied to every input; pass a list / dict for one spec per input.

References built from background data (:meth:`Baseline.sequence_mean`, :meth:`Baseline.opposite_class`,
:meth:`Baseline.nearest_other`) take the whole background, one array per model input, and give every
input its part: the classes they depend on are the model's predictions on all inputs together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.attribution.memory import data_steps
from rnnlens.attribution.references import (
    class_rule,
    nearest_other_references,
    opposite_class_references,
    prepare_reference,
    step_means,
)
from rnnlens.errors import DataError, ShapeError

if TYPE_CHECKING:
    from rnnlens.attribution.engine import Engine, Slot
    from rnnlens.attribution.targets import ResolvedTarget

__all__ = ["Baseline", "background_baseline", "prepare_background", "resolve_baselines"]


@dataclass(frozen=True, eq=False)
class Baseline:
    """A named baseline. Build one with the class methods; plain arrays and scalars also work.

    Example:
        >>> x_train = x  # the data the model was trained on
        >>> result = rnnlens.attribute(model, x, target=(5, 0), baselines=Baseline.mean(x_train))
        >>> result.values.shape
        (4, 6, 2)
    """

    kind: str
    value: Any = None

    @classmethod
    def zeros(cls) -> Baseline:
        """All zeros (zero embedding vectors for token inputs). The default."""
        return cls("zeros")

    @classmethod
    def mean(cls, reference: Any) -> Baseline:
        """Per-feature mean of ``reference`` ``(n, time, features)`` over samples and time, at every step.

        For token inputs, ``reference`` holds token ids and the baseline is their mean embedding (padded
        tokens excluded). For multi-input models pass one reference per input (list or dict).
        """
        return cls("mean", reference)

    @classmethod
    def median(cls, reference: Any) -> Baseline:
        """Per-feature median of ``reference`` over samples and time (see :meth:`mean`)."""
        return cls("median", reference)

    @classmethod
    def sequence(cls, reference: Any) -> Baseline:
        """One reference sequence ``(time, features)`` (or token ids ``(time,)``) for every sample."""
        return cls("sequence", reference)

    @classmethod
    def sequence_mean(cls, background: Any) -> Baseline:
        """The mean sequence of ``background``: one mean per step and feature (not one per feature).

        ``background`` takes any form ``rnnlens.attribute(..., background=)`` accepts (an array
        ``(n, time, features)``, token ids ``(n, time)``, one array per input, a Dataset) and must have
        the explained inputs' number of steps. Token inputs: the mean embedding per step, padded tokens
        left out.

        Example:
            >>> reference = Baseline.sequence_mean(x_train)
            >>> rnnlens.attribute(model, x, target=(5, 0), baselines=reference).values.shape
            (4, 6, 2)
        """
        return cls("sequence_mean", background)

    @classmethod
    def opposite_class(cls, background: Any) -> Baseline:
        """For each explained sample, the mean sequence of the background samples of another class.

        The class is the model's prediction, read from the output and step the target reads: the argmax
        of a softmax / log-softmax / logits output, or the side of the threshold of a single sigmoid
        unit (0.5; 0 for a binary-logits unit). For each sample, the background samples predicted as
        any other class are averaged per step and feature (a mean *sequence*, as
        :meth:`sequence_mean`), so the explanation answers "why this class rather than the others?".

        Args:
            background: samples from the training distribution, in any form
                ``rnnlens.attribute(..., background=)`` accepts, with the explained inputs' number of
                steps; it should hold samples the model assigns to every explained sample's rivals.

        Raises:
            When the baseline is resolved (by :func:`rnnlens.attribute` and the like): OptionError if
                the output is not a classifier's (a regression output: use :meth:`mean`); DataError if
                no background sample is predicted as another class than an explained sample;
                ShapeError, DataError for background of the wrong shape or bad values.

        Example:
            >>> lstm = keras.layers.LSTM(3, kernel_initializer="ones", recurrent_initializer="zeros")
            >>> head = keras.layers.Dense(2, activation="softmax")
            >>> classifier = keras.Sequential([keras.Input((6, 2)), lstm, head])
            >>> head.set_weights([np.array([[1.0, -1.0]] * 3), np.zeros(2)])  # class 0 when h > 0
            >>> classifier.predict(x, verbose=0).argmax(axis=1).tolist()
            [1, 1, 0, 0]
            >>> reference = Baseline.opposite_class(x_train)
            >>> result = rnnlens.attribute(classifier, x, target="predicted", baselines=reference)
            >>> result.values.shape
            (4, 6, 2)
        """
        return cls("opposite_class", background)

    @classmethod
    def nearest_other(cls, background: Any, k: int = 10) -> Baseline:
        """For each explained sample, the mean of the ``k`` background samples nearest to it among those
        the model predicts as another class (see :meth:`opposite_class`).

        Nearness is the Euclidean distance over all inputs in attribution space (embeddings for token
        inputs). Where fewer than ``k`` background samples have another class, all of them are averaged.

        Raises:
            OptionError: ``k`` is not a positive integer; otherwise as :meth:`opposite_class`.
        """
        from rnnlens.attribution.options import check_positive_int

        return cls("nearest_other", (background, check_positive_int(k, "k")))

    @classmethod
    def custom(cls, value: Any) -> Baseline:
        """An array broadcastable to the input, or ``fn(x) -> array`` computed from the input batch."""
        return cls("custom", value)


def prepare_background(model: Any, background: Any) -> list[np.ndarray]:
    """Validate background (reference) data against ``model`` like inputs: one array per model input.

    Args:
        model: a built ``keras.Model``.
        background: samples from the training distribution: an array ``(n, time, features)`` (token ids
            ``(n, time)``), a list / dict with one array per model input, or a :class:`rnnlens.data.Dataset`.

    Returns:
        One validated array per model input, ``(n, ...)`` with ``n >= 1``.

    Raises:
        ShapeError: a wrong rank or size, or 0 samples. DataError: NaN / inf, non-numbers, token ids
            outside the vocabulary. Every message names ``background``.

    Example:
        >>> [a.shape for a in prepare_background(model, x_train)]
        [(100, 6, 2)]
    """
    from rnnlens.validation import prepare_inputs

    try:
        arrays = prepare_inputs(model, background)
    except (ShapeError, DataError) as exc:
        detail = str(exc).replace("Argument `inputs`", "It")
        raise type(exc)(f"Argument `background` (reference data) is invalid: {detail}") from None
    if len(arrays[0]) == 0:
        raise ShapeError(
            "Argument `background` holds 0 samples; pass at least one sample from the training data."
        )
    return arrays


def background_baseline(arrays: list[np.ndarray]) -> Baseline:
    """The baseline a background gives methods that take one baseline: its per-feature mean
    (:meth:`Baseline.mean`; the mean embedding of its tokens for token inputs), at every step."""
    return Baseline.mean(arrays[0] if len(arrays) == 1 else list(arrays))


def resolve_baselines(
    baselines: Any,
    engine: Engine,
    arrays: list[np.ndarray],
    space: list[np.ndarray],
    *,
    target: ResolvedTarget | None = None,
    outputs: list[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """One float32 baseline per input, in attribution space, with the shape of ``space``.

    Args:
        baselines: None / ``"zeros"`` / a scalar / an array / a callable / a :class:`Baseline`, or a list /
            dict of those with one per model input.
        engine: the model's engine (knows which inputs are tokens and embeds them).
        arrays: the validated inputs (token ids for token inputs).
        space: the inputs in attribution space ``(batch, time, features | embedding_dim)``.
        target: the resolved target; class-based references read the predicted class from the output
            and step it reads (without it: the first output, at its last step).
        outputs: every model output on ``arrays`` (computed when a class-based reference needs them).

    Raises:
        ShapeError: a baseline does not broadcast to its input, or the list has the wrong length.
        DataError: a baseline holds NaN / inf or non-numbers, or no background sample of another class.
        OptionError: a class-based reference for an output that is not a classifier's.
    """
    specs = _per_input(baselines, engine)
    built: dict[
        int, list[np.ndarray]
    ] = {}  # one computation per reference spec, shared by its inputs
    resolved = []
    for spec, slot, array, vectors in zip(specs, engine.slots, arrays, space, strict=True):
        if isinstance(spec, Baseline) and spec.kind in _FROM_BACKGROUND:
            if id(spec) not in built:
                built[id(spec)] = _from_background(spec, engine, arrays, space, target, outputs)
            resolved.append(built[id(spec)][slot.index])
        else:
            resolved.append(_resolve_one(spec, slot, engine, array, vectors))
    return resolved


_FROM_BACKGROUND = ("sequence_mean", "opposite_class", "nearest_other")
_NAMES = {
    "sequence_mean": "Baseline.sequence_mean",
    "opposite_class": "Baseline.opposite_class",
    "nearest_other": "Baseline.nearest_other",
}


def _from_background(
    spec: Baseline,
    engine: Engine,
    arrays: list[np.ndarray],
    space: list[np.ndarray],
    target: ResolvedTarget | None,
    outputs: list[np.ndarray] | None,
) -> list[np.ndarray]:
    """The reference of every input for a background-built spec, ``(batch, ...)`` like ``space``."""
    what = _NAMES[spec.kind]
    background, k = spec.value if spec.kind == "nearest_other" else (spec.value, 0)
    needs_classes = spec.kind != "sequence_mean"
    try:
        validated = prepare_background(engine.model, background)
    except (ShapeError, DataError) as exc:
        raise type(exc)(f"{what}: {exc}") from None
    reference = prepare_reference(engine, validated, outputs=needs_classes)
    for slot, mine, theirs in zip(engine.slots, space, reference.space, strict=True):
        if mine.shape[1:] != theirs.shape[1:]:
            raise ShapeError(
                f"{what}: the background of input {slot.name!r} has samples of shape "
                f"{theirs.shape[1:]}, but the explained inputs have {mine.shape[1:]}; a reference "
                "sequence needs background samples with the inputs' number of steps."
            )
    if not needs_classes:
        pairs = zip(reference.space, reference.masks, strict=True)
        means = [step_means(vectors, mask) for vectors, mask in pairs]
        return [np.broadcast_to(m, v.shape).copy() for m, v in zip(means, space, strict=True)]
    if outputs is None:
        outputs = engine.outputs(
            space,
            engine.token_arrays(arrays),
            engine.chunk_size(len(space[0]), gradients=False, steps=data_steps(arrays)),
        )
    rule = class_rule(engine, target, outputs)
    if spec.kind == "opposite_class":
        return opposite_class_references(rule, outputs, reference)
    return nearest_other_references(rule, outputs, space, reference, int(k))


def _per_input(baselines: Any, engine: Engine) -> list[Any]:
    slots = engine.slots
    names = [slot.name for slot in slots]
    if isinstance(baselines, Mapping):
        missing = [name for name in names if name not in baselines]
        if missing:
            raise ShapeError(
                f"Argument `baselines` is a dict but lacks input(s) {missing}; expected keys {names}, "
                f"received {sorted(baselines)}."
            )
        return [baselines[name] for name in names]
    if isinstance(baselines, list | tuple) and len(slots) > 1:
        if len(baselines) != len(slots):
            raise ShapeError(
                f"Argument `baselines` holds {len(baselines)} entries but the model has {len(slots)} "
                f"inputs {names}; pass one baseline per input, or a single one for all."
            )
        return list(baselines)
    return [baselines] * len(slots)


def _resolve_one(
    spec: Any, slot: Slot, engine: Engine, array: np.ndarray, vectors: np.ndarray
) -> np.ndarray:
    label = f"baseline for input {slot.name!r}"
    if spec is None or (isinstance(spec, str) and spec == "zeros"):
        return np.zeros_like(vectors)
    if isinstance(spec, str):
        raise ShapeError(
            f"The {label} is the string {spec!r}; the only string accepted is 'zeros'. For mean / median "
            "baselines use Baseline.mean(reference) / Baseline.median(reference)."
        )
    if isinstance(spec, Baseline):
        if spec.kind == "zeros":
            return np.zeros_like(vectors)
        if spec.kind in ("mean", "median"):
            return _statistic(spec, slot, engine, vectors, label)
        if spec.kind == "sequence":
            value = _numeric(spec.value, label)
            expected = vectors.ndim - 1 if not slot.tokens or _is_float(value) else vectors.ndim - 2
            if value.ndim != expected:
                raise ShapeError(
                    f"The {label} must be one sequence of shape {_single_shape(slot, vectors, value)}, "
                    f"received shape {value.shape}."
                )
            return _broadcast(value, slot, engine, vectors, label)
        spec = spec.value
    if callable(spec):
        spec = _call(spec, array, label)
    return _broadcast(_numeric(spec, label), slot, engine, vectors, label)


def _statistic(
    spec: Baseline, slot: Slot, engine: Engine, vectors: np.ndarray, label: str
) -> np.ndarray:
    reference = spec.value
    if isinstance(reference, Mapping) or (
        isinstance(reference, list | tuple) and len(engine.slots) > 1
    ):
        from rnnlens.validation import as_input_list

        reference = as_input_list(engine.model, reference)[slot.index]
    reference = _numeric(reference, f"reference data of the {label}")
    if slot.tokens:
        if not np.issubdtype(reference.dtype, np.integer):
            raise DataError(
                f"The reference data of the {label} must hold integer token ids, received dtype "
                f"{reference.dtype}."
            )
        embedded = engine.embed(slot, reference.reshape(-1, reference.shape[-1]))
        keep = reference.reshape(-1, reference.shape[-1]) != 0 if slot.embedding.mask_zero else None
        flat = embedded[keep] if keep is not None else embedded.reshape(-1, embedded.shape[-1])
    else:
        if reference.ndim < 1 or reference.shape[-1] != vectors.shape[-1]:
            raise ShapeError(
                f"The reference data of the {label} must end in the input's {vectors.shape[-1]} features, "
                f"received shape {reference.shape}."
            )
        flat = reference.reshape(-1, reference.shape[-1])
    if flat.shape[0] == 0:
        raise DataError(f"The reference data of the {label} is empty.")
    stat = np.mean(flat, axis=0) if spec.kind == "mean" else np.median(flat, axis=0)
    return np.broadcast_to(stat.astype(np.float32), vectors.shape).copy()


def _call(fn: Callable[[np.ndarray], Any], array: np.ndarray, label: str) -> Any:
    try:
        return fn(array)
    except Exception as exc:
        raise DataError(f"The {label} function failed on the input batch: {exc}") from exc


def _numeric(value: Any, label: str) -> np.ndarray:
    try:
        array = np.asarray(value)
    except Exception as exc:
        raise DataError(f"The {label} could not be read as an array: {exc}.") from exc
    if not (np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)):
        raise DataError(f"The {label} must be numeric, received dtype {array.dtype}.")
    if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
        raise DataError(f"The {label} contains NaN or inf; baselines must be finite.")
    return array


def _is_float(value: np.ndarray) -> bool:
    return bool(np.issubdtype(value.dtype, np.floating))


def _broadcast(
    value: np.ndarray, slot: Slot, engine: Engine, vectors: np.ndarray, label: str
) -> np.ndarray:
    if slot.tokens and not _is_float(value):
        ids = value
        batch, steps = vectors.shape[:2]
        if ids.shape not in ((steps,), (batch, steps)):
            raise ShapeError(
                f"The {label} holds token ids, so it must have shape ({steps},) or ({batch}, {steps}) "
                f"like the input, received {ids.shape}."
            )
        vocab = int(slot.embedding.input_dim)
        if ids.size and (ids.min() < 0 or ids.max() >= vocab):
            raise DataError(f"The {label} holds token ids outside [0, {vocab}).")
        return engine.embed(slot, np.broadcast_to(ids, (batch, steps)))
    accepted = [vectors.shape, vectors.shape[1:], vectors.shape[-1:], ()]
    if value.shape not in accepted:
        raise ShapeError(
            f"The {label} has shape {value.shape}, which does not match the input "
            f"{'embeddings ' if slot.tokens else ''}of shape {vectors.shape}. Pass a scalar, one value "
            f"per feature {vectors.shape[-1:]}, one sequence {vectors.shape[1:]} or one per sample "
            f"{vectors.shape}."
        )
    return np.broadcast_to(value.astype(np.float32), vectors.shape).copy()


def _single_shape(slot: Slot, vectors: np.ndarray, value: np.ndarray) -> tuple[int, ...]:
    if slot.tokens and not _is_float(value):
        return tuple(vectors.shape[1:2])
    return tuple(vectors.shape[1:])

"""Reference sequences built from background data: the mean sequence, and references of another class.

A classifier's explanation answers "why this class and not another?" best when the reference is data of
another class (an opposite-class reference), not zeros nor the average of all data. These helpers read the
model's predicted class on the explained samples and on the background, and average the background
samples of another class step by step, in attribution space (token inputs: their embeddings).

The predicted class is read from the output and step(s) the target reads: the argmax over classes of a
softmax / log-softmax / logits output, or the side of the threshold (0.5, or 0 for logits) of a single
sigmoid unit. Where a target reads several steps, their outputs are averaged first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.attribution.memory import data_steps
from rnnlens.errors import DataError, OptionError

if TYPE_CHECKING:
    from rnnlens.attribution.engine import Engine
    from rnnlens.attribution.targets import ResolvedTarget

__all__ = [
    "ClassRule",
    "NoOtherClassError",
    "NotAClassifierError",
    "Reference",
    "class_rule",
    "nearest_other_references",
    "opposite_class_references",
    "prepare_reference",
    "step_means",
]

# Head meanings (rnnlens.inspection) whose prediction is the argmax over the last axis, and those whose
# single unit is thresholded (value: the threshold).
_ARGMAX = ("distribution", "log_distribution", "logits")
_THRESHOLD = {"probability": 0.5, "binary_logits": 0.0}


class NotAClassifierError(OptionError):
    """The explained output is not read as classes, so it has no opposite class."""


class NoOtherClassError(DataError):
    """Every background sample is predicted as the explained sample's class."""


_NOT_A_CLASSIFIER = (
    "opposite-class references need a classifier output (softmax / sigmoid / logits); use "
    "Baseline.mean for regression."
)


@dataclass(frozen=True)
class Reference:
    """Background data in attribution space, with the model's outputs on it.

    Attributes:
        space: per input, ``(n, time, features | embedding_dim)`` float32.
        masks: per input, ``(n, time)`` booleans False at padded tokens, or None.
        outputs: every model output on the background, ``(n, ...)``.
    """

    space: list[np.ndarray]
    masks: list[np.ndarray | None]
    outputs: list[np.ndarray]


def prepare_reference(engine: Engine, arrays: list[np.ndarray], *, outputs: bool) -> Reference:
    """Validated background arrays (one per model input) in attribution space, with the model's outputs.

    Args:
        engine: the model's engine.
        arrays: background from :func:`~rnnlens.attribution.baselines.prepare_background`.
        outputs: also evaluate the model on the background (needed to read its classes).
    """
    space = engine.to_space(arrays)
    evaluated: list[np.ndarray] = []
    if outputs:
        tokens = engine.token_arrays(arrays)
        evaluated = engine.outputs(
            space,
            tokens,
            engine.chunk_size(len(space[0]), gradients=False, steps=data_steps(arrays)),
        )
    return Reference(space=space, masks=engine.masks(arrays), outputs=evaluated)


def step_means(vectors: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """The mean sequence of ``vectors`` ``(n, time, features)``: one mean per step and feature.

    Padded steps (``mask`` False) are left out of their step's mean; a step padded in every sample gets
    zeros.

    Example:
        >>> vectors = np.arange(12, dtype="float32").reshape(3, 2, 2)
        >>> step_means(vectors).tolist()
        [[4.0, 5.0], [6.0, 7.0]]
        >>> step_means(vectors, np.array([[True, False], [True, False], [False, False]])).tolist()
        [[2.0, 3.0], [0.0, 0.0]]
    """
    values = np.asarray(vectors, dtype=np.float64)
    if mask is None:
        return np.asarray(values.mean(axis=0), dtype=np.float32)
    weights = np.asarray(mask, dtype=np.float64)[..., None]
    counts = weights.sum(axis=0)
    total = (values * weights).sum(axis=0)
    return np.asarray(np.where(counts > 0, total / np.maximum(counts, 1.0), 0.0), dtype=np.float32)


@dataclass(frozen=True)
class ClassRule:
    """How a predicted class is read from a model output.

    Attributes:
        output: the output's index.
        steps: for a sequence output, the steps whose outputs are averaged; None for other outputs.
        unit: for a thresholded (sigmoid) output, the unit compared with ``threshold``; None for argmax.
        threshold: the decision threshold of a sigmoid (0.5) or binary-logits (0.0) unit.
    """

    output: int
    steps: np.ndarray | None
    unit: int | None
    threshold: float | None

    def classes(self, outputs: list[np.ndarray]) -> np.ndarray:
        """``(n,)`` predicted classes (ints; 0 / 1 for a thresholded unit) from outputs ``(n, ...)``.

        Example:
            >>> rule = ClassRule(output=0, steps=None, unit=None, threshold=None)
            >>> rule.classes([np.array([[0.1, 0.9], [0.8, 0.2]])]).tolist()
            [1, 0]
        """
        out = np.asarray(outputs[self.output], dtype=np.float64)
        if out.ndim == 1:
            out = out[:, None]
        if out.ndim == 3:
            out = out[:, self.steps if self.steps is not None else [-1]].mean(axis=1)
        if self.threshold is None:
            return np.asarray(np.argmax(out, axis=-1), dtype=np.int64)
        unit = self.unit if self.unit is not None else 0
        return np.asarray(out[:, unit] > self.threshold, dtype=np.int64)


def class_rule(
    engine: Engine, target: ResolvedTarget | None, outputs: list[np.ndarray]
) -> ClassRule:
    """The :class:`ClassRule` of the output (and step, unit) ``target`` reads.

    Without a target: the first output, at its last step.

    Raises:
        OptionError: the output is not a classifier's (see the module doc), a softmax over one unit, or a
            multi-label sigmoid output whose target reads several units.
    """
    from rnnlens.inspection import inspect_model

    index = target.output if target is not None else 0
    meaning = inspect_model(engine.model).outputs[index].head.meaning
    name = engine.output_names[index]
    out = np.asarray(outputs[index])
    units = 1 if out.ndim == 1 else int(out.shape[-1])
    read = _read_cells(target, out)  # (time?, units) booleans, or None
    steps = None
    if out.ndim == 3:
        steps = (
            np.flatnonzero(read.any(axis=-1)) if read is not None else np.array([out.shape[1] - 1])
        )
    if meaning in _ARGMAX:
        if units < 2:
            raise NotAClassifierError(
                f"Output {name!r} has a single {meaning} unit, which predicts the same class for every "
                f"sample; {_NOT_A_CLASSIFIER}"
            )
        return ClassRule(index, steps, None, None)
    if meaning not in _THRESHOLD:
        raise NotAClassifierError(
            f"Output {name!r} is read as '{meaning}', not as classes: {_NOT_A_CLASSIFIER}"
        )
    unit = 0
    if units > 1:
        chosen: Any = (
            np.flatnonzero(read.reshape(-1, units).any(axis=0)) if read is not None else []
        )
        if len(chosen) != 1:
            raise OptionError(
                f"Output {name!r} holds {units} independent sigmoid units (multi-label); an opposite-class "
                "reference needs a target that reads one of them, e.g. target=k."
            )
        unit = int(chosen[0])
    return ClassRule(index, steps, unit, _THRESHOLD[meaning])


def _read_cells(target: ResolvedTarget | None, out: np.ndarray) -> np.ndarray | None:
    if target is None or out.ndim == 1:
        return None
    weights = np.asarray(target.weights)
    return np.asarray((weights != 0).any(axis=0))


def opposite_class_references(
    rule: ClassRule, explained: list[np.ndarray], reference: Reference
) -> list[np.ndarray]:
    """Per input, ``(samples, time, features)``: for each explained sample, the mean sequence of the
    background samples whose predicted class differs from the sample's.

    Args:
        rule: how classes are read (:func:`class_rule`).
        explained: every model output on the explained samples.
        reference: the background (:func:`prepare_reference` with outputs).

    Raises:
        DataError: no background sample is predicted other than an explained sample's class.
    """
    own = rule.classes(explained)
    theirs = rule.classes(reference.outputs)
    per_class = {
        int(label): _others(theirs, int(label), "Baseline.opposite_class")
        for label in np.unique(own)
    }
    means = {
        label: [
            step_means(vectors[keep], _rows(mask, keep)) for vectors, mask in _inputs(reference)
        ]
        for label, keep in per_class.items()
    }
    return [np.stack([means[int(label)][i] for label in own]) for i in range(len(reference.space))]


def nearest_other_references(
    rule: ClassRule,
    explained: list[np.ndarray],
    space: list[np.ndarray],
    reference: Reference,
    k: int,
) -> list[np.ndarray]:
    """Per input, ``(samples, time, features)``: the mean of the ``k`` background samples nearest each
    explained sample (Euclidean distance over all its inputs in attribution space) among those predicted
    as another class; fewer when fewer exist.

    Raises:
        DataError: no background sample is predicted other than an explained sample's class.
    """
    own = rule.classes(explained)
    theirs = rule.classes(reference.outputs)
    flat_x = np.concatenate([v.reshape(len(v), -1) for v in space], axis=1).astype(np.float64)
    flat_b = np.concatenate([v.reshape(len(v), -1) for v in reference.space], axis=1).astype(
        np.float64
    )
    distances = (
        (flat_x**2).sum(axis=1)[:, None]
        + (flat_b**2).sum(axis=1)[None, :]
        - 2.0 * flat_x @ flat_b.T
    )
    outputs = [np.empty_like(v) for v in space]
    for sample, label in enumerate(own):
        candidates = np.flatnonzero(_others(theirs, int(label), "Baseline.nearest_other"))
        order = np.argsort(distances[sample, candidates], kind="stable")
        keep = np.zeros(len(theirs), bool)
        keep[candidates[order[:k]]] = True
        for i, (vectors, mask) in enumerate(_inputs(reference)):
            outputs[i][sample] = step_means(vectors[keep], _rows(mask, keep))
    return outputs


def _others(classes: np.ndarray, label: int, what: str) -> np.ndarray:
    keep = classes != label
    if not keep.any():
        raise NoOtherClassError(
            f"{what}: all {len(classes)} background samples are predicted as class {label}, like the "
            "explained sample, so there is no sample of another class to compare with; pass background "
            "data that the model assigns to other classes too (e.g. a sample of the training data)."
        )
    return keep


def _inputs(reference: Reference) -> list[tuple[np.ndarray, np.ndarray | None]]:
    return list(zip(reference.space, reference.masks, strict=True))


def _rows(mask: np.ndarray | None, keep: np.ndarray) -> np.ndarray | None:
    return mask[keep] if mask is not None else None

"""Concept correlation: which hidden units follow a signal the user names (a feature, a label...)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import DataError, OptionError, ShapeError
from rnnlens.units._select import check_trace, layer_info, select_layers

if TYPE_CHECKING:
    import pandas as pd

    from rnnlens.tracing.result import LayerTrace, Trace

__all__ = ["CONCEPT_COLUMNS", "feature_concepts", "unit_concepts"]

CONCEPT_COLUMNS = (
    "concept",
    "rank",
    "layer",
    "direction",
    "cell_type",
    "unit",
    "correlation",
    "abs_correlation",
    "n",
    "scope",
)


def unit_concepts(
    trace: Trace,
    concepts: Mapping[str, Any],
    layer: str | Sequence[str] | None = None,
    top: int | None = 5,
) -> pd.DataFrame:
    """Pearson correlation of every unit's hidden state with each concept; the top units per concept.

    A ``(batch, time)`` concept is compared with the hidden state over every processed (unmasked)
    (sample, step) cell; a ``(batch,)`` concept (a label, a target) with the final hidden state, the one
    Keras returns. NaN concept values mark cells to leave out. A correlation is NaN where the unit or the
    concept is constant over the cells used.

    Args:
        trace: the result of :func:`rnnlens.trace`; hidden states are ``(batch, time, unit)``.
        concepts: ``name -> array`` of shape ``(batch, time)`` or ``(batch,)``; see
            :func:`feature_concepts` to use input features.
        layer: trace key(s) or layer name(s) (default: all traces, ranked together).
        top: keep this many units per concept, by ``|correlation|``; ``None`` keeps all.

    Returns:
        A DataFrame sorted by concept then rank: ``concept, rank, layer, direction, cell_type, unit,
        correlation, abs_correlation, n, scope`` (``n``: cells used; ``scope``: ``"steps"`` or
        ``"final"``).

    Raises:
        OptionError: no concepts, a non-string name, ``top`` not a positive int, ``trace`` not a Trace.
        ShapeError: a concept whose shape is not ``(batch, time)`` or ``(batch,)`` for this trace.
        DataError: a non-numeric concept, or one holding inf.
        TargetError: an unknown layer.

    Example:
        >>> trace = rnnlens.trace(model, x)  # x: (4, 6, 2), an LSTM named "lstm"
        >>> table = unit_concepts(trace, feature_concepts(x, ["speed", "load"]), top=2)
        >>> table[["concept", "rank", "layer", "unit"]].shape
        (4, 4)
    """
    import pandas as pd

    check_trace(trace, "unit_concepts")
    check_top(top)
    chosen = select_layers(trace, layer)
    signals = _check_concepts(concepts, chosen[0].n_samples)
    frames = []
    for name, signal in signals.items():
        parts = []
        for part in _matching(chosen, name, signal, explicit=layer is not None):
            r, n = _correlate(part, signal)
            parts.append(
                pd.DataFrame(
                    {
                        **layer_info(part),
                        "unit": np.arange(part.units),
                        "correlation": r,
                        "abs_correlation": np.abs(r),
                        "n": n,
                    }
                )
            )
        table = pd.concat(parts, ignore_index=True)
        table = table.sort_values(
            "abs_correlation", ascending=False, na_position="last", kind="stable"
        )
        table.insert(0, "rank", np.arange(1, len(table) + 1))
        table.insert(0, "concept", name)
        table["scope"] = "steps" if signal.ndim == 2 else "final"
        frames.append(table if top is None else table.head(top))
    return pd.concat(frames, ignore_index=True)[list(CONCEPT_COLUMNS)]


def check_top(top: Any) -> None:
    """Refuse a ``top`` that is not a positive int or None.

    Raises:
        OptionError: ``top`` is 0, negative, a float, a bool or not a number.
    """
    if top is not None and (
        isinstance(top, bool) or not isinstance(top, numbers.Integral) or top < 1
    ):
        raise OptionError(f"Argument `top` must be a positive int or None, received {top!r}.")


def feature_concepts(
    inputs: Any, feature_names: Sequence[str] | None = None
) -> dict[str, np.ndarray]:
    """Split ``(batch, time, features)`` inputs into one ``(batch, time)`` concept per feature.

    Args:
        inputs: the array the trace was made from, ``(batch, time, features)``.
        feature_names: one name per feature (default ``feature_0``, ``feature_1``...).

    Returns:
        ``name -> (batch, time)`` float64 arrays, ready for :func:`unit_concepts`.

    Raises:
        ShapeError: ``inputs`` is not rank 3 or is empty, or the names do not match the feature count.
        DataError: non-numeric, complex or infinite inputs (NaN cells are kept: they mark missing values).
        OptionError: ``feature_names`` is not a list of names.

    Example:
        >>> x = np.zeros((32, 10, 2), dtype="float32")
        >>> feature_concepts(x, ["temperature", "pressure"])["pressure"].shape
        (32, 10)
    """
    array = _numeric(inputs, "inputs")
    if array.ndim != 3:
        raise ShapeError(
            f"Argument `inputs` must be (batch, time, features), received shape {array.shape}. For token "
            "ids build indicator concepts yourself, e.g. {'is_not': (tokens == not_id)}."
        )
    if array.size == 0:
        raise ShapeError(
            f"Argument `inputs` is empty (shape {array.shape}); pass at least one sample with at least "
            "one step and one feature."
        )
    if np.isinf(array).any():
        raise DataError(
            "Argument `inputs` contains inf; use finite values (NaN marks cells to leave out)."
        )
    if np.nanmax(np.abs(array), initial=0.0) > np.finfo(np.float32).max:
        raise DataError(
            "Argument `inputs` holds values beyond float32's range; they cannot be the inputs a trace was "
            "made from (models compute in float32). Rescale them first."
        )
    n_features = array.shape[2]
    if feature_names is not None and (
        isinstance(feature_names, str | bytes) or not hasattr(feature_names, "__iter__")
    ):
        raise OptionError(
            f"Argument `feature_names` must be a list of {n_features} names (one per feature), "
            f"received {type(feature_names).__name__} {feature_names!r}."
        )
    names = (
        [f"feature_{k}" for k in range(n_features)]
        if feature_names is None
        else list(feature_names)
    )
    if len(names) != n_features or len(set(names)) != len(names):
        raise ShapeError(
            f"Argument `feature_names` must hold {n_features} distinct names (one per feature of inputs "
            f"{array.shape}), received {feature_names!r}."
        )
    return {str(name): array[:, :, k] for k, name in enumerate(names)}


def _check_concepts(concepts: Any, batch: int) -> dict[str, np.ndarray]:
    if not isinstance(concepts, Mapping) or not concepts:
        raise OptionError(
            "Argument `concepts` must be a non-empty dict name -> array (batch, time) or (batch,), "
            f"received {type(concepts).__name__} {concepts!r:.80}. Example: "
            "feature_concepts(x, ['speed']) or {'label': y}."
        )
    checked = {}
    for name, value in concepts.items():
        if not isinstance(name, str):
            raise OptionError(f"Concept names must be strings, received {name!r}.")
        array = _numeric(value, f"concepts[{name!r}]")
        if array.ndim not in (1, 2) or array.shape[0] != batch:
            raise ShapeError(
                f"Concept {name!r} must have shape (batch, time) or (batch,) with batch = {batch} to "
                f"match the trace, received {array.shape}. Pass one value per sample and step (or per "
                "sample for labels), in the input's time order."
            )
        if np.isinf(array).any():
            raise DataError(
                f"Concept {name!r} contains inf; use finite values (NaN marks cells to leave out)."
            )
        checked[name] = array
    return checked


def _matching(
    chosen: list[LayerTrace], name: str, signal: np.ndarray, *, explicit: bool
) -> list[LayerTrace]:
    """The traces a concept can be compared with: all for (batch,), those with its length otherwise."""
    if signal.ndim == 1:
        return chosen
    fits = [part for part in chosen if part.n_timesteps == signal.shape[1]]
    if not fits or (explicit and len(fits) != len(chosen)):
        lengths = {part.key: part.n_timesteps for part in chosen}
        raise ShapeError(
            f"Concept {name!r} has {signal.shape[1]} timesteps (shape {signal.shape}) but the traces "
            f"have {lengths}. Give a (batch, time) concept the time length of the layer it describes, "
            "and choose that layer with `layer=`."
        )
    return fits


def _numeric(value: Any, name: str) -> np.ndarray:
    try:
        array = np.asarray(value)
    except Exception as exc:
        raise DataError(f"Argument `{name}` could not be read as an array: {exc}.") from exc
    if not (np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)):
        raise DataError(
            f"Argument `{name}` must be numeric, received dtype {array.dtype}. Encode categories as "
            "numbers or indicators first."
        )
    if np.iscomplexobj(array):
        raise DataError(
            f"Argument `{name}` holds complex numbers (dtype {array.dtype}); a concept is real-valued. "
            "Pass the real part, the magnitude or the phase explicitly."
        )
    return array.astype(np.float64)


def _correlate(part: LayerTrace, signal: np.ndarray) -> tuple[np.ndarray, int]:
    """Pearson r of each unit with ``signal`` over the usable cells, and how many cells those are."""
    if signal.ndim == 2:
        keep = np.asarray(part.mask, dtype=bool) & np.isfinite(signal)
        states = np.asarray(part.hidden)[keep].astype(np.float64)
        values = signal[keep]
    else:
        keep = np.isfinite(signal)
        states = np.asarray(part.final_states()["hidden"])[keep].astype(np.float64)
        values = signal[keep]
    n = values.shape[0]
    if n < 2:
        return np.full(part.units, np.nan), n
    states = states - states.mean(axis=0)
    values = values - values.mean()
    denominator = np.sqrt((states**2).sum(axis=0) * (values**2).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (values @ states) / denominator
    r[denominator == 0] = np.nan
    return np.clip(r, -1.0, 1.0), n

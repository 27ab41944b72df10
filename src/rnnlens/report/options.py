"""What a report computes, checked once before any work: every argument of ``rnnlens.report`` by type and
value, so a wrong call fails in a second with a message naming the argument, not minutes later."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnlens.errors import OptionError

__all__ = [
    "DECODE_OPTIONS",
    "DEFAULT_MAX_SAMPLES",
    "ReportOptions",
    "attribution_method",
    "check_max_samples",
    "report_options",
]

DEFAULT_MAX_SAMPLES = 5

#: The ``rnnlens.decode`` options a report passes through: how to read the predictions (values in target
#: units and the step they are for, thresholds, top-k). Inputs, labels and vocabulary come from the data.
DECODE_OPTIONS = (
    "scaler",
    "target_index",
    "target_names",
    "target_offset",
    "horizon",
    "threshold",
    "validation",
    "top_k",
)


@dataclass(frozen=True)
class ReportOptions:
    """What to compute for a report (see :func:`rnnlens.report.collect_report` for each field)."""

    samples: tuple[int, ...] | None = None
    max_samples: int = DEFAULT_MAX_SAMPLES
    method: str | None = None
    target: Any = None
    output: int | str = 0
    states: bool = True
    attributions: bool = True
    labels: tuple[str, ...] | None = None
    vocab: tuple[str, ...] | Mapping[str, tuple[str, ...]] | None = None
    method_options: dict[str, Any] = field(default_factory=dict)
    decode_options: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    background: Any = None
    faithfulness: bool = True
    step_name: str | None = None
    value_units: str | None = None
    input_scaler: Any = None


def report_options(
    *,
    samples: Any = None,
    max_samples: Any = DEFAULT_MAX_SAMPLES,
    method: Any = None,
    target: Any = None,
    output: Any = 0,
    states: Any = True,
    attributions: Any = True,
    labels: Any = None,
    vocab: Any = None,
    method_options: Any = None,
    decode_options: Any = None,
    title: Any = None,
    background: Any = None,
    faithfulness: Any = True,
    step_name: Any = None,
    value_units: Any = None,
    input_scaler: Any = None,
) -> ReportOptions:
    """Check every report argument and freeze them into :class:`ReportOptions`.

    Sample indices are checked against the data later (:func:`rnnlens.report.collect.select_samples`);
    here only their type. ``target`` and ``output`` are checked by the functions that read them.

    Raises:
        OptionError: ``samples`` is not a list of integers, ``max_samples`` not an integer >= 1,
            ``labels`` or ``vocab`` not lists of strings, ``states`` / ``attributions`` /
            ``faithfulness`` not booleans, ``method`` not a string or None, ``title`` not a string,
            ``method_options`` / ``decode_options`` not dicts, an unknown decode option, a
            ``background`` while ``attributions`` is False (it would not be used), ``step_name`` or
            ``value_units`` not a non-empty string, or an ``input_scaler`` that is no scaler (its width is
            checked against the model's features later, :func:`rnnlens.report.input_scaling.input_scaler_for`).

    Example:
        >>> report_options(samples=[0, 3], decode_options={"target_offset": 1}).decode_options
        {'target_offset': 1}
        >>> report_options(step_name="cycle", value_units="cycles").step_name
        'cycle'
    """
    check_max_samples(max_samples)
    for name, value in (
        ("states", states),
        ("attributions", attributions),
        ("faithfulness", faithfulness),
    ):
        if not isinstance(value, bool | np.bool_):
            raise OptionError(f"Argument `{name}` must be True or False, received {value!r}.")
    if method is not None and not isinstance(method, str):
        raise OptionError(
            f"Argument `method` must be an attribution method name such as 'integrated_gradients', "
            f"or None for the default, received {type(method).__name__} {method!r}."
        )
    if background is not None and not attributions:
        raise OptionError(
            "Argument `background` is reference data for the attributions, but `attributions` is "
            "False (or the attributions were computed already): leave `background` out, or let the "
            "report attribute (attributions=True)."
        )
    if title is not None and not isinstance(title, str):
        raise OptionError(f"Argument `title` must be a string or None, received {title!r}.")
    return ReportOptions(
        samples=_samples(samples),
        max_samples=int(max_samples),
        method=method,
        target=target,
        output=output,
        states=bool(states),
        attributions=bool(attributions),
        labels=_names(labels, "labels", "output unit"),
        vocab=_vocab(vocab),
        method_options=_mapping(method_options, "method_options", "{'n_steps': 32}"),
        decode_options=_decode_options(decode_options),
        title=title,
        background=background,
        faithfulness=bool(faithfulness),
        step_name=_words(step_name, "step_name", "what one time step is, e.g. 'cycle' or 'hour'"),
        value_units=_words(
            value_units, "value_units", "the unit of a regression output, e.g. 'cycles'"
        ),
        input_scaler=_scaler(input_scaler),
    )


def attribution_method(method: str | None, background: Any) -> str:
    """The method a report attributes with: ``method`` as given, else the recommended method with a
    background and integrated gradients without one (what :func:`rnnlens.attribute` does with
    ``method=None``).

    Example:
        >>> attribution_method(None, None), attribution_method("saliency", None)
        ('integrated_gradients', 'saliency')
    """
    if method is not None:
        return method
    from rnnlens.attribution.diagnostics import RECOMMENDED_METHOD

    return RECOMMENDED_METHOD if background is not None else "integrated_gradients"


def check_max_samples(max_samples: Any) -> None:
    """Refuse a ``max_samples`` that is not an integer >= 1 (:class:`OptionError`)."""
    if (
        isinstance(max_samples, bool)
        or not isinstance(max_samples, numbers.Integral)
        or max_samples < 1
    ):
        raise OptionError(
            f"Argument `max_samples` must be an integer >= 1, received {max_samples!r}."
        )


def _samples(samples: Any) -> tuple[int, ...] | None:
    if samples is None:
        return None
    if isinstance(samples, numbers.Integral) and not isinstance(samples, bool):
        raise OptionError(
            f"Argument `samples` must be a list of sample indices, received the integer {samples!r}. "
            f"Pass samples=[{samples}] to report that sample, or max_samples={samples} for the first "
            f"{samples}."
        )
    if isinstance(samples, str | bytes | Mapping) or not hasattr(samples, "__iter__"):
        raise OptionError(
            f"Argument `samples` must be a list of sample indices (integers), received "
            f"{type(samples).__name__} {samples!r}."
        )
    items = np.asarray(samples).reshape(-1).tolist() if isinstance(samples, np.ndarray) else samples
    chosen = []
    for value in items:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise OptionError(
                f"Argument `samples` must hold sample indices (integers), received {value!r}."
            )
        chosen.append(int(value))
    return tuple(chosen)


def _names(value: Any, argument: str, one_per: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence | np.ndarray):
        raise OptionError(
            f"Argument `{argument}` must be a list of strings, one per {one_per}, received "
            f"{type(value).__name__} {value!r}."
        )
    items = np.asarray(value).reshape(-1).tolist() if isinstance(value, np.ndarray) else value
    wrong = next((item for item in items if not isinstance(item, str)), None)
    if wrong is not None:
        raise OptionError(
            f"Argument `{argument}` must hold strings, one per {one_per}; found "
            f"{type(wrong).__name__} {wrong!r}."
        )
    return tuple(items)


def _vocab(vocab: Any) -> tuple[str, ...] | Mapping[str, tuple[str, ...]] | None:
    if isinstance(vocab, Mapping):
        frozen: dict[str, tuple[str, ...]] = {}
        for name, words in vocab.items():
            if not isinstance(name, str):
                raise OptionError(
                    f"Argument `vocab` as a dict maps input names (strings) to vocabularies, received "
                    f"the key {name!r}."
                )
            words = _names(words, f"vocab[{name!r}]", "token id")
            if words is None:
                raise OptionError(f"Argument `vocab` gives input {name!r} no vocabulary (None).")
            frozen[name] = words
        return frozen
    return _names(vocab, "vocab", "token id")


def _words(value: Any, argument: str, meaning: str) -> str | None:
    """A short non-empty text (a unit or a step's name), or None for the default."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise OptionError(
            f"Argument `{argument}` must be a non-empty string ({meaning}) or None for the default, "
            f"received {type(value).__name__} {value!r}."
        )
    return value.strip()


def _scaler(value: Any) -> Any:
    """A scaler of the input features as :func:`rnnlens.decoding.scaling.inverse_scale` reads them."""
    if value is None or hasattr(value, "inverse_transform"):
        return value
    pair = isinstance(value, Sequence) and not isinstance(value, str | bytes) and len(value) == 2
    keys = isinstance(value, Mapping) and "mean" in value and bool({"std", "scale"} & set(value))
    if not (pair or keys):
        raise OptionError(
            "Argument `input_scaler` must be the scaler the input features were standardised with: an "
            "object with inverse_transform (e.g. a fitted sklearn StandardScaler), (mean, std) or "
            f"{{'mean': ..., 'std': ...}} with one value per feature; received {type(value).__name__} "
            f"{value!r:.80}."
        )
    return value


def _mapping(value: Any, argument: str, example: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise OptionError(
            f"Argument `{argument}` must be a dict of keyword arguments such as {example}, received "
            f"{type(value).__name__} {value!r}."
        )
    return dict(value)


def _decode_options(value: Any) -> dict[str, Any]:
    options = _mapping(value, "decode_options", "{'scaler': (mean, std), 'target_offset': 1}")
    unknown = sorted(set(options) - set(DECODE_OPTIONS))
    if unknown:
        raise OptionError(
            f"Argument `decode_options` has unknown key(s) {unknown}. Expected keys among "
            f"{list(DECODE_OPTIONS)} (options of rnnlens.decode; labels and vocab are report arguments)."
        )
    return options

"""Results a caller already computed, handed to the report so it shows them instead of computing them again.

:func:`precomputed` checks the types before any work; :meth:`Precomputed.check` checks, once the samples are
chosen, that each result belongs to this model, this output and exactly these samples, in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens.errors import OptionError

__all__ = ["Precomputed", "precomputed"]


@dataclass(frozen=True)
class Precomputed:
    """What the caller computed: each field is None when the report computes it itself."""

    spec: Any = None
    interpretation: Any = None
    trace: Any = None
    attributions: tuple[Any, ...] | None = None

    def check(
        self, model: Any, spec: Any, out: Any, chosen: Sequence[int], batch: Sequence[np.ndarray]
    ) -> None:
        """Refuse a result computed for another model, output or set of samples.

        Args:
            model: the Keras model of the report.
            spec: its ``ModelSpec``.
            out: the ``OutputSpec`` the report explains.
            chosen: the data indices of the reported samples, in order.
            batch: the model's inputs for those samples, one ``(sample, ...)`` array per model input.

        Raises:
            OptionError: a result does not match (the message says what to pass instead).
        """
        rows = len(chosen)
        want = f"the {rows} reported sample(s) {list(chosen)}, in that order"
        if self.spec is not None and (
            self.spec.name != model.name or len(self.spec.outputs) != len(model.outputs)
        ):
            raise OptionError(
                f"Argument `spec` describes model {self.spec.name!r} with {len(self.spec.outputs)} "
                f"output(s), but the report explains model {model.name!r} with {len(model.outputs)}. "
                "Pass rnnlens.inspect_model(model) of this model, or leave `spec` out."
            )
        if self.interpretation is not None:
            found = self.interpretation
            if found.output != out.name:
                raise OptionError(
                    f"Argument `interpretation` decodes output {found.output!r}, but the report explains "
                    f"output {out.name!r}. Decode that output (rnnlens.decode(..., output={out.index})) "
                    "or pass `output=` to the report."
                )
            count = _decoded_samples(found)
            if count is not None and count != rows:
                raise OptionError(
                    f"Argument `interpretation` decodes {count} sample(s), but the report shows {want}. "
                    "Decode exactly those samples, or leave `interpretation` out."
                )
        if self.trace is not None:
            if self.trace.model and self.trace.model != model.name:
                raise OptionError(
                    f"Argument `trace` traces model {self.trace.model!r}, but the report explains model "
                    f"{model.name!r}. Pass rnnlens.trace(model, ...) of this model, or leave `trace` out."
                )
            counts = {layer.n_samples for layer in self.trace.layers}
            if counts and counts != {rows}:
                raise OptionError(
                    f"Argument `trace` holds {sorted(counts)} sample(s), but the report shows {want}. "
                    "Trace exactly those samples, e.g. rnnlens.trace(model, x[samples]), or leave "
                    "`trace` out."
                )
        names = [item.name for item in spec.inputs]
        for result in self.attributions or ():
            if result.input_name not in names:
                raise OptionError(
                    f"Argument `attributions` holds a result for input {result.input_name!r}, but the "
                    f"model's inputs are {names}. Attribute this model, or leave `attributions` out."
                )
            expected = batch[names.index(result.input_name)]
            inputs = np.asarray(result.inputs)
            if inputs.shape != expected.shape or not np.array_equal(
                inputs, expected, equal_nan=True
            ):
                raise OptionError(
                    f"Argument `attributions` explains other inputs than the report's samples: its "
                    f"input {result.input_name!r} holds {inputs.shape[0] if inputs.ndim else 0} "
                    f"sample(s) that differ from {want}. Attribute exactly those samples, or leave "
                    "`attributions` out."
                )


def precomputed(
    *, spec: Any = None, interpretation: Any = None, trace: Any = None, attributions: Any = None
) -> Precomputed:
    """Check the types of precomputed results (before any work) and gather them.

    Args:
        spec: a ``ModelSpec`` or None.
        interpretation: an ``Interpretation`` or None.
        trace: a ``Trace`` or None.
        attributions: an ``AttributionResult``, a tuple / list of them, or None.

    Raises:
        OptionError: a result of the wrong type.

    Example:
        >>> precomputed().attributions is None
        True
    """
    from rnnlens.attribution.result import AttributionResult
    from rnnlens.decoding.interpretation import Interpretation
    from rnnlens.inspection.spec import ModelSpec

    _check_type(spec, ModelSpec, "spec", "rnnlens.inspect_model(model)")
    _check_type(interpretation, Interpretation, "interpretation", "rnnlens.decode(model, x)")
    if trace is not None:
        from rnnlens.tracing.result import Trace

        _check_type(trace, Trace, "trace", "rnnlens.trace(model, x)")
    results: tuple[Any, ...] | None = None
    if attributions is not None:
        items = attributions if isinstance(attributions, tuple | list) else (attributions,)
        for item in items:
            _check_type(item, AttributionResult, "attributions", "rnnlens.attribute(model, x)")
        if not items:
            raise OptionError(
                "Argument `attributions` is an empty tuple; pass the AttributionResult(s) of "
                "rnnlens.attribute(model, x), or True / False."
            )
        results = tuple(items)
    return Precomputed(spec=spec, interpretation=interpretation, trace=trace, attributions=results)


def _check_type(value: Any, cls: type, argument: str, how: str) -> None:
    if value is not None and not isinstance(value, cls):
        raise OptionError(
            f"Argument `{argument}` must be a {cls.__name__} (from {how}) or None, received "
            f"{type(value).__name__}."
        )


def _decoded_samples(interpretation: Any) -> int | None:
    if interpretation.predictions is not None:
        return int(np.asarray(interpretation.predictions).shape[0])
    table = interpretation.table
    if "sample" in table.columns and len(table):
        return int(table["sample"].max()) + 1
    return None

"""Rank attribution methods by how faithful their explanations are on a batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rnnlens.attribution.api import attribute
from rnnlens.attribution.registry import method_info
from rnnlens.errors import OptionError
from rnnlens.loading import ensure_model
from rnnlens.quality.curves import deletion_curve, insertion_curve
from rnnlens.quality.replacement import Replacement

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_METHODS", "compare"]

DEFAULT_METHODS = ("saliency", "input_x_gradient", "integrated_gradients", "occlusion")


def compare(
    model: Any,
    inputs: Any,
    methods: Sequence[str] = DEFAULT_METHODS,
    target: Any = None,
    *,
    baseline: Any = None,
    background: Any = None,
    replacement: str = "mean",
    n_draws: int = 8,
    steps: int = 10,
    n_random: int = 5,
    seed: int = 0,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Attribute with each method, then score its ranking with deletion and insertion curves.

    Methods that take a baseline (integrated gradients, occlusion, ...) use ``baseline`` too, and methods
    that read reference data (expected gradients) get ``background``, so the explanation and the test
    remove cells the same way. With ``background``, cells are deleted towards the data (its per-feature
    mean, or drawn background samples: ``replacement``), not towards zeros, which on recurrent models can
    rank methods against the truth. All methods face the same random orders and draws (``seed``).

    Args:
        model: a ``keras.Model`` or the path of a ``.keras`` / ``.h5`` file.
        inputs: ``(sample, time, feature)`` floats, ``(sample, token)`` ids, or one array per input.
        methods: registered method names or aliases (see ``rnnlens.attribution.available_methods()``).
        target: what to explain, as for :func:`rnnlens.attribute`.
        baseline: what a removed cell becomes (see :func:`deletion_curve`); None: zeros, or the
            background's per-feature mean when ``background`` is given.
        background: reference data from the training distribution (any form :func:`rnnlens.attribute`
            takes), for the methods and the curves alike.
        replacement: with ``background``: ``"mean"`` or ``"samples"`` (see :func:`deletion_curve`).
        n_draws: background draws for ``replacement="samples"``.
        steps: fraction steps of each curve.
        n_random: random orders behind ``*_random_gap``.
        seed: seeds the random orders.
        options: per-method options, e.g. ``{"integrated_gradients": {"n_steps": 32}}``.

    Returns:
        A DataFrame, one row per (method, input), best first: ``rank``, ``method``, ``input_name``,
        ``deletion_aopc``, ``deletion_normalized_aopc``, ``deletion_auc``, ``deletion_random_gap``,
        ``insertion_aopc``, ``insertion_auc``, ``insertion_random_gap`` (means over samples). Sorted by
        ``deletion_aopc`` then ``deletion_random_gap``, both descending.

    Raises:
        OptionError: unknown method or option, empty ``methods``, a bad ``replacement`` /
            ``n_draws``. Anything :func:`rnnlens.attribute` or
            :func:`deletion_curve` raises for bad inputs, targets or baselines.

    Example:
        >>> table = compare(model, x, target=(5, 0), options={"occlusion": {"window": 2}})
        >>> table[["rank", "method", "deletion_aopc", "insertion_aopc"]].shape  # one row per method
        (4, 4)
    """
    import pandas as pd

    if isinstance(methods, str | bytes) or not isinstance(methods, Sequence) or not methods:
        raise OptionError(
            f"Argument `methods` must be a non-empty list of method names, received {methods!r}."
        )
    infos = [method_info(name) for name in methods]
    per_method = {method_info(name).name: dict(opts) for name, opts in (options or {}).items()}
    unused = sorted(set(per_method) - {info.name for info in infos})
    if unused:
        raise OptionError(
            f"Argument `options` names method(s) {unused} that are not in `methods` "
            f"{[info.name for info in infos]}."
        )
    removal = Replacement.choose(
        baseline, background, replacement, n_draws
    )  # fail before attributing
    model = ensure_model(model)
    curve_args = {
        "target": target,
        "baseline": baseline,
        "background": background,
        "replacement": replacement,
        "n_draws": n_draws,
        "steps": steps,
        "n_random": n_random,
        "seed": seed,
    }
    rows = []
    for info in infos:
        results = attribute(
            model,
            inputs,
            method=info.name,
            target=target,
            baselines=baseline if info.baselines else None,
            background=background if info.baselines or info.background else None,
            faithfulness=False,  # the curves below score every method; no second score per row
            **per_method.get(info.name, {}),
        )
        for result in results if isinstance(results, tuple) else (results,):
            deletion = deletion_curve(model, inputs, result, **curve_args).scores()
            insertion = insertion_curve(model, inputs, result, **curve_args).scores()
            rows.append(
                {
                    "method": info.name,
                    "input_name": result.input_name,
                    "deletion_aopc": deletion["aopc"],
                    "deletion_normalized_aopc": deletion["normalized_aopc"],
                    "deletion_auc": deletion["auc"],
                    "deletion_random_gap": deletion["random_gap"],
                    "insertion_aopc": insertion["aopc"],
                    "insertion_auc": insertion["auc"],
                    "insertion_random_gap": insertion["random_gap"],
                }
            )
    frame = pd.DataFrame(rows).sort_values(
        ["deletion_aopc", "deletion_random_gap"], ascending=False, kind="stable"
    )
    frame.insert(0, "rank", range(1, len(frame) + 1))
    frame = frame.reset_index(drop=True)
    frame.attrs.update(
        {
            "steps": steps,
            "n_random": n_random,
            "seed": seed,
            "replacement": removal.kind,
        }
    )
    return frame

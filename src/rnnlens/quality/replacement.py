"""What a removed cell becomes in a faithfulness curve: a baseline, the background's mean, or background samples.

Deleting towards zeros asks the model about inputs it never saw in training; deleting towards the data
(Hooker et al., 2019; Covert et al., 2021) keeps the perturbed inputs near the training distribution. With
``background`` data, a removed cell takes the background's per-feature mean (``replacement="mean"``), or,
with ``replacement="samples"``, the value of a drawn background sample at the same step and feature, the
curve being averaged over ``n_draws`` draws (one background sample per draw and explained sample).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens.attribution.options import check_choice, check_positive_int
from rnnlens.errors import OptionError, ShapeError

__all__ = ["REPLACEMENTS", "Replacement", "check_background_steps", "draw_donors"]

REPLACEMENTS = ("mean", "samples")
# Each draw costs a whole curve's evaluations; the mean over draws settles long before this.
_MAX_DRAWS = 256


@dataclass(frozen=True)
class Replacement:
    """What removed cells become, decided once from the curve's arguments.

    Attributes:
        kind: ``"baseline"`` (the given baseline; zeros by default), ``"mean"`` (the background's
            per-feature mean) or ``"samples"`` (drawn background samples, averaged over draws).
        n_draws: draws of background samples (1 unless ``kind == "samples"``).
    """

    kind: str
    n_draws: int = 1

    @classmethod
    def choose(cls, baseline: Any, background: Any, replacement: str, n_draws: int) -> Replacement:
        """Validate the curve's arguments and decide what removed cells become.

        Args:
            baseline: the curve's ``baseline`` (None: zeros, or the background's mean with a background).
            background: the curve's ``background`` (None: no reference data).
            replacement: ``"mean"`` or ``"samples"``.
            n_draws: background draws for ``"samples"``.

        Raises:
            OptionError: an unknown ``replacement``, a bad ``n_draws``, ``"samples"`` without a
                background, or with an explicit baseline as well.

        Example:
            >>> Replacement.choose(None, np.zeros((3, 6, 2)), "samples", 4)
            Replacement(kind='samples', n_draws=4)
            >>> Replacement.choose(None, None, "mean", 8).kind
            'baseline'
        """
        replacement = check_choice(replacement, "replacement", REPLACEMENTS)
        n_draws = check_positive_int(
            n_draws,
            "n_draws",
            maximum=_MAX_DRAWS,
            why="Each draw costs one curve's evaluations; the mean settles long before.",
        )
        if replacement == "samples":
            if background is None:
                raise OptionError(
                    "Argument `replacement='samples'` replaces removed cells by values of background "
                    "samples, but no `background` was given; pass background=REF (training data), or "
                    "use replacement='mean'."
                )
            if baseline is not None:
                raise OptionError(
                    "Argument `replacement='samples'` takes removed cells from `background`, so a "
                    f"`baseline` ({baseline!r}) does not apply; leave `baseline` out, or use "
                    "replacement='mean' to delete towards the baseline."
                )
            return cls("samples", n_draws)
        return cls("mean" if background is not None and baseline is None else "baseline")


def draw_donors(n_background: int, samples: int, n_draws: int, seed: int) -> np.ndarray:
    """``(n_draws, samples)`` indices of the background sample each explained sample takes per draw.

    Drawn with replacement from their own stream of ``seed``, so the random orders of the curve do not
    change with the number of draws, and every method compared faces the same draws.

    Example:
        >>> draw_donors(5, 3, 2, seed=0).shape
        (2, 3)
    """
    rng = np.random.default_rng([int(seed), 1])
    return rng.integers(0, n_background, size=(n_draws, samples))


def check_background_steps(background: np.ndarray, inputs: np.ndarray, name: str) -> None:
    """Background samples lend their cells step by step: they need the inputs' shape per sample.

    Raises:
        ShapeError: the shapes per sample differ.
    """
    if background.shape[1:] != inputs.shape[1:]:
        raise ShapeError(
            f"Argument `background` has samples of shape {background.shape[1:]} for input {name!r}, "
            f"but the inputs have {inputs.shape[1:]}; replacement='samples' takes each removed cell "
            "from a background sample at the same step, so pass background of the inputs' length (or "
            "use replacement='mean')."
        )

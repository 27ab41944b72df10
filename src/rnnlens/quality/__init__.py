"""Quality: how faithful is an explanation? Deletion / insertion curves, AOPC and a random baseline.

Example:
    >>> from rnnlens.quality import compare, deletion_curve  # doctest: +SKIP
    >>> compare(model, x, target=(9, 0))  # methods ranked by AOPC and random gap  # doctest: +SKIP
"""

from __future__ import annotations

from rnnlens.quality.compare import compare
from rnnlens.quality.curves import deletion_curve, insertion_curve
from rnnlens.quality.result import FaithfulnessResult

__all__ = ["FaithfulnessResult", "compare", "deletion_curve", "insertion_curve"]

"""Quality: how faithful is an explanation? Deletion / insertion curves, AOPC and a random baseline.

Example:
    >>> from rnnlens.quality import compare
    >>> compare(model, x, target=(5, 0))["method"].tolist()  # ranked by AOPC and random gap
    [...]
"""

from __future__ import annotations

from rnnlens.quality.compare import compare
from rnnlens.quality.curves import deletion_curve, insertion_curve
from rnnlens.quality.result import FaithfulnessResult

__all__ = ["FaithfulnessResult", "compare", "deletion_curve", "insertion_curve"]

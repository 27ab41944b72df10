"""Quality: how faithful is an explanation? Deletion / insertion curves, AOPC and a random baseline.

Curves delete towards zeros by default, or towards the data with ``background=`` (its mean, or drawn
background samples); :func:`rank_agreement` checks a metric's ranking of methods against a known truth.

Example:
    >>> from rnnlens.quality import compare
    >>> compare(model, x, target=(5, 0))["method"].tolist()  # ranked by AOPC and random gap
    [...]
"""

from __future__ import annotations

from rnnlens.quality.agreement import rank_agreement
from rnnlens.quality.compare import compare
from rnnlens.quality.curves import deletion_curve, insertion_curve
from rnnlens.quality.result import FaithfulnessResult

__all__ = ["FaithfulnessResult", "compare", "deletion_curve", "insertion_curve", "rank_agreement"]

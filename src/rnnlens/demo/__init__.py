"""``rnnlens demo``: the whole pipeline (describe, decode, trace, attribute, report) on built-in models.

The default demo explains the shipped C-MAPSS FD001 turbofan models; ``example=`` runs one of the seed
document's three examples (forecast, sentiment, translation), trained on generated data.
"""

from __future__ import annotations

from rnnlens.demo.result import DemoResult
from rnnlens.demo.run import DEMO_CHOICES, run_demo

__all__ = ["DEMO_CHOICES", "DemoResult", "run_demo"]

"""Which units do what: gate saturation, memory timescales, concept correlation, state trajectories.

Everything here reads a :class:`rnnlens.Trace` (NumPy / pandas only, no model calls) and leaves out the
masked steps.
"""

from __future__ import annotations

from rnnlens.units.concepts import feature_concepts, unit_concepts
from rnnlens.units.saturation import gate_saturation
from rnnlens.units.summary import UnitReport, summarize_units
from rnnlens.units.timescales import memory_timescales
from rnnlens.units.trajectories import StateTrajectories, state_trajectories

__all__ = [
    "StateTrajectories",
    "UnitReport",
    "feature_concepts",
    "gate_saturation",
    "memory_timescales",
    "state_trajectories",
    "summarize_units",
    "unit_concepts",
]

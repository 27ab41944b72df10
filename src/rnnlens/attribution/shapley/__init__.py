"""Shapley values for sequences: players over time, features, cells or windows; exact enumeration for
small games, sampled estimators with standard errors for large ones, and TimeSHAP's temporal pruning."""

from rnnlens.attribution.shapley.method import ShapleyValues
from rnnlens.attribution.shapley.players import PLAYER_KINDS
from rnnlens.attribution.shapley.sampling import ESTIMATORS

__all__ = ["ESTIMATORS", "PLAYER_KINDS", "ShapleyValues"]

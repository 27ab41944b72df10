"""Predictions -> meaning: labels, probabilities, top-k, entropy, values in target units, generated tokens.

:func:`decode` reads the output's head from :func:`rnnlens.inspect_model` and dispatches to one module per
head kind (``binary``, ``categorical``, ``regression``, ``seq2seq``); every result is an
:class:`Interpretation` holding a pandas table, saved as CSV, JSON or Parquet.
"""

from __future__ import annotations

from rnnlens.decoding.api import decode, head_kind
from rnnlens.decoding.binary import decode_binary
from rnnlens.decoding.categorical import decode_categorical, entropy
from rnnlens.decoding.generation import GenerationOptions
from rnnlens.decoding.interpretation import KINDS, Interpretation
from rnnlens.decoding.regression import decode_regression
from rnnlens.decoding.regression_options import RegressionOptions
from rnnlens.decoding.scaling import inverse_scale
from rnnlens.decoding.seq2seq import Generation, generate_greedy, generation_tables
from rnnlens.decoding.thresholds import ThresholdChoice, choose_threshold

__all__ = [
    "KINDS",
    "Generation",
    "GenerationOptions",
    "Interpretation",
    "RegressionOptions",
    "ThresholdChoice",
    "choose_threshold",
    "decode",
    "decode_binary",
    "decode_categorical",
    "decode_regression",
    "entropy",
    "generate_greedy",
    "generation_tables",
    "head_kind",
    "inverse_scale",
]

"""Exact traces of recurrent layers: hidden states, cell states and every gate, per sample and timestep.

Keras exposes none of the gates and no per-step cell state; rnnlens recomputes them from each layer's
weights (cells in ``lstm.py``, ``gru.py``, ``simple_rnn.py``; custom cells are stepped as they are) and
replays the model's graph so masks and handed-over states are exactly Keras's.
"""

from __future__ import annotations

from rnnlens.tracing.api import trace, trace_to_file
from rnnlens.tracing.result import AXES, LayerTrace, Trace

__all__ = ["AXES", "LayerTrace", "Trace", "trace", "trace_to_file"]

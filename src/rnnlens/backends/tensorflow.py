"""TensorFlow implementations of the backend seam."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf


def compile_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Trace ``fn`` once per input signature into a graph (``reduce_retracing`` keeps shapes flexible)."""
    return tf.function(fn, reduce_retracing=True)

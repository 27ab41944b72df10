"""JAX implementations of the backend seam."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax


def compile_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``jax.jit`` the function (it is retraced for each new input shape)."""
    return jax.jit(fn)

"""PyTorch implementations of the backend seam."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


def compile_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``fn`` eagerly without autograd bookkeeping; torch's eager kernels are already fast on CPU."""

    def run(*args: Any, **kwargs: Any) -> Any:
        with torch.no_grad():
            return fn(*args, **kwargs)

    return run

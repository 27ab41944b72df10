"""rnnlens results -> report parts (the adapters between the analysis packages and the report data model)."""

from __future__ import annotations

from typing import Any

__all__ = ["parts_for"]


def parts_for(result: Any) -> list[Any] | None:
    """Report parts that show ``result``, or ``None`` when no adapter knows its type."""
    return None

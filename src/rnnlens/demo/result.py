"""What a demo run produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DemoResult"]


@dataclass(frozen=True)
class DemoResult:
    """The report written by a demo, the findings printed along the way, and the key figures.

    ``figures`` holds the numbers a user (or a test) can check, e.g. ``test_rmse`` for the turbofan demo or
    ``accuracy`` for the sentiment example; ``findings`` the sentences printed to the console.
    """

    name: str
    report_path: Path
    findings: tuple[str, ...]
    figures: dict[str, float] = field(default_factory=dict)

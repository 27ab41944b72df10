"""Coloured tokens: each token's score as text and a background colour (shared by the page and notebooks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlens.report.data import TokenScores

__all__ = ["token_cells"]


@dataclass(frozen=True)
class _TokenCell:
    token: str
    tip: str
    style: str


def token_cells(scores: TokenScores) -> list[_TokenCell]:
    """Each token with its score as text and a background colour (red > 0, blue < 0, opacity = |score|)."""
    finite = scores.scores[np.isfinite(scores.scores)]
    bound = float(np.abs(finite).max()) if finite.size else 0.0
    cells = []
    for token, score in zip(scores.tokens, scores.scores, strict=True):
        if not np.isfinite(score):
            cells.append(_TokenCell(token, f"{scores.value_label}: n/a", "background: transparent"))
            continue
        alpha = abs(float(score)) / bound if bound > 0 else 0.0
        rgb = "178, 24, 43" if score > 0 else "33, 102, 172"
        cells.append(
            _TokenCell(
                token,
                f"{scores.value_label}: {float(score):.4g}",
                f"background: rgba({rgb}, {0.85 * alpha:.3f})",
            )
        )
    return cells

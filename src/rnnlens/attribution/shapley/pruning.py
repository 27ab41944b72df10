"""TimeSHAP's temporal coalition pruning: older events that jointly matter little become one player.

For one input of one row, split its events into the ``k`` most recent and the older rest, and play the
two-player game {recent, older} (every other input keeps its values). Walking from the most recent event
backwards (``k = 1, 2, ...``), the first split whose older coalition has a Shapley value below ``tolerance``
in absolute value is the cut: every older event is merged into one player (Bento et al. 2021, "TimeSHAP:
Explaining Recurrent Models through Sequence Perturbations"). ``tolerance`` is absolute, in the target's
units, as in TimeSHAP. An input whose older events never fall below it is not pruned.

Splits are tried in blocks, all rows and inputs of a block in one batched call, so a row stops paying as
soon as it found its cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rnnlens.attribution.shapley.evaluation import listed_values
from rnnlens.attribution.shapley.players import Game, merge_older

if TYPE_CHECKING:
    from rnnlens.attribution.problem import Problem

__all__ = ["Pruned", "prune_games"]

_BLOCK = 8


@dataclass(frozen=True)
class Pruned:
    """Games after pruning and the model rows each row's search used."""

    games: list[Game]
    evaluations: np.ndarray


def prune_games(problem: Problem, games: Sequence[Game], tolerance: float) -> Pruned:
    """Merge the older events of every input of every row whose joint effect is below ``tolerance``.

    Returns:
        The pruned games (``Game.cut`` says where each input was cut) and ``(rows,)`` evaluations spent.
    """
    # One search per (row, input with at least two events).
    searches = []
    for r, game in enumerate(games):
        for i in range(len(game.members)):
            events = [p for p, player in enumerate(game.players) if player.input_index == i]
            if len(events) > 1:
                order = sorted(events, key=lambda p: game.players[p].time_start)
                searches.append((r, i, order))
    n_max = max((game.n for game in games), default=0)
    cuts: dict[tuple[int, int], int] = {}
    used = np.zeros(len(games), dtype=np.int64)
    if not searches:
        return Pruned(list(games), used)
    # v(N) and v(N without the input) once per search; then two coalitions per split.
    anchors = _evaluate(
        problem,
        games,
        n_max,
        [(r, _without(games[r].n, [], n_max)) for r, _, _ in searches]
        + [(r, _without(games[r].n, order, n_max)) for r, _, order in searches],
    )
    full = anchors[: len(searches)]
    absent = anchors[len(searches) :]
    for r, _, _ in searches:
        used[r] += 2
    pending = list(range(len(searches)))
    tried = np.zeros(len(searches), dtype=np.int64)
    while pending:
        requests = []
        spans = []
        for s in pending:
            r, _, order = searches[s]
            ks = list(range(tried[s] + 1, min(tried[s] + _BLOCK, len(order) - 1) + 1))
            for k in ks:
                recent, older = order[len(order) - k :], order[: len(order) - k]
                requests.append((r, _without(games[r].n, recent, n_max)))
                requests.append((r, _without(games[r].n, older, n_max)))
            spans.append((s, ks))
            used[r] += 2 * len(ks)
        values = _evaluate(problem, games, n_max, requests).reshape(-1, 2)
        start = 0
        still = []
        for s, ks in spans:
            r, i, order = searches[s]
            block = values[start : start + len(ks)]
            start += len(ks)
            only_older, only_recent = block[:, 0], block[:, 1]
            older_value = 0.5 * ((only_older - absent[s]) + (full[s] - only_recent))
            below = np.flatnonzero(np.abs(older_value) < tolerance)
            if len(below):
                k = ks[int(below[0])]
                cuts[(r, i)] = games[r].players[order[len(order) - k]].time_start
            elif ks and ks[-1] < len(order) - 1:
                tried[s] = ks[-1]
                still.append(s)
        pending = still
    pruned = []
    for r, game in enumerate(games):
        for i in range(len(game.members)):
            if (r, i) in cuts:
                game = merge_older(game, i, cuts[(r, i)])
        pruned.append(game)
    return Pruned(pruned, used)


def _without(n: int, players: Sequence[int], n_max: int) -> np.ndarray:
    """The coalition of all ``n`` players but ``players``, padded to ``n_max`` columns."""
    coalition = np.zeros(n_max, dtype=bool)
    coalition[:n] = True
    coalition[list(players)] = False
    return coalition


def _evaluate(
    problem: Problem, games: Sequence[Game], n_max: int, requests: list[tuple[int, np.ndarray]]
) -> np.ndarray:
    rows = np.array([r for r, _ in requests], dtype=np.int64)
    coalitions = np.stack([c for _, c in requests])
    return listed_values(problem, games, rows, coalitions)

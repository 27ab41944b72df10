"""From players back to cells: ``.values`` keep the input's shape, and a table lists the players.

A player's value is spread evenly over its cells (a token counts as one cell), so sums over cells,
steps or features are sums of player values. Its standard error is divided by its number of cells the
same way (a per-cell share, not a per-cell uncertainty).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from rnnlens.attribution.problem import Problem
    from rnnlens.attribution.shapley.players import Game

__all__ = ["player_tables", "spread_to_cells"]


def spread_to_cells(
    problem: Problem, games: Sequence[Game], per_row: Sequence[np.ndarray]
) -> list[np.ndarray]:
    """Per input, ``(rows, time, features | embedding_dim)`` float64: each player's value / its cells.

    Token inputs hold a token's share in the first embedding component (the embedding axis is summed
    when results are built).
    """
    arrays = [np.zeros((problem.n_rows, *x.shape[1:]), dtype=np.float64) for x in problem.space]
    for r, (game, values) in enumerate(zip(games, per_row, strict=True)):
        share = np.asarray(values, dtype=np.float64) / np.array([p.cells for p in game.players])
        share = np.append(share, 0.0)  # cells that are no player get 0
        for slot, array, members in zip(problem.engine.slots, arrays, game.members, strict=True):
            cells = share[np.where(members >= 0, members, game.n)]
            if slot.tokens:
                array[r, :, 0] = cells[:, 0]
            else:
                array[r] = cells
    return arrays


def player_tables(
    problem: Problem,
    games: Sequence[Game],
    values: Sequence[np.ndarray],
    errors: Sequence[np.ndarray],
) -> list[pd.DataFrame]:
    """One table per input: a row per (explained row, player of that input).

    Columns: ``sample``, ``output_time`` (every-step targets), ``player`` (id within the row's game, global
    across inputs), ``input_name``, ``value``, ``standard_error``, ``time_start``, ``time_stop``
    (exclusive), ``features`` (``"all"`` or an index), ``cells`` and ``merged`` (the older events merged
    by temporal pruning).
    """
    import pandas as pd

    target = problem.target
    slots = problem.engine.slots
    records: list[list[dict[str, object]]] = [[] for _ in slots]
    for r, game in enumerate(games):
        for p, player in enumerate(game.players):
            record: dict[str, object] = {"sample": r // target.per_sample}
            if target.output_times is not None:
                record["output_time"] = target.output_times[r % target.per_sample]
            record.update(
                player=p,
                input_name=slots[player.input_index].name,
                value=float(values[r][p]),
                standard_error=float(errors[r][p]),
                time_start=player.time_start,
                time_stop=player.time_stop,
                features=player.features,
                cells=player.cells,
                merged=player.merged,
            )
            records[player.input_index].append(record)
    columns = [
        "sample",
        *(["output_time"] if target.output_times is not None else []),
        "player",
        "input_name",
        "value",
        "standard_error",
        "time_start",
        "time_stop",
        "features",
        "cells",
        "merged",
    ]
    return [pd.DataFrame(rows, columns=columns) for rows in records]

"""Players of a Shapley game over sequences: which cells of which inputs join or leave together.

A game is built per explained row. Its players partition the cells of every input that take part:

- ``"event"``: one player per time step (all features of a float input; one token of a token input);
- ``"feature"``: one player per feature of a float input, over all its steps;
- ``"cell"``: one player per (step, feature) of a float input (per token of a token input: a token's cell
  is its whole embedding vector);
- ``"window"``: one player per ``window`` consecutive steps x all features (the last window may be
  shorter); ``stride`` must equal ``window``, so windows partition the steps.

Players span all inputs (each input's steps are separate players; ids are global across inputs), so the
efficiency property holds over the sum across inputs. Padded (masked) tokens are never players: they keep
their ids in every coalition, and get exactly 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from rnnlens.attribution.shapley_options import PLAYER_KINDS
from rnnlens.attribution.shapley_options import check_players as check_kind
from rnnlens.errors import OptionError

if TYPE_CHECKING:
    from rnnlens.attribution.engine import Slot

__all__ = [
    "PLAYER_KINDS",
    "Game",
    "Player",
    "build_games",
    "check_players",
    "merge_older",
]


@dataclass(frozen=True)
class Player:
    """One player: a set of cells of one input.

    Attributes:
        input_index: the model input (slot) the cells belong to.
        time_start, time_stop: the steps it spans (``time_stop`` exclusive).
        features: ``"all"`` or the feature index, as text (``"3"``).
        cells: how many cells (tokens count one cell each) it holds.
        merged: True for the older events merged by temporal pruning.
    """

    input_index: int
    time_start: int
    time_stop: int
    features: str
    cells: int
    merged: bool = False


@dataclass(frozen=True, eq=False)
class Game:
    """The players of one explained row.

    Attributes:
        members: per input, ``(time, features)`` player ids (``(time, 1)`` for token inputs); ``-1`` for
            cells that are no player (padded tokens), which keep their value in every coalition.
        players: the players, in id order.
        cut: per input, the first step of the events kept separate after temporal pruning (older events
            form one merged player), or None where the input was not pruned.
    """

    members: tuple[np.ndarray, ...]
    players: tuple[Player, ...]
    cut: tuple[int | None, ...]

    @property
    def n(self) -> int:
        """The number of players."""
        return len(self.players)

    def cells_of(self, player: int) -> list[np.ndarray]:
        """Per input, the boolean cell mask of ``player``."""
        return [members == player for members in self.members]


def check_players(
    players: str, window: int | None, stride: int | None
) -> tuple[int | None, int | None]:
    """Validate the player options; return ``(window, stride)`` (stride defaults to window).

    Raises:
        OptionError: unknown ``players``, a window without ``players='window'`` or a bad window / stride.
    """
    check_kind(players, "players")
    if players != "window":
        if window is not None or stride is not None:
            raise OptionError(
                f"Arguments `window` / `stride` apply to players='window' only, received players="
                f"{players!r} with window={window!r}, stride={stride!r}. Pass players='window' or leave "
                "them out."
            )
        return None, None
    if window is None:
        raise OptionError(
            "players='window' needs `window`: the number of steps per player, e.g. 5."
        )
    for name, value in (("window", window), ("stride", stride)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1
        ):
            raise OptionError(f"Argument `{name}` must be an integer >= 1, received {value!r}.")
    stride = window if stride is None else stride
    if stride != window:
        raise OptionError(
            f"Argument `stride` must equal `window` ({window}) so that windows partition the steps "
            f"(each cell in one player), received stride={stride}. Leave `stride` out."
        )
    return int(window), int(stride)


def build_games(
    slots: Sequence[Slot],
    shapes: Sequence[tuple[int, ...]],
    masks: Sequence[np.ndarray | None],
    row_samples: np.ndarray,
    players: str,
    window: int | None,
) -> list[Game]:
    """One game per explained row.

    Args:
        slots: the model inputs.
        shapes: per input, the attribution-space shape of one sample: ``(time, features)`` or
            ``(time, embedding_dim)`` for token inputs.
        masks: per input, ``(samples, time)`` booleans False at padded tokens, or None.
        row_samples: ``(rows,)`` the sample of each explained row.
        players: one of :data:`PLAYER_KINDS`.
        window: steps per window (``players='window'``).

    Raises:
        OptionError: ``players='feature'`` for a token input, or a window longer than an input.
    """
    layouts = [
        _layout(slot, shape, players, window) for slot, shape in zip(slots, shapes, strict=True)
    ]
    games: dict[int, Game] = {}
    result = []
    for sample in row_samples:
        sample = int(sample)
        if sample not in games:
            games[sample] = _game(layouts, [m[sample] if m is not None else None for m in masks])
        result.append(games[sample])
    return result


def _layout(
    slot: Slot, shape: tuple[int, ...], players: str, window: int | None
) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """An input's local player map ``(time, features)`` and each local player's (start, stop, features)."""
    steps, width = shape[0], (1 if slot.tokens else shape[1])
    times = range(steps)
    if players == "feature" and slot.tokens:
        raise OptionError(
            f"Argument `players='feature'` does not apply to token input {slot.name!r} (a token's cell is "
            "its whole embedding vector); use players='event' or 'cell' (one player per token)."
        )
    if players == "window" and window is not None and window > steps:
        raise OptionError(
            f"Argument `window` is {window} steps but input {slot.name!r} has {steps}; use a window of "
            f"at most {steps} steps."
        )
    every = "all" if width > 1 or slot.tokens else "0"
    if players == "event" or (players == "cell" and slot.tokens):
        local = np.repeat(np.arange(steps)[:, None], width, axis=1)
        spans = [(t, t + 1, every) for t in times]
    elif players == "feature":
        local = np.repeat(np.arange(width)[None, :], steps, axis=0)
        spans = [(0, steps, str(f)) for f in range(width)]
    elif players == "cell":
        local = np.arange(steps * width).reshape(steps, width)
        spans = [(t, t + 1, str(f)) for t in times for f in range(width)]
    else:  # windows (check_players made sure a window is given)
        size = int(window or 1)
        local = np.repeat((np.arange(steps) // size)[:, None], width, axis=1)
        spans = [(s, min(s + size, steps), every) for s in range(0, steps, size)]
    return local.astype(np.int64), spans


def _game(
    layouts: list[tuple[np.ndarray, list[tuple[int, int, str]]]], masks: list[np.ndarray | None]
) -> Game:
    members = []
    players: list[Player] = []
    for index, ((local, spans), mask) in enumerate(zip(layouts, masks, strict=True)):
        if mask is not None:  # padded tokens are no players
            local = np.where(mask[:, None], local, -1)
        used = np.unique(local[local >= 0])
        renumber = np.full(len(spans), -1, dtype=np.int64)
        renumber[used] = np.arange(len(used)) + len(players)
        members.append(np.where(local >= 0, renumber[np.maximum(local, 0)], -1))
        for player in used:
            features = spans[player][2]
            cells = int(np.sum(local == player))
            steps = np.flatnonzero(np.any(local == player, axis=1))
            start, stop = int(steps[0]), int(steps[-1]) + 1
            players.append(Player(index, start, stop, features, cells))
    return Game(tuple(members), tuple(players), tuple(None for _ in layouts))


def merge_older(game: Game, input_index: int, cut: int) -> Game:
    """The game with the event players of one input that lie before step ``cut`` merged into one player.

    The merged player takes the smallest id of the merged ones; later ids shift down.
    """
    older = [
        i
        for i, p in enumerate(game.players)
        if p.input_index == input_index and p.time_stop <= cut and not p.merged
    ]
    cuts = list(game.cut)
    cuts[input_index] = cut
    if not older:
        return Game(game.members, game.players, tuple(cuts))
    first = older[0]
    mapping = np.arange(game.n, dtype=np.int64)
    keep = [i for i in range(game.n) if i not in older[1:]]
    new_ids = np.full(game.n, -1, dtype=np.int64)
    new_ids[keep] = np.arange(len(keep))
    mapping = new_ids[np.where(np.isin(mapping, older), first, mapping)]
    members = tuple(np.where(m >= 0, mapping[np.maximum(m, 0)], -1) for m in game.members)
    merged = [game.players[i] for i in older]
    players = list(game.players[i] for i in keep)
    players[new_ids[first]] = replace(
        merged[0],
        time_start=min(p.time_start for p in merged),
        time_stop=max(p.time_stop for p in merged),
        cells=sum(p.cells for p in merged),
        merged=True,
    )
    return Game(members, tuple(players), tuple(cuts))

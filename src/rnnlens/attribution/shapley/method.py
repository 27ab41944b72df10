"""Shapley values for sequences (interventional, TimeSHAP-style): ``method="shapley"``."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np

from rnnlens.attribution.base import Attribution, Problem, Results
from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.options import check_positive_int
from rnnlens.attribution.perturbation import check_perturbable
from rnnlens.attribution.shapley.cells import player_tables, spread_to_cells
from rnnlens.attribution.shapley.efficiency import balance
from rnnlens.attribution.shapley.evaluation import listed_values
from rnnlens.attribution.shapley.exact import EXACT_PLAYERS, MAX_EXACT_PLAYERS, exact_values
from rnnlens.attribution.shapley.players import Game, build_games, check_players
from rnnlens.attribution.shapley.pruning import prune_games
from rnnlens.attribution.shapley.sampling import minimum_evaluations, sampled_values
from rnnlens.attribution.shapley_options import (
    DEFAULT_MAX_EVALUATIONS,
    DEFAULT_TOLERANCE,
    check_estimator,
    check_exact,
    check_prune,
    check_tolerance,
)
from rnnlens.errors import OptionError

__all__ = ["DEFAULT_MAX_EVALUATIONS", "DEFAULT_TOLERANCE", "ShapleyValues"]


class ShapleyValues(Attribution):
    """Shapley values of players made of cells: time steps, features, cells or windows of time.

    The value of a coalition ``S`` is ``v(S) = F(x with the cells of players outside S replaced by the
    baseline)`` (default zeros; ``rnnlens.attribute(..., background=REF)`` makes it the background's
    per-feature mean). Values sum to ``F(x) - F(baseline)`` exactly, for every estimator: results report
    ``baseline_outputs = v(empty)`` and the ``completeness_gap`` (float32 rounding only).

    Games of at most 14 players are enumerated exactly; larger ones are sampled (paired KernelSHAP with
    the efficiency constraint and a surrogate control variate by default, see
    :mod:`rnnlens.attribution.shapley.sampling`) until every
    standard error is at most ``tolerance * |F(x) - F(baseline)|`` or ``max_evaluations`` are spent (then a
    warning says so, and the result's ``warnings`` too). Each result's ``.values`` keep the input's shape:
    a player's value is spread evenly over its cells. ``players`` (a table per input) lists every player
    with its value, standard error and span; ``standard_errors`` spreads the errors like the values.

    Example:
        >>> shap = ShapleyValues(model)
        >>> result = shap.attribute(x, target=(5, 0), players="event")
        >>> result.values.shape, bool(np.allclose(result.completeness_gap, 0, atol=1e-6))
        ((4, 6, 2), True)
    """

    name = "shapley"

    def attribute(
        self,
        inputs: Any,
        target: Any = None,
        baselines: Any = None,
        *,
        players: str = "event",
        window: int | None = None,
        stride: int | None = None,
        exact: bool | None = None,
        estimator: str = "adjusted",
        tolerance: float = DEFAULT_TOLERANCE,
        max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
        seed: int = 0,
        prune: float | None = None,
        internal_batch_size: int | None = None,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    ) -> Results:
        """Shapley values of ``target`` over the chosen players.

        Args:
            inputs: ``(batch, time, features)`` floats or ``(batch, time)`` token ids, one array per model
                input (list / dict by input name), or a :class:`rnnlens.data.Dataset`.
            target: ``k``, ``(t, k)``, ``"predicted"``, per-sample classes or a :class:`Target`; every
                explained row (sample x output step) is its own game.
            baselines: what a cell outside the coalition becomes (default zeros).
            players: ``"event"`` (a time step of all features; a token), ``"feature"`` (a feature over
                all steps), ``"cell"`` (a step x feature; a token) or ``"window"`` (``window`` steps x all
                features). Players span all inputs; padded tokens are no players and get 0.
            window, stride: steps per window player; ``stride`` must equal ``window`` (the default), so
                windows partition the steps (the last may be shorter).
            exact: True enumerates every coalition (at most 22 players), False samples, None (default)
                enumerates games of at most 14 players and samples larger ones.
            estimator: ``"adjusted"`` (the default: paired KernelSHAP with a surrogate control
                variate), ``"kernel"`` (paired KernelSHAP), ``"leverage"`` (leverage-score sampling) or
                ``"permutation"`` (antithetic permutations; gives exactly 0 to players the target
                ignores). See :mod:`rnnlens.attribution.shapley.sampling`.
            tolerance: sampling stops when every standard error is ``<= tolerance * |F(x) - F(b)|``.
            max_evaluations: model rows per explained row for sampling (``v(empty)`` and ``v(N)``
                included); at least ``4 n + 2`` (regression estimators) or ``4 n - 2`` (permutation).
            seed: seeds the sampling; the same seed gives the same values.
            prune: TimeSHAP's temporal pruning for ``players="event"``: older events whose joint Shapley
                value (in the game {recent, older}) is below ``prune`` in absolute value become one
                player. Absolute, in the target's units; None (default) does not prune.
            internal_batch_size: at most this many coalitions per compiled call.
            memory_budget_mb: sizes the compiled calls when ``internal_batch_size`` is None.

        Returns:
            An :class:`AttributionResult` per input (a tuple for multi-input models), with
            ``baseline_outputs``, ``completeness_gap``, ``standard_errors`` and the ``players`` table;
            ``options`` records the options, the model rows each row used (``evaluations``, pruning
            included) and, when pruned, each row's ``cuts`` (per input, the first step kept separate).

        Raises:
            OptionError: a bad option, a game too large for ``exact=True``, or ``max_evaluations`` too
                small for the game. UnsupportedLayerError: an input whose cells are not (time, feature).
            ShapeError, DataError, TargetError: bad inputs, baselines or target.
        """
        window, stride = check_players(players, window, stride)
        exact = check_exact(exact, "exact")
        estimator = check_estimator(estimator, "estimator")
        tolerance = check_tolerance(tolerance, "tolerance")
        max_evaluations = check_positive_int(max_evaluations, "max_evaluations", minimum=2)
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise OptionError(f"Argument `seed` must be an int, received {seed!r}.")
        if prune is not None:
            prune = check_prune(prune, "prune")
            if players != "event":
                raise OptionError(
                    f"Argument `prune` merges older time steps, so it needs players='event'; received "
                    f"players={players!r}. Pass players='event' or leave `prune` out."
                )
        problem = self._prepare(
            inputs,
            target,
            baselines,
            internal_batch_size=internal_batch_size,
            memory_budget_mb=memory_budget_mb,
        )
        for slot, x in zip(self.engine.slots, problem.space, strict=True):
            check_perturbable(slot, x, self.name)
        games = build_games(
            self.engine.slots,
            [x.shape[1:] for x in problem.space],
            problem.masks,
            problem.target.row_samples(),
            players,
            window,
        )
        evaluations = np.zeros(problem.n_rows, dtype=np.int64)
        if prune is not None:
            pruned = prune_games(problem, games, prune)
            games, evaluations = pruned.games, pruned.evaluations
        solved = _solve(problem, games, exact, estimator, tolerance, max_evaluations, int(seed))
        evaluations = evaluations + solved.evaluations
        options: dict[str, Any] = {
            "players": players,
            "window": window,
            "stride": stride,
            "exact": exact,
            "estimator": estimator,
            "tolerance": tolerance,
            "max_evaluations": max_evaluations,
            "seed": int(seed),
            "prune": prune,
            "evaluations": [int(e) for e in evaluations],
        }
        if prune is not None:
            options["cuts"] = [list(game.cut) for game in games]
        if solved.warnings:
            for message in solved.warnings:
                warnings.warn(message, stacklevel=2)
        return self._shapley_results(problem, games, solved, options)

    def _shapley_results(
        self, problem: Problem, games: list[Game], solved: _Solved, options: dict[str, Any]
    ) -> Results:
        return self._results(
            problem,
            spread_to_cells(problem, games, solved.values),
            options,
            baseline_outputs=solved.empty,
            completeness=True,
            standard_errors=spread_to_cells(problem, games, solved.errors),
            players=player_tables(problem, games, solved.values, solved.errors),
            warnings=solved.warnings,
        )


@dataclasses.dataclass(frozen=True)
class _Solved:
    values: list[np.ndarray]
    errors: list[np.ndarray]
    empty: np.ndarray
    evaluations: np.ndarray
    warnings: list[str]


def _solve(
    problem: Problem,
    games: list[Game],
    exact: bool | None,
    estimator: str,
    tolerance: float,
    max_evaluations: int,
    seed: int,
) -> _Solved:
    """Every row's values: enumerated where the game is small enough (or ``exact``), else sampled."""
    n_rows = problem.n_rows
    largest = max(game.n for game in games)
    if exact is True and largest > MAX_EXACT_PLAYERS:
        raise OptionError(
            f"Argument `exact=True` enumerates 2^n coalitions per row, at most n = {MAX_EXACT_PLAYERS} "
            f"players; this game has {largest}. Use coarser players (players='window' with a `window`, "
            "or prune=...), or exact=None to sample."
        )
    enumerate_row = [exact is True or (exact is None and game.n <= EXACT_PLAYERS) for game in games]
    outputs = problem.target.values(problem.outputs).astype(np.float64)
    values: list[np.ndarray] = [np.zeros(0)] * n_rows
    errors: list[np.ndarray] = [np.zeros(0)] * n_rows
    empty = np.zeros(n_rows)
    evaluations = np.zeros(n_rows, dtype=np.int64)
    messages: list[str] = []
    exact_rows = [r for r in range(n_rows) if enumerate_row[r]]
    sampled_rows = [r for r in range(n_rows) if not enumerate_row[r]]
    if exact_rows:
        found, empties = exact_values(problem, games, exact_rows)
        for r, phi, e in zip(exact_rows, found, empties, strict=True):
            values[r] = balance(phi, outputs[r] - e)
            errors[r] = np.zeros(games[r].n)
            empty[r] = e
            evaluations[r] = 1 << games[r].n
    if sampled_rows:
        biggest = max(games[r].n for r in sampled_rows)
        needed = minimum_evaluations(biggest, estimator)
        if max_evaluations < needed:
            raise OptionError(
                f"Argument `max_evaluations` is {max_evaluations}, too few for a game of {biggest} "
                f"players with estimator {estimator!r}: give at least {needed}, or use fewer players "
                "(players='window' with a `window`, or prune=...)."
            )
        ends = _ends(problem, games, sampled_rows)
        totals = outputs[sampled_rows] - ends[:, 0]
        estimates = sampled_values(
            problem,
            games,
            sampled_rows,
            estimator=estimator,
            tolerance=tolerance,
            max_evaluations=max_evaluations,
            seed=seed,
            empty=ends[:, 0],
            full=ends[:, 1],
            totals=totals,
        )
        late = []
        for j, (r, estimate) in enumerate(zip(sampled_rows, estimates, strict=True)):
            values[r] = balance(estimate.values, totals[j])
            errors[r] = estimate.standard_errors
            empty[r] = ends[j, 0]
            evaluations[r] = estimate.evaluations
            if not estimate.converged:
                late.append((r, float(np.max(estimate.standard_errors)), abs(totals[j])))
        if late:
            worst = max(late, key=lambda item: item[1] / max(item[2], 1e-300))
            messages.append(
                f"Shapley sampling used max_evaluations={max_evaluations} in {len(late)} of "
                f"{n_rows} row(s) before every standard error reached tolerance={tolerance} x "
                f"|F(x) - F(baseline)|; worst row {worst[0]}: standard error {worst[1]:.3g} for "
                f"|F(x) - F(baseline)| = {worst[2]:.3g}. Raise max_evaluations, use fewer players "
                "(players='window', prune=...) or a larger tolerance."
            )
    return _Solved(values, errors, empty, evaluations, messages)


def _ends(problem: Problem, games: list[Game], rows: list[int]) -> np.ndarray:
    """``(len(rows), 2)``: ``v(empty)`` and ``v(N)`` of the given rows."""
    owners = np.repeat(np.asarray(rows, dtype=np.int64), 2)
    n_max = max(game.n for game in games)
    coalitions = np.zeros((len(owners), n_max), dtype=bool)
    coalitions[1::2] = True
    found = listed_values(problem, games, owners, coalitions)
    return found.reshape(-1, 2)

"""A control variate for KernelSHAP: a cheap surrogate game whose Shapley values need no model call.

Regression adjustment (as in Witter et al. 2025, "Regression-adjusted Monte Carlo estimators for Shapley
values"): fit a surrogate ``g`` to the sampled coalitions, take its Shapley values without the model
(every coalition enumerated for up to 20 players, else many antithetic permutations of ``g``), and add the
paired KernelSHAP estimate of the residual game ``v - g`` from the same samples. The sum is the Shapley
value of ``v`` whatever ``g`` is; a ``g`` close to ``v`` leaves a residual with little variance.

The surrogate is ``sigmoid(quadratic(z))`` when every value lies in (0, 1) (probabilities: recurrent
classifiers saturate, and their games are far closer to additive in log-odds), with a ridge-regularised
fit of the log-odds. Paired sampling already makes KernelSHAP exact on pairwise interactions of ``v``
itself, so other targets, and games of more than 40 players, get no surrogate (the plain paired
estimator).
"""

from __future__ import annotations

import numpy as np

from rnnlens.attribution.shapley.exact import shapley_from_table

__all__ = [
    "ENUMERATED_SURROGATE_PLAYERS",
    "MAX_SURROGATE_PLAYERS",
    "LogitQuadratic",
    "fit_surrogate",
]

# The surrogate's coalitions are enumerated up to here (2^20 quadratic forms, about a second).
ENUMERATED_SURROGATE_PLAYERS = 20
# Beyond this many players the quadratic has too many terms to fit quickly (n^2 / 2): no surrogate.
MAX_SURROGATE_PLAYERS = 40
_RIDGE = 1e-2
_CLIP = 1e-6
_CHUNK = 1 << 16


class LogitQuadratic:
    """``g(z) = sigmoid(c + w.z + z'Bz)`` (``B`` strictly upper triangular)."""

    def __init__(self, constant: float, linear: np.ndarray, pairs: np.ndarray) -> None:
        self.constant, self.linear, self.pairs = constant, linear, pairs

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """``g`` of coalitions ``(k, n)`` (booleans or 0/1)."""
        z = np.asarray(z, dtype=np.float64)
        logits = self.constant + z @ self.linear + np.einsum("ki,ij,kj->k", z, self.pairs, z)
        return 1.0 / (1.0 + np.exp(-logits))

    def shapley(self, rng: np.random.Generator) -> np.ndarray:
        """The surrogate's Shapley values: exact up to 20 players, else 2,000+ antithetic permutations."""
        n = len(self.linear)
        if n <= ENUMERATED_SURROGATE_PLAYERS:
            bits = np.int64(1) << np.arange(n, dtype=np.int64)
            table = np.concatenate(
                [
                    self((np.arange(start, min(start + _CHUNK, 1 << n))[:, None] & bits) != 0)
                    for start in range(0, 1 << n, _CHUNK)
                ]
            )
            return shapley_from_table(table, n)
        pairs = max(1000, 100_000 // n)
        total = np.zeros(n)
        for _ in range(0, pairs, 64):
            orders = np.argsort(rng.random((64, n)), axis=1)
            ranks = np.argsort(orders, axis=1)
            for direction in (ranks, n - 1 - ranks):
                prefixes = direction[:, None, :] < np.arange(n + 1)[None, :, None]
                values = self(prefixes.reshape(-1, n)).reshape(64, n + 1)
                steps = np.diff(values, axis=1)  # step j adds the player of rank j
                order = np.argsort(direction, axis=1)
                np.add.at(total, order.ravel(), steps.ravel())
        return total / (2 * 64 * -(-pairs // 64))


def fit_surrogate(z: np.ndarray, values: np.ndarray) -> LogitQuadratic | None:
    """The log-odds quadratic surrogate fitted to coalitions ``z`` ``(k, n)`` and their ``values``, or
    None when the values are not all in (0, 1) or the game has more than 40 players. The first two rows (empty and full coalitions) are
    weighted heavily, so ``g`` nearly matches ``v`` there."""
    if z.shape[1] > MAX_SURROGATE_PLAYERS or not np.all((values > 0) & (values < 1)):
        return None
    n = z.shape[1]
    upper = np.triu_indices(n, 1)
    zf = z.astype(np.float64)
    features = np.hstack([np.ones((len(z), 1)), zf, (zf[:, upper[0]] * zf[:, upper[1]])])
    clipped = np.clip(values, _CLIP, 1 - _CLIP)
    logits = np.log(clipped) - np.log1p(-clipped)
    weights = np.ones(len(z))
    weights[:2] = 1e3
    weighted = features * np.sqrt(weights)[:, None]
    gram = weighted.T @ weighted + _RIDGE * np.eye(features.shape[1])
    coefficients = np.linalg.solve(gram, weighted.T @ (logits * np.sqrt(weights)))
    pairs = np.zeros((n, n))
    pairs[upper] = coefficients[1 + n :]
    return LogitQuadratic(float(coefficients[0]), coefficients[1 : 1 + n], pairs)

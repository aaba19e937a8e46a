"""Optimal assignment (the Hungarian method), for when scipy is not installed.

`linear_sum_assignment` follows scipy's: for an n × m cost matrix it returns row and column
indices of min(n, m) pairs, each row and column used at most once, with the smallest total
cost (the largest with `maximize=True`). It is the shortest-augmenting-path form with
potentials (Kuhn–Munkres as refined by Jonker–Volgenant): O(n² m) for n ≤ m, the inner scan
over columns done as whole-array numpy operations.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def linear_sum_assignment(
    cost: npt.ArrayLike, maximize: bool = False
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    matrix = np.asarray(cost, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError("The cost matrix must be two-dimensional.")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("The cost matrix must hold finite numbers.")
    if maximize:
        matrix = -matrix
    transposed = matrix.shape[0] > matrix.shape[1]
    if transposed:
        matrix = matrix.T
    rows, columns = _assign(matrix)
    if transposed:
        rows, columns = columns, rows
    order = np.argsort(rows)
    return rows[order], columns[order]


def _assign(cost: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Rows ≤ columns. Column 0 and row 0 of the potentials are the virtual start."""
    n, m = cost.shape
    if n == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    owner = np.zeros(m + 1, dtype=np.intp)  # owner[j]: row (1-based) holding column j, 0: free
    way = np.zeros(m + 1, dtype=np.intp)
    for row in range(1, n + 1):
        owner[0] = row
        column = 0
        slack = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, dtype=np.bool_)
        while True:
            used[column] = True
            current = owner[column]
            reduced = cost[current - 1] - u[current] - v[1:]
            free = ~used[1:]
            better = free & (reduced < slack[1:])
            slack[1:][better] = reduced[better]
            way[1:][better] = column
            candidates = np.where(free, slack[1:], np.inf)
            nearest = int(np.argmin(candidates)) + 1
            delta = candidates[nearest - 1]
            u[owner[used]] += delta
            v[used] -= delta
            slack[~used] -= delta
            column = nearest
            if owner[column] == 0:
                break
        while column:  # flip the augmenting path
            previous = way[column]
            owner[column] = owner[previous]
            column = previous
    assigned = np.flatnonzero(owner[1:]) + 1
    return owner[assigned] - 1, assigned - 1

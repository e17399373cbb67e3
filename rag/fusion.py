"""Rank fusion as pure functions over ranked lists."""

from __future__ import annotations

from collections import defaultdict


def reciprocal_rank_fusion(
    rankings: list[list[str]], weights: list[float] | None = None, k: int = 60
) -> list[tuple[str, float]]:
    """Fuse ranked lists of ids by weighted reciprocal rank (Cormack et al., 2009).

    Args:
        rankings: Each a list of ids, best first.
        weights: One weight per ranking; default 1 each.
        k: The RRF constant; larger flattens the difference between ranks. Default 60.

    Returns:
        `(id, score)` pairs, best first; ties keep the order of first appearance.

    Example:
        >>> reciprocal_rank_fusion([["a", "b"], ["b", "c"]])
        [('b', 0.032522...), ('a', 0.016393...), ('c', 0.016129...)]
    """
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings; give one each")
    scores: dict[str, float] = defaultdict(float)
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] += weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])

"""Why a score is high, fast: path contributions of a LightGBM model (private to
:mod:`haiquan.risk.model`).

Each tree sends a declaration down one path. Every split on that path changes the tree's
expected output (the node's value) by ``value(child) - value(parent)``; that change is credited
to the feature the split tested (Saabas' method, as ``treeinterpreter`` does). Summed over the
trees, a declaration's contributions plus the roots' values equal its raw score (log-odds)
exactly, so ``exp(contribution)`` is what a reason multiplies the odds of fraud by.

Why not LightGBM's ``pred_contrib`` (TreeSHAP): its cost grows with leaves x depth² per tree,
so on a peak day the reasons for a few hundred thousand red and yellow declarations would cost
more than the scoring itself (measured in docs/risk.md, "Speed"). A path costs one leaf
look-up per tree (``pred_leaf``, as fast as a prediction) and a table read; the top reasons
agree with TreeSHAP's on most declarations, not all — the method's known bias favours splits
near the leaves.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np

__all__ = ["PathContributions"]

#: Rows per block (leaf indices x trees x depth entries are held at once).
_BLOCK = 2_048  # rows x trees x depth x 32 bytes: ~40 MB for 75 trees of depth 8


class PathContributions:
    """Per-leaf path tables of a booster, and the contributions they give."""

    def __init__(self, booster: lgb.Booster) -> None:
        dump = booster.dump_model()
        self.n_features = len(dump["feature_names"])
        tables: list[tuple[np.ndarray, np.ndarray]] = []
        self.roots: list[float] = []
        for tree in dump["tree_info"]:
            paths: dict[int, list[tuple[int, float]]] = {}
            root = tree["tree_structure"]
            self.roots.append(float(root.get("internal_value", root.get("leaf_value", 0.0))))
            _walk(root, [], paths)
            leaves = max(paths) + 1
            depth = max((len(p) for p in paths.values()), default=0)
            feature = np.zeros((leaves, max(depth, 1)), dtype=np.int64)
            delta = np.zeros((leaves, max(depth, 1)))
            for leaf, path in paths.items():
                for k, (f, d) in enumerate(path):
                    feature[leaf, k], delta[leaf, k] = f, d
            tables.append((feature, delta))
        self._tables = tables
        width = max(t[0].shape[1] for t in tables) if tables else 1
        self._offsets = np.cumsum([0] + [t[0].shape[0] for t in tables])
        self._feature = np.zeros((int(self._offsets[-1]), width), dtype=np.int64)
        self._delta = np.zeros((int(self._offsets[-1]), width))
        for (feature, delta), start in zip(tables, self._offsets[:-1], strict=False):
            self._feature[start : start + len(feature), : feature.shape[1]] = feature
            self._delta[start : start + len(delta), : delta.shape[1]] = delta

    def contributions(
        self, booster: lgb.Booster, features: np.ndarray, threads: int = 0
    ) -> np.ndarray:
        """Per row and feature, its contribution to the raw score (rows x features)."""
        matrix = np.ascontiguousarray(features, dtype=np.float64)
        n = len(matrix)
        out = np.zeros((n, self.n_features))
        for start in range(0, n, _BLOCK):
            block = matrix[start : start + _BLOCK]
            leaves = np.asarray(
                booster.predict(block, pred_leaf=True, num_threads=threads), dtype=np.int64
            ).reshape(len(block), -1)
            trees = leaves.shape[1]
            rows = leaves + self._offsets[None, :trees]
            feature = self._feature[rows]  # rows x trees x depth
            delta = self._delta[rows]
            index = (np.arange(len(block))[:, None, None] * self.n_features + feature).ravel()
            out[start : start + len(block)] = np.bincount(
                index, weights=delta.ravel(), minlength=len(block) * self.n_features
            ).reshape(len(block), self.n_features)
        return out

    def expected(self, trees: int | None = None) -> float:
        """The raw score before any split: the sum of the roots' values."""
        return float(sum(self.roots[:trees]))


def _value(node: dict[str, Any]) -> float:
    return float(node["leaf_value"] if "leaf_value" in node else node["internal_value"])


def _walk(
    node: dict[str, Any], path: list[tuple[int, float]], paths: dict[int, list[tuple[int, float]]]
) -> None:
    """Depth-first, without recursion limits mattering (depth is bounded by the model)."""
    if "leaf_index" in node:
        paths[int(node["leaf_index"])] = path
        return
    if "split_feature" not in node:  # a tree of one leaf
        paths[0] = path
        return
    feature, here = int(node["split_feature"]), _value(node)
    for side in ("left_child", "right_child"):
        child = node[side]
        _walk(child, [*path, (feature, _value(child) - here)], paths)

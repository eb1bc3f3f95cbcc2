"""How sure a score is: flags for declarations unlike what the model learnt from.

A model scores goods it has never seen as confidently as any other, yet on the KCS files its
precision on declarations without a history twin is close to the base rate (docs/risk.md,
"Precision by segment"). So each score carries, in the ``novelty`` column, what is new about the
declaration — read from the same leak-free history counts the model uses:

* ``new importer`` — no earlier declaration of this importer;
* ``HS6 never declared before`` — no earlier declaration of this subheading;
* ``thin history: k past declarations of this HS6 and origin`` — fewer than the rule set's
  ``novelty.thin_history``.

An empty value means the declaration's importer and goods are well known.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from haiquan.risk.policy import SelectivityRules

__all__ = ["novelty_flags"]


def novelty_flags(
    features: np.ndarray, names: Sequence[str], rules: SelectivityRules
) -> np.ndarray:
    """Per row, what is new about the declaration ('' when nothing is).

    Args:
        features: the model's feature matrix of the declarations.
        names: the feature names (:attr:`~haiquan.risk.model.RiskModel.feature_names`).
        rules: the selectivity rule set (its ``novelty.thin_history``).
    """
    n = len(features)
    out = np.full(n, "", dtype=object)
    if not n:
        return out
    at = {name: j for j, name in enumerate(names)}
    importer = features[:, at["importer_count"]]
    hs6 = features[:, at["hs6_count"]]
    pair = features[:, at["hs6_origin_count"]]
    new_importer = importer == 0
    new_hs6 = hs6 == 0
    thin = ~new_hs6 & (pair < rules.novelty.thin_history)
    for i in np.flatnonzero(new_importer | new_hs6 | thin).tolist():
        parts = []
        if new_importer[i]:
            parts.append("new importer")
        if new_hs6[i]:
            parts.append("HS6 never declared before")
        elif thin[i]:
            k = int(pair[i])
            parts.append(f"thin history: {k} past declaration{'s' * (k != 1)} of this HS6 "
                         "and origin")
        out[i] = "; ".join(parts)
    return out

"""The risk model: LightGBM on the history features, trained and selected on time-ordered data.

Selection never looks at the future: the last ``selection_days`` of the training data are held
out, each candidate configuration is trained on the earlier days with early stopping on the
held-out days, the one with the best precision at a 5 % inspection rate wins (AUC breaks ties),
and it is refitted on all training days with the chosen number of rounds. A file given as
``valid`` is only scored afterwards, for the report — it never steers training or selection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from haiquan.errors import DataFileError
from haiquan.risk._contrib import PathContributions
from haiquan.risk.alerts import AeoDirectory
from haiquan.risk.critical import critical_labels, train_critical
from haiquan.risk.drift import reference_distribution
from haiquan.risk.evaluation import evaluate_scores, selection_metrics
from haiquan.risk.feature_names import CATEGORICAL
from haiquan.risk.features import FeatureBuilder, columns_of
from haiquan.risk.reasons import describe_feature, fraud_counts

__all__ = [
    "DEFAULT_CANDIDATES",
    "TWIN_KEY",
    "RiskModel",
    "TrainingConfig",
    "describe_feature",
    "require_labels",
    "train_model",
]

#: Candidate LightGBM configurations compared on the selection window.
DEFAULT_CANDIDATES: tuple[dict[str, Any], ...] = (
    # Depth is bounded on purpose: SHAP explanations (pred_contrib) cost grows with leaves x
    # depth^2, and every declaration sent to control needs one at once; a deeper model gained
    # little precision for much slower explanations (docs/risk.md, "Size for speed").
    # The learning rate is 0.1, not 0.05, for scoring speed: early stopping then ends after
    # fewer trees, and prediction cost grows with the number of trees, for a small loss of
    # precision that stays above target (measured in docs/risk.md).
    {
        "num_leaves": 63,
        "max_depth": 8,
        "learning_rate": 0.1,
        "min_child_samples": 5,
        "colsample_bytree": 0.5,
    },
    {
        "num_leaves": 31,
        "max_depth": 6,
        "learning_rate": 0.1,
        "min_child_samples": 10,
        "colsample_bytree": 0.5,
    },
)


@dataclass(frozen=True)
class TrainingConfig:
    """How a model is trained and selected.

    Attributes:
        candidates: LightGBM parameter sets to compare.
        selection_days: the last days of the training data held out to select (>= 1).
        max_rounds: boosting rounds at most; early stopping usually ends sooner.
        early_stopping: rounds without AUC gain on the selection window before stopping.
        refit: refit the winner on all training days (else keep the model trained before them).
        seed: LightGBM's seed, for reproducible models.
        threads: LightGBM threads.
    """

    candidates: tuple[dict[str, Any], ...] = DEFAULT_CANDIDATES
    selection_days: int = 61
    max_rounds: int = 2000
    early_stopping: int = 50
    refit: bool = True
    seed: int = 0
    threads: int = 1


@dataclass
class RiskModel:
    """A trained booster with the feature builder (and its history) it was trained with."""

    booster: lgb.Booster
    builder: FeatureBuilder
    reference: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    #: The critical-fraud model (:mod:`haiquan.risk.critical`) and its reference scores.
    critical: lgb.Booster | None = None
    critical_reference: np.ndarray | None = None
    _paths: PathContributions | None = field(default=None, repr=False, compare=False)

    def predict_critical(self, features: np.ndarray) -> np.ndarray | None:
        """Probability of a critical (public-safety) fraud, ``None`` without that model."""
        if self.critical is None:
            return None
        matrix = np.ascontiguousarray(features, dtype=np.float64)
        threads = 1 if len(matrix) < 256 else 0
        return np.asarray(self.critical.predict(matrix, num_threads=threads), dtype=float)

    @property
    def feature_names(self) -> list[str]:
        return self.builder.feature_names

    def features(self, frame: pd.DataFrame, aeo: AeoDirectory | None = None) -> np.ndarray:
        """Features of declarations to score (history kept with the model + earlier batch rows)."""
        return self.builder.transform(columns_of(frame), aeo=aeo)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Scores in 0-1, higher is riskier.

        LightGBM reads a C-contiguous float64 matrix in place (anything else is copied first);
        batches use every core, small inputs one thread (starting threads costs more).
        """
        matrix = np.ascontiguousarray(features, dtype=np.float64)
        threads = 1 if len(matrix) < 256 else 0
        return np.asarray(self.booster.predict(matrix, num_threads=threads), dtype=float)

    def contributions(self, features: np.ndarray, threads: int = 0) -> np.ndarray:
        """Each feature's contribution to each raw score (log-odds), rows x features: path
        contributions (:mod:`haiquan.risk._contrib`), whose sum plus the trees' root values is
        the raw score."""
        paths = self._paths
        if paths is None:
            paths = self._paths = PathContributions(self.booster)
        return paths.contributions(self.booster, features, threads=threads)

    def explain(self, features: np.ndarray, top: int = 3,
                currencies: Sequence[object] | np.ndarray | None = None,
                columns: Mapping[str, Any] | None = None) -> list[str]:
        """The ``top`` features pushing each score up (path contributions, see
        :meth:`contributions`), as an officer reads them.

        ``currencies`` (one per row, the declaration's ISO 4217 code) puts the unit after the
        amounts a reason names ("declared value 59,000 KRW"). ``columns`` (the rows'
        declaration columns) turns a past fraud rate into the counts behind it ("4 of 4
        inspected past declarations of this HS subheading and origin were fraudulent"). Each
        reason ends with how much it multiplies the odds of fraud ("odds x1.7").
        """
        if len(features) == 0:
            return []
        threads = 1 if len(features) < 256 else 0  # one row: thread start-up costs more
        contrib = self.contributions(features, threads=threads)
        names = self.feature_names
        order = np.argsort(-contrib, axis=1, kind="stable")[:, :top]
        wanted = sorted({names[j][: -len("_fraud_rate")] for j in np.unique(order)
                         if names[j].endswith("_fraud_rate")})
        counts = (self.builder.past_outcomes(columns, wanted)
                  if columns is not None and wanted else {})
        out = []
        units = currencies if currencies is not None else [None] * len(features)
        for i, (row, values, currency) in enumerate(zip(contrib, features, units, strict=True)):
            unit = currency if isinstance(currency, str) and currency else None
            parts = []
            for j in order[i]:
                if row[j] <= 0:
                    continue
                name = names[j]
                key = name[: -len("_fraud_rate")] if name.endswith("_fraud_rate") else None
                if key in counts and np.isfinite(counts[key][i, 0]):
                    text = fraud_counts(key, *counts[key][i])
                else:
                    text = describe_feature(name, values[j], self._category(name, values[j]),
                                            currency=unit)
                parts.append(f"{text} (odds x{np.exp(row[j]):.1f})")
            out.append("; ".join(parts))
        return out

    def _category(self, name: str, value: float) -> str | None:
        if name not in CATEGORICAL or not np.isfinite(value):
            return None
        values = self.builder.categories.get(name, [])
        return values[int(value)] if 0 <= int(value) < len(values) else None


def require_labels(
    frame: pd.DataFrame, path: str | None = None, use: str = "training"
) -> pd.DataFrame:
    """``frame`` itself when it has rows and every row has an inspection result (``fraud``).

    Call it on a frame in the order of its file, with the file's ``path``: bad rows are
    numbered as a spreadsheet shows that file (header = row 1, first data row = 2). ``use``
    names what the file is for (``training``, ``evaluation``), so the message says which of
    the user's files is wrong.

    Raises:
        DataFileError: no rows, or rows without a result (the first ones listed).
    """
    if not len(frame):
        raise DataFileError(
            f"{use} declarations: the file holds no declarations",
            path=path,
            expected="labelled declarations, one per row below the header",
            got="a header and no rows",
            fix="export the declarations again, with their inspection results",
        )
    missing = frame["fraud"].isna().to_numpy()
    if missing.any():
        rows = np.flatnonzero(missing)
        every = len(rows) == len(frame)
        raise DataFileError(
            f"{use} declarations need inspection results",
            path=path,
            problems=[
                {"row": int(i) + 2, "column": "fraud", "problem": "empty"} for i in rows[:20]
            ],
            total_bad_rows=len(rows),
            expected=f"fraud = 0 or 1 on every {use} row (column Fraud in the KCS layout)",
            got=(
                f"no result on any of the {len(rows)} rows (no fraud column?)"
                if every
                else f"{len(rows)} of {len(frame)} row(s) without a result"
            ),
            fix=f"use only inspected declarations for {use} (drop the rows without results)",
        )
    return frame


def _labelled(frame: pd.DataFrame, use: str = "training") -> pd.DataFrame:
    require_labels(frame, use=use)
    labels = frame["fraud"].to_numpy(dtype=float)
    if labels.min() == labels.max():
        raise DataFileError(
            f"{use} declarations need both outcomes",
            expected="some rows with fraud = 1 and some with fraud = 0",
            got=f"every row has fraud = {int(labels[0])}",
            fix="take a longer period that includes detected frauds",
        )
    return frame


def train_model(
    train: pd.DataFrame,
    config: TrainingConfig | None = None,
    aeo: AeoDirectory | None = None,
    valid: pd.DataFrame | None = None,
) -> RiskModel:
    """Train, select and refit a model on labelled canonical declarations.

    Args:
        train: labelled declarations (``fraud`` known on every row), any order.
        config: candidates and selection window; :class:`TrainingConfig` defaults otherwise.
        aeo: AEO status provider for the AEO features.
        valid: later labelled declarations scored for the report only (``meta["evaluation"]``).

    Raises:
        DataFileError: labels missing, only one outcome, or too few days to hold some out.
    """
    config = config or TrainingConfig()
    train = _labelled(train).sort_values("date", kind="stable").reset_index(drop=True)
    builder, features = FeatureBuilder.fit(train, aeo=aeo)
    labels = train["fraud"].to_numpy(dtype=float)
    day = train["date"].to_numpy().astype("datetime64[D]")
    cut = day.max() - np.timedelta64(config.selection_days - 1, "D")
    fit_rows, sel_rows = day < cut, day >= cut
    if fit_rows.sum() < 50 or sel_rows.sum() < 20 or len(np.unique(labels[sel_rows])) < 2:
        raise DataFileError(
            "too little training data to hold out a selection window",
            expected=f"at least 50 rows before and 20 rows (both outcomes) in the last "
            f"{config.selection_days} days",
            got=f"{int(fit_rows.sum())} rows before and {int(sel_rows.sum())} in the window",
            fix="train on a longer period, or lower the selection window",
        )
    tax = (train["value"] * train["tax_rate"] / 100).to_numpy(dtype=float)
    categorical = builder.categorical_indices
    results = []
    best: tuple[float, float, int, dict[str, Any], lgb.Booster] | None = None
    for params in config.candidates:
        full = {
            "objective": "binary",
            "metric": "auc",
            "verbose": -1,
            "seed": config.seed,
            "num_threads": config.threads,
            "deterministic": True,
            **params,
        }
        data = lgb.Dataset(
            features[fit_rows],
            labels[fit_rows],
            categorical_feature=categorical,
            free_raw_data=False,
        )
        check = lgb.Dataset(
            features[sel_rows], labels[sel_rows], reference=data, categorical_feature=categorical
        )
        booster = lgb.train(
            full,
            data,
            num_boost_round=config.max_rounds,
            valid_sets=[check],
            callbacks=[lgb.early_stopping(config.early_stopping, verbose=False)],
        )
        scores = np.asarray(
            booster.predict(features[sel_rows], num_iteration=booster.best_iteration), dtype=float
        )
        metrics = evaluate_scores(labels[sel_rows], scores, tax[sel_rows])
        p5 = selection_metrics(labels[sel_rows], scores, tax[sel_rows], 0.05)["precision"]
        results.append(
            {"params": params, "rounds": int(booster.best_iteration), "selection": metrics}
        )
        key = (p5, metrics["auc"])
        if best is None or key > best[:2]:
            best = (p5, metrics["auc"], int(booster.best_iteration), full, booster)
    assert best is not None
    _, _, rounds, chosen, booster = best
    if config.refit:
        rounds = max(1, int(round(rounds * 1.1)))  # a little more data, a little more rounds
        data = lgb.Dataset(features, labels, categorical_feature=categorical)
        booster = lgb.train(chosen, data, num_boost_round=rounds)
    reference = np.sort(np.asarray(booster.predict(features[sel_rows]), dtype=float))
    reference = np.quantile(reference, np.linspace(0, 1, 1001))
    critical, critical_reference, critical_meta = train_critical(
        train, features, fit_rows, sel_rows, chosen, categorical, config.max_rounds,
        config.early_stopping)
    meta: dict[str, Any] = {
        "critical": critical_meta,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "training": {
            "rows": int(len(train)),
            "from": str(day.min()),
            "to": str(day.max()),
            "fraud_rate": float(labels.mean()),
            "selection_window_from": str(cut),
        },
        "chosen": {
            "params": {k: v for k, v in chosen.items() if k not in ("verbose",)},
            "rounds": rounds,
            "refit": config.refit,
        },
        "candidates": results,
        "drift_reference": reference_distribution(
            features, builder.feature_names, set(CATEGORICAL)
        ),
    }
    model = RiskModel(booster=booster, builder=builder, reference=reference, meta=meta,
                      critical=critical, critical_reference=critical_reference)
    if valid is not None:
        meta["evaluation"] = evaluate_model(model, valid, aeo=aeo, training=train)
    return model


#: A goods item's value, mass and HS code: the KCS synthetic files repeat such tuples across
#: train and valid under other identifiers (docs/risk.md, "What the valid-file figures measure").
TWIN_KEY = ("value", "net_mass_kg", "hs_code")


def evaluate_model(
    model: RiskModel,
    frame: pd.DataFrame,
    aeo: AeoDirectory | None = None,
    rates: Sequence[float] | None = None,
    training: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Score labelled declarations as at scoring time and compare with the baselines.

    Baselines: ``random`` (seeded), ``highest_value`` (value first) and ``importer_history``
    (past fraud rate of the importer, from the same leak-free history as the model).
    ``segments`` splits the model's figures by whether a declaration is flagged as unlike the
    training data (:mod:`~haiquan.risk.novelty`) and, given ``training``, by whether it has an
    exact (value, mass, HS code) twin there: a model that only recognises repeated tuples
    looks skilled on the whole file and guesses on new goods.
    """
    frame = _labelled(frame, use="evaluation").sort_values("date", kind="stable")
    frame = frame.reset_index(drop=True)
    features = model.features(frame, aeo=aeo)
    scores = model.predict(features)
    labels = frame["fraud"].to_numpy(dtype=float)
    tax = (frame["value"] * frame["tax_rate"] / 100).to_numpy(dtype=float)
    kwargs: dict[str, Any] = {} if rates is None else {"rates": rates}
    names = model.feature_names
    baselines: Mapping[str, np.ndarray] = {
        "random": np.random.default_rng(0).random(len(frame)),
        "highest_value": frame["value"].to_numpy(dtype=float),
        "importer_history": features[:, names.index("importer_fraud_rate")],
    }
    from haiquan.risk.novelty import novelty_flags
    from haiquan.risk.policy import load_selectivity_rules

    rules = load_selectivity_rules(on=pd.Timestamp(frame["date"].max()).date())
    novel = novelty_flags(features, names, rules) != ""
    masks = {"flagged novel": novel, "not flagged": ~novel}
    if training is not None:
        seen = pd.MultiIndex.from_frame(training[list(TWIN_KEY)])
        twin = np.asarray(pd.MultiIndex.from_frame(frame[list(TWIN_KEY)]).isin(seen))
        masks = {"with a twin in training": twin, "without a twin": ~twin, **masks}
    critical = model.predict_critical(features)
    critical_truth = critical_labels(frame)
    extra: dict[str, Any] = {}
    if critical is not None and critical_truth is not None and 0 < critical_truth.sum():
        extra["critical"] = evaluate_scores(critical_truth, critical, tax, **kwargs)
    return {
        **extra,
        "model": evaluate_scores(labels, scores, tax, **kwargs),
        "baselines": {
            name: evaluate_scores(labels, s, tax, **kwargs) for name, s in baselines.items()
        },
        "segments": {
            name: evaluate_scores(labels[mask], scores[mask], tax[mask], **kwargs)
            for name, mask in masks.items() if mask.sum() >= 20
        },
    }

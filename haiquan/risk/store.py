"""Model directories: versions kept side by side, one marked current, loaded once per process.

::

    MODEL_DIR/
      CURRENT                 the name of the version in use, e.g. v0002
      versions/v0001/         model.txt (LightGBM), critical.txt (critical-fraud model, when
                              trained), history.npz, meta.json, training.parquet
      versions/v0002/

Training or retraining writes a new version and only then moves ``CURRENT``, so a failed run
never leaves a half-written model in use, and an older version can be put back.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from haiquan._files import write_text_atomically
from haiquan.declarations import is_generated
from haiquan.errors import NotFoundError
from haiquan.risk.features import FeatureBuilder
from haiquan.risk.model import RiskModel
from haiquan.settings import get_settings

__all__ = [
    "default_model_dir",
    "list_versions",
    "load_model",
    "load_training_data",
    "loaded_model",
    "save_model",
    "use_version",
    "version_meta",
]

_CACHE: dict[tuple[str, str], RiskModel] = {}
#: Per model directory, the ``stat`` of its ``CURRENT`` file and the version it named.
_SETTLED_NS = 2_000_000_000  # a CURRENT file older than this is trusted by its stat alone
_CURRENT: dict[str, tuple[tuple[int, int, int], str]] = {}
_LOCK = threading.Lock()


def default_model_dir() -> Path:
    """``HAIQUAN_RISK_MODEL_DIR``, else ``HOME/models/risk``."""
    settings = get_settings()
    return Path(settings.risk_model_dir or settings.home / "models" / "risk")


def list_versions(model_dir: Path) -> list[dict[str, Any]]:
    """Every version with its creation time, training period, whether it is current, and
    whether it was trained on synthetic declarations (``synthetic``)."""
    root = Path(model_dir) / "versions"
    current = _current(Path(model_dir), required=False)
    out = []
    for path in sorted(root.glob("v*")) if root.is_dir() else []:
        meta_file = path / "meta.json"
        if not meta_file.is_file():
            continue
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        evaluation = meta.get("evaluation", {}).get("model", {})
        out.append(
            {
                "version": path.name,
                "current": path.name == current,
                # None: saved before the flag was recorded
                "synthetic": meta.get("synthetic"),
                "synthetic_source": meta.get("synthetic_source"),
                "created": meta.get("created"),
                "training_rows": meta.get("training", {}).get("rows"),
                "training_to": meta.get("training", {}).get("to"),
                "valid_auc": evaluation.get("auc"),
                "valid_precision_at_5": evaluation.get("at", {}).get("5%", {}).get("precision"),
            }
        )
    return out


def _current(model_dir: Path, required: bool = True) -> str | None:
    marker = model_dir / "CURRENT"
    if marker.is_file():
        return marker.read_text(encoding="utf-8").strip()
    if required:
        raise NotFoundError(
            f"no risk model in {model_dir}",
            expected="a model directory written by `haiquan risk train`",
            got="no CURRENT file",
            fix=f"train one: haiquan risk train --train TRAIN.csv --model {model_dir}",
        )
    return None


def save_model(
    model: RiskModel, model_dir: Path, training: pd.DataFrame, *, synthetic: bool | None = None
) -> str:
    """Write ``model`` as the next version and make it current; returns the version name.

    ``synthetic`` records in ``meta.json`` whether the training data was synthetic (the demo's
    model); by default it is read from the frame's declaration ids (those of
    ``generate_synthetic_declarations`` say so); a caller that knows better (a synthetic file,
    a synthetic load) passes it. Scoring with a synthetic model warns; ``haiquan risk
    versions`` shows it.
    """
    root = Path(model_dir) / "versions"
    root.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[1:]) for p in root.glob("v*") if p.name[1:].isdigit()]
    version = f"v{max(numbers, default=0) + 1:04d}"
    tmp = root / f".{version}.tmp"
    tmp.mkdir()
    model.booster.save_model(str(tmp / "model.txt"))
    if model.critical is not None:
        model.critical.save_model(str(tmp / "critical.txt"))
    np.savez(str(tmp / "history.npz"), **model.builder.to_arrays())  # type: ignore[arg-type]
    meta = dict(
        model.meta,
        version=version,
        synthetic=is_generated(training) if synthetic is None else bool(synthetic),
        builder=model.builder.settings(),
        reference=[float(x) for x in model.reference],
        critical_reference=None if model.critical_reference is None
        else [float(x) for x in model.critical_reference],
        feature_names=model.feature_names,
    )
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
    training.to_parquet(tmp / "training.parquet", index=False)
    tmp.rename(root / version)
    use_version(model_dir, version)
    return version


def version_meta(model_dir: Path, version: str | None = None) -> dict[str, Any]:
    """``meta.json`` of a version (the current one unless named), read from disk."""
    root = Path(model_dir)
    name = version or _current(root)
    return dict(json.loads((root / "versions" / str(name) / "meta.json").read_text("utf-8")))


def use_version(model_dir: Path, version: str) -> None:
    """Make ``version`` current (atomically)."""
    if not (Path(model_dir) / "versions" / version / "meta.json").is_file():
        kept = [v["version"] for v in list_versions(model_dir)]
        raise NotFoundError(
            f"no model version {version!r} in {model_dir}",
            expected="one of " + ", ".join(kept) if kept else "a trained version",
            got=repr(version) if kept else f"{version!r}, and no version is kept there",
            fix="list the versions with `haiquan risk versions`"
            if kept
            else f"train one: haiquan risk train --train TRAIN.csv --model {model_dir}",
        )
    marker = Path(model_dir) / "CURRENT"
    write_text_atomically(marker, version)


def load_model(model_dir: Path | None = None, version: str | None = None) -> RiskModel:
    """The model of ``model_dir`` (current version unless named), cached per process.

    Asking again costs one ``stat`` of ``CURRENT`` (the API asks on every request): the version
    it names is re-read only when the file changed, so ``haiquan risk use`` or a retraining is
    seen by a running server at its next request.
    """
    root_text = os.path.abspath(model_dir or default_model_dir())
    name = version or _current_cached(root_text)
    with _LOCK:
        cached = _CACHE.get((root_text, name))
        if cached is not None:
            return cached
        root = Path(root_text)
        path = root / "versions" / name
        if not (path / "meta.json").is_file():
            raise NotFoundError(
                f"model version {name!r} is missing from {root}",
                expected="versions/<name>/meta.json",
                got="no such file",
                fix="run `haiquan risk versions` and pick an existing version",
            )
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        with np.load(path / "history.npz") as arrays:
            builder = FeatureBuilder.from_arrays(dict(arrays), meta["builder"])
        booster = lgb.Booster(model_file=str(path / "model.txt"))
        critical_file = path / "critical.txt"
        model = RiskModel(
            booster=booster,
            builder=builder,
            reference=np.asarray(meta["reference"], dtype=float),
            meta=meta,
            critical=lgb.Booster(model_file=str(critical_file))
            if critical_file.is_file() else None,
            critical_reference=None if meta.get("critical_reference") is None
            else np.asarray(meta["critical_reference"], dtype=float),
        )
        _CACHE[(root_text, name)] = model
        return model


def loaded_model(model_dir: Path | None = None) -> RiskModel | None:
    """The current model of ``model_dir`` if this process has it in memory already, else
    ``None`` (then :func:`load_model` reads it from disk: call that off the event loop).

    Raises:
        NotFoundError: no model was trained in ``model_dir``.
    """
    root_text = os.path.abspath(model_dir or default_model_dir())
    return _CACHE.get((root_text, _current_cached(root_text)))


def _current_cached(root: str) -> str:
    """The version ``CURRENT`` names, re-read only when its ``stat`` changes (``use_version``
    replaces the file, so its inode and modification time change) or is too recent to trust:
    file times tick in milliseconds and a freed inode number can come back, so two changes in
    one tick could look alike ("racy git")."""
    marker = os.path.join(root, "CURRENT")
    try:
        info = os.stat(marker)
    except OSError:
        _CURRENT.pop(root, None)
        name = _current(Path(root))  # raises NotFoundError: no model trained there
        assert name is not None
        return name
    stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
    known = _CURRENT.get(root)
    if known is not None and known[0] == stamp and time.time_ns() - stamp[1] > _SETTLED_NS:
        return known[1]
    name = _current(Path(root))
    assert name is not None
    _CURRENT[root] = (stamp, name)
    return name


def load_training_data(model_dir: Path, version: str | None = None) -> pd.DataFrame:
    """The labelled declarations a version was trained on (for retraining)."""
    root = Path(model_dir)
    name = version or _current(root)
    return pd.read_parquet(root / "versions" / str(name) / "training.parquet")

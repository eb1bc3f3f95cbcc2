"""Which declarations an AEO benefit reaches, matched on the codes declarations carry.

A declaration names its importer, its declarant (customs broker) and its overseas seller by the
codes the clearance system holds — the operator's tax identification number, not the AEO
authorisation number. The AEO registry answers for both (:class:`~haiquan.aeo.RegistryAeoDirectory`
maps each operator's ``tin`` to its authorisation), so a declaration is matched:

* **importer** — the importer's code names a home AEO on the declaration's date;
* **declarant** — otherwise, the declarant's code names a home AEO (an AEO customs broker);
* **partner** — otherwise, the seller's code names an operator a partner administration lists
  under an MRA whose benefits have started, and the goods leave that partner's country.

The questions are asked once per distinct (code, day), and only for codes the directory can
name when it says which (``home_identifiers`` / ``partner_identifiers``): a peak day of two
million declarations asks a few hundred questions, not two million.

:func:`configured_aeo_directory` opens the registry the platform is configured with, for the CLI,
the API and the dashboard alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from haiquan.risk.alerts import AeoDirectory

__all__ = ["AeoMatches", "AeoSource", "configured_aeo_directory", "match_aeo"]


@dataclass(frozen=True)
class AeoMatches:
    """Per declaration, which party's AEO status gives the benefit (at most one is true)."""

    importer: np.ndarray
    declarant: np.ndarray
    partner: np.ndarray

    @property
    def any(self) -> np.ndarray:
        return self.importer | self.declarant | self.partner

    def counts(self) -> dict[str, int]:
        """Declarations reached, by the party that is an AEO, and in all."""
        return {
            "importer": int(self.importer.sum()),
            "declarant": int(self.declarant.sum()),
            "partner": int(self.partner.sum()),
            "total": int(self.any.sum()),
        }


def _texts(values: Any, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, "", dtype=object)
    array = np.asarray(values, dtype=object)
    return np.array(["" if v is None or v != v else str(v).strip().upper() for v in array],
                    dtype=object) if len(array) <= 64 else _texts_fast(array)


def _texts_fast(array: np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(array)
    upper = np.array([str(v).strip().upper() for v in uniques] + [""], dtype=object)
    return upper[np.where(codes < 0, len(uniques), codes)]


def _ask(
    question: Callable[..., bool],
    keys: list[np.ndarray],
    days: np.ndarray,
    rows: np.ndarray,
) -> np.ndarray:
    """``question(*key, day)`` for ``rows``, once per distinct (key, day)."""
    out = np.zeros(len(days), dtype=bool)
    if not len(rows):
        return out
    table = pd.DataFrame({f"k{i}": k[rows] for i, k in enumerate(keys)})
    table["day"] = days[rows]
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(table))
    answers = np.array(
        [bool(question(*parts[:-1], pd.Timestamp(parts[-1]).date())) for parts in uniques],
        dtype=bool,
    )
    out[rows] = answers[codes]
    return out


def match_aeo(columns: Mapping[str, Any], aeo: AeoDirectory | None) -> AeoMatches:
    """The declarations an AEO benefit reaches (see the module's description).

    >>> import datetime as dt
    >>> from haiquan.risk.alerts import InMemoryAeoDirectory
    >>> d = InMemoryAeoDirectory(home=[("IMP1", None, None)])
    >>> m = match_aeo({"importer": ["IMP1", "IMP2"], "declarant": ["D", "IMP1"],
    ...                "seller": [None, None], "departure_country": ["KOR", "KOR"],
    ...                "date": ["2024-01-02", "2024-01-02"]}, d)
    >>> m.importer.tolist(), m.declarant.tolist()
    ([True, False], [False, True])
    """
    n = len(np.asarray(columns["date"]))
    none = np.zeros(n, dtype=bool)
    if aeo is None or n == 0:
        return AeoMatches(none, none.copy(), none.copy())
    days = np.asarray(columns["date"]).astype("datetime64[D]")
    importer = _texts(columns.get("importer"), n)
    declarant = _texts(columns.get("declarant"), n)
    seller = _texts(columns.get("seller"), n)
    departure = _texts(columns.get("departure_country"), n)
    home_ids = _known(aeo, "home_identifiers")
    home = _ask(aeo.is_home_aeo, [importer], days, _candidates(importer, home_ids))
    broker_rows = _candidates(declarant, home_ids)
    broker_rows = broker_rows[~home[broker_rows]]
    broker = _ask(aeo.is_home_aeo, [declarant], days, broker_rows)
    partner_ids = _known(aeo, "partner_identifiers")
    rows = np.flatnonzero((seller != "") & (departure != "") & ~home & ~broker)
    if partner_ids is not None:
        pairs = {(c, o) for c, o in partner_ids}
        rows = rows[[(departure[i], seller[i]) in pairs for i in rows]] if len(rows) else rows
    partner = _ask(lambda s, c, day: aeo.is_partner_aeo(s, c, day), [seller, departure],
                   days, rows)
    return AeoMatches(home, broker, partner)


def _known(aeo: AeoDirectory, name: str) -> frozenset[Any] | None:
    method = getattr(aeo, name, None)
    return None if method is None else frozenset(method())


def _candidates(codes: np.ndarray, known: frozenset[str] | None) -> np.ndarray:
    present = codes != ""
    if known is None:
        return np.flatnonzero(present)
    if not known:
        return np.flatnonzero(np.zeros(len(codes), dtype=bool))
    return np.flatnonzero(present & pd.Index(codes).isin(list(known)))


@dataclass(frozen=True)
class AeoSource:
    """The AEO directory scoring applies and where it comes from (for the report)."""

    directory: AeoDirectory | None
    where: str
    operators: int


_OPENED: dict[str, tuple[tuple[int, ...], AeoSource]] = {}
_CHECKED: dict[str, float] = {}
#: How long a registry read stays in use before its row counts are asked again.
_RECHECK_SECONDS = 1.0
_LOCK = threading.Lock()


def configured_aeo_directory(apply: bool = True) -> AeoSource:
    """The platform's AEO registry (``HAIQUAN_AEO_DATABASE_URL``, else ``HOME/aeo.sqlite``) as
    the directory scoring applies; rebuilt only when the registry changed (asked at most once a
    second, so a change is applied within a second).

    A registry never created (no default file yet) holds no AEO: nothing is created by asking.
    ``apply=False`` applies none (``--no-aeo``).
    """
    if not apply:
        return AeoSource(None, "not applied (--no-aeo)", 0)
    from haiquan.aeo import RegistryAeoDirectory
    from haiquan.aeo.registry import configured_database_url, default_database_url
    from haiquan.settings import get_settings

    url = configured_database_url()
    if url == default_database_url() and not (Path(get_settings().home) / "aeo.sqlite").exists():
        return AeoSource(None, f"no AEO registry yet ({url})", 0)
    with _LOCK:
        known = _OPENED.get(url)
        now = time.monotonic()
        if known is not None and now - _CHECKED.get(url, 0.0) < _RECHECK_SECONDS:
            return known[1]  # the API asks on every request: one query a second at most
        registry = _registry(url)
        stamp = _stamp(registry)
        _CHECKED[url] = now
        if known is not None and known[0] == stamp:
            return known[1]
        directory = RegistryAeoDirectory(registry)
        source = AeoSource(directory, url, len(directory.home_identifiers()))
        _OPENED[url] = (stamp, source)
        return source


_REGISTRIES: dict[str, Any] = {}


def _registry(url: str) -> Any:
    from haiquan.aeo import AeoRegistry

    found = _REGISTRIES.get(url)
    if found is None:
        found = _REGISTRIES[url] = AeoRegistry(url)
    return found


def _stamp(registry: Any) -> tuple[int, ...]:
    """What changes whenever the registry's content does: it only appends rows."""
    from sqlalchemy import func, select

    from haiquan.aeo import tables

    parts = (
        select(func.count()).select_from(tables.operators),
        select(func.coalesce(func.max(tables.status_events.c.event_id), 0)),
        select(func.coalesce(func.max(tables.partner_events.c.event_id), 0)),
        select(func.count()).select_from(tables.received_lists),
    )
    with registry.engine.connect() as connection:
        return tuple(int(connection.execute(q).scalar_one()) for q in parts)

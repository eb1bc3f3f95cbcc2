"""Where the per-series work runs: this process, or a Dask (or Spark) cluster through Fugue.

An engine does one thing — apply a function that takes a pandas panel of some series and returns
a pandas table to every series of a panel — so the forecasting code does not know where it runs.
:func:`make_engine` picks one from a name (``local`` / ``dask``) or the settings
(``HAIQUAN_FORECAST_ENGINE``, ``HAIQUAN_FORECAST_DASK_ADDRESS``).

Results do not depend on the engine: each series is computed on its own with the same code
(tests/forecast/test_engines.py runs the same call on a two-process ``LocalCluster``).
"""

from __future__ import annotations

import os
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import pandas as pd

from haiquan.errors import ConfigurationError, InputError

__all__ = ["DaskEngine", "ForecastEngine", "LocalEngine", "make_engine"]

#: ``func(panel, n_jobs) -> table``; ``n_jobs`` is how many processes it may use itself.
PanelFunction = Callable[[pd.DataFrame, int], pd.DataFrame]


class ForecastEngine(ABC):
    """Runs a per-series function over a long panel (``unique_id`` column)."""

    name: str = "abstract"

    @abstractmethod
    def map_series(self, panel: pd.DataFrame, func: PanelFunction, schema: str) -> pd.DataFrame:
        """Apply ``func`` to groups of whole series and concatenate the results.

        Args:
            panel: long table with a ``unique_id`` column.
            func: ``func(subpanel, n_jobs)``; must treat each series independently.
            schema: Fugue schema of ``func``'s output (``"a:str,b:double"``).
        """


def _buckets(panel: pd.DataFrame, count: int) -> pd.Series:
    """Bucket of each row: a stable hash of its series id (not Python's salted ``hash``)."""
    codes = {uid: zlib.crc32(str(uid).encode()) % count for uid in panel["unique_id"].unique()}
    return panel["unique_id"].map(codes).astype("int64")


class LocalEngine(ForecastEngine):
    """This machine: ``n_jobs`` worker processes (``-1`` = every core, ``1`` = this process).

    Series are hashed into buckets, one per process, as the Dask engine does.
    """

    name = "local"

    def __init__(self, n_jobs: int = -1) -> None:
        self.n_jobs = n_jobs

    def workers(self) -> int:
        """Processes this engine uses."""
        return max(1, os.cpu_count() or 1) if self.n_jobs < 0 else max(1, self.n_jobs)

    def map_series(self, panel: pd.DataFrame, func: PanelFunction, schema: str) -> pd.DataFrame:
        workers = min(self.workers(), panel["unique_id"].nunique())
        if workers <= 1:
            return func(panel, 1)
        from concurrent.futures import ProcessPoolExecutor

        buckets = _buckets(panel, workers)
        parts = [group for _, group in panel.groupby(buckets, sort=True)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(func, parts, [1] * len(parts)))
        return pd.concat(results, ignore_index=True)


#: Seconds to wait for a Dask scheduler before saying it cannot be reached (distributed's own
#: default is 30).
DASK_CONNECT_TIMEOUT = 10.0


def _connect(address: str, timeout: float) -> Any:
    """A ``distributed.Client`` on ``address``, or a ConfigurationError naming the setting."""
    from distributed import Client

    try:
        return Client(address, timeout=timeout)
    except (OSError, ValueError) as error:
        raise ConfigurationError(
            f"cannot reach the Dask scheduler at {address}",
            expected="a running Dask scheduler at HAIQUAN_FORECAST_DASK_ADDRESS "
            "(tcp://host:8786)",
            got=str(error).splitlines()[0] if str(error) else type(error).__name__,
            fix="start `dask scheduler` (and workers) there, correct "
            "HAIQUAN_FORECAST_DASK_ADDRESS, or set HAIQUAN_FORECAST_ENGINE=local",
        ) from error


class DaskEngine(ForecastEngine):
    """A Dask cluster, through Fugue. Series are hashed into ``partitions`` buckets.

    Args:
        client: a ``distributed.Client``; when ``None`` one is made for ``address``.
        address: scheduler address such as ``tcp://10.0.0.5:8786``.
        partitions: buckets of series (default: twice the cluster's worker threads), each
            computed by one task with ``n_jobs=1``.
        connect_timeout: seconds to wait for the scheduler at ``address``.

    Raises:
        ConfigurationError: no client and no address, or a scheduler that cannot be reached.
    """

    name = "dask"

    def __init__(self, client: Any = None, *, address: str | None = None,
                 partitions: int | None = None,
                 connect_timeout: float = DASK_CONNECT_TIMEOUT) -> None:
        if client is None:
            if not address:
                raise ConfigurationError(
                    "the Dask engine needs a scheduler",
                    expected="HAIQUAN_FORECAST_DASK_ADDRESS (tcp://host:8786) or a Client",
                    got="neither",
                    fix="start `dask scheduler` and workers, then export the address",
                )
            client = _connect(address, connect_timeout)
        self.client = client
        self.partitions = partitions

    def _partitions(self) -> int:
        if self.partitions:
            return self.partitions
        threads = sum(self.client.nthreads().values()) or 1
        return 2 * threads

    def map_series(self, panel: pd.DataFrame, func: PanelFunction, schema: str) -> pd.DataFrame:
        import fugue.api as fa

        work = panel.copy()
        work["_bucket"] = _buckets(work, self._partitions())

        def per_bucket(frame: pd.DataFrame) -> pd.DataFrame:
            return func(frame.drop(columns="_bucket"), 1)

        result = fa.transform(work, per_bucket, schema=schema,
                              partition={"by": ["_bucket"]}, engine=self.client,
                              as_local=True)
        out = fa.as_pandas(result)
        return out.reset_index(drop=True)


def make_engine(name: str | None = None, *, address: str | None = None, client: Any = None,
                n_jobs: int | None = None) -> ForecastEngine:
    """The engine named, or the one the settings choose.

    Args:
        name: ``local`` or ``dask``; defaults to ``HAIQUAN_FORECAST_ENGINE``.
        address: Dask scheduler; defaults to ``HAIQUAN_FORECAST_DASK_ADDRESS``.
        client: an existing ``distributed.Client`` (implies ``dask``).
        n_jobs: processes for the local engine; defaults to ``HAIQUAN_FORECAST_N_JOBS``.

    Raises:
        InputError: an unknown engine name.
    """
    from haiquan.settings import get_settings

    settings = get_settings()
    chosen = "dask" if client is not None and name is None else (
        name or settings.forecast_engine)
    if chosen == "local":
        return LocalEngine(n_jobs if n_jobs is not None else settings.forecast_n_jobs)
    if chosen == "dask":
        return DaskEngine(client, address=address or settings.forecast_dask_address)
    raise InputError(
        f"unknown forecast engine {chosen!r}",
        expected="local or dask (Spark: see docs/forecast.md)",
        got=repr(chosen),
        fix="set HAIQUAN_FORECAST_ENGINE=local or dask",
    )

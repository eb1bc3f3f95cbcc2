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

import numpy as np
import pandas as pd

from haiquan.errors import ConfigurationError, InputError

__all__ = ["DaskEngine", "ForecastEngine", "LocalEngine", "make_engine"]

#: ``func(panel, n_jobs) -> table``; ``n_jobs`` is how many processes it may use itself.
PanelFunction = Callable[[pd.DataFrame, int], pd.DataFrame]

#: ``progress(done, total)``: series finished so far, out of all the series of the panel.
Progress = Callable[[int, int], None]

#: Series per task on this machine: small enough that the processes finish together (one
#: long-running bucket would leave the other processes idle) and that a progress bar moves.
LOCAL_CHUNK = 8


class ForecastEngine(ABC):
    """Runs a per-series function over a long panel (``unique_id`` column)."""

    name: str = "abstract"
    #: Called with (series done, series in all) when ``map_series`` is given no ``progress``.
    progress: Progress | None = None

    @abstractmethod
    def map_series(
        self,
        panel: pd.DataFrame,
        func: PanelFunction,
        schema: str,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Apply ``func`` to groups of whole series and concatenate the results.

        Args:
            panel: long table with a ``unique_id`` column.
            func: ``func(subpanel, n_jobs)``; must treat each series independently.
            schema: Fugue schema of ``func``'s output (``"a:str,b:double"``).
            progress: called with (series done, series in all) as groups finish.
        """


def _buckets(panel: pd.DataFrame, count: int) -> pd.Series:
    """Bucket of each row: a stable hash of its series id (not Python's salted ``hash``)."""
    codes = {uid: zlib.crc32(str(uid).encode()) % count for uid in panel["unique_id"].unique()}
    return panel["unique_id"].map(codes).astype("int64")


class LocalEngine(ForecastEngine):
    """This machine: ``n_jobs`` worker processes (``-1`` = every core, ``1`` = this process).

    Series go to the processes in chunks of :data:`LOCAL_CHUNK`, handed out as processes
    free up, so a few slow series do not leave a process idle at the end.
    """

    name = "local"

    def __init__(self, n_jobs: int = -1) -> None:
        self.n_jobs = n_jobs

    def workers(self) -> int:
        """Processes this engine uses."""
        return max(1, os.cpu_count() or 1) if self.n_jobs < 0 else max(1, self.n_jobs)

    def map_series(
        self,
        panel: pd.DataFrame,
        func: PanelFunction,
        schema: str,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        progress = progress or self.progress
        ids = panel["unique_id"].unique()
        total = len(ids)
        workers = min(self.workers(), total)
        chunk_of = pd.Series(np.arange(total) // LOCAL_CHUNK, index=ids)
        parts = [group for _, group in panel.groupby(panel["unique_id"].map(chunk_of), sort=True)]
        results: list[pd.DataFrame] = []
        done = 0
        if workers <= 1:
            for part in parts:
                results.append(func(part, 1))
                done += part["unique_id"].nunique()
                if progress is not None:
                    progress(done, total)
            return pd.concat(results, ignore_index=True) if results else func(panel, 1)
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(func, part, 1): i for i, part in enumerate(parts)}
            ordered: dict[int, pd.DataFrame] = {}
            for future in as_completed(futures):
                index = futures[future]
                ordered[index] = future.result()
                done += parts[index]["unique_id"].nunique()
                if progress is not None:
                    progress(done, total)
        # In the order of the series, whichever process finished first.
        return pd.concat([ordered[i] for i in range(len(parts))], ignore_index=True)


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
            expected="a running Dask scheduler at HAIQUAN_FORECAST_DASK_ADDRESS (tcp://host:8786)",
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

    def __init__(
        self,
        client: Any = None,
        *,
        address: str | None = None,
        partitions: int | None = None,
        connect_timeout: float = DASK_CONNECT_TIMEOUT,
    ) -> None:
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

    def map_series(
        self,
        panel: pd.DataFrame,
        func: PanelFunction,
        schema: str,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        import fugue.api as fa

        work = panel.copy()
        work["_bucket"] = _buckets(work, self._partitions())

        def per_bucket(frame: pd.DataFrame) -> pd.DataFrame:
            return func(frame.drop(columns="_bucket"), 1)

        result = fa.transform(
            work,
            per_bucket,
            schema=schema,
            partition={"by": ["_bucket"]},
            engine=self.client,
            as_local=True,
        )
        out = fa.as_pandas(result)
        progress = progress or self.progress
        if progress is not None:  # Fugue returns the whole table at once
            total = panel["unique_id"].nunique()
            progress(total, total)
        return out.reset_index(drop=True)


def make_engine(
    name: str | None = None,
    *,
    address: str | None = None,
    client: Any = None,
    n_jobs: int | None = None,
    progress: Progress | None = None,
) -> ForecastEngine:
    """The engine named, or the one the settings choose.

    Args:
        name: ``local`` or ``dask``; defaults to ``HAIQUAN_FORECAST_ENGINE``.
        address: Dask scheduler; defaults to ``HAIQUAN_FORECAST_DASK_ADDRESS``.
        client: an existing ``distributed.Client`` (implies ``dask``).
        n_jobs: processes for the local engine; defaults to ``HAIQUAN_FORECAST_N_JOBS``.
        progress: ``progress(done, total)`` as series finish (a progress bar).

    Raises:
        InputError: an unknown engine name.
    """
    from haiquan.settings import get_settings

    settings = get_settings()
    chosen = "dask" if client is not None and name is None else (name or settings.forecast_engine)
    engine: ForecastEngine
    if chosen == "local":
        engine = LocalEngine(n_jobs if n_jobs is not None else settings.forecast_n_jobs)
    elif chosen == "dask":
        engine = DaskEngine(client, address=address or settings.forecast_dask_address)
    else:
        raise InputError(
            f"unknown forecast engine {chosen!r}",
            expected="local or dask (Spark: see docs/forecast.md)",
            got=repr(chosen),
            fix="set HAIQUAN_FORECAST_ENGINE=local or dask",
        )
    engine.progress = progress
    return engine

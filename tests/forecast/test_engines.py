"""The same call on a real two-process Dask cluster (through Fugue) gives the same numbers."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from haiquan.errors import ConfigurationError, InputError
from haiquan.forecast import DaskEngine, LocalEngine, forecast_flows, make_engine


@pytest.fixture(scope="module")
def dask_client() -> Iterator[object]:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    # The workers cannot import this test module when pytest was started as ``pytest`` rather
    # than ``python -m pytest`` (no repository root on their path): send its functions by value.
    import sys

    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.mark.slow
def test_dask_cluster_gives_the_local_numbers(make_flows, quick_config, dask_client) -> None:
    flows = pd.concat([make_flows({"CHN": 96, "MEX": 96, "VNM": 30, "LAO": 96},
                                  zeros=["LAO"]),
                       make_flows({"CHN": 96}, flow="import")], ignore_index=True)
    local = forecast_flows(flows, 6, config=quick_config, engine=LocalEngine(n_jobs=1))
    engine = DaskEngine(dask_client, partitions=3)
    distributed = forecast_flows(flows, 6, config=quick_config, engine=engine)
    assert len(local) == len(distributed) == 5 * 6
    key = ["unique_id", "ds"]
    a = local.sort_values(key).reset_index(drop=True)
    b = distributed.sort_values(key).reset_index(drop=True)
    assert a["model"].tolist() == b["model"].tolist()
    for column in ("yhat", "lo_80", "hi_80", "lo_95", "hi_95"):
        assert np.allclose(a[column], b[column], rtol=1e-9, equal_nan=True), column
    assert a["band_usable"].tolist() == b["band_usable"].tolist()


def _where_each_series_ran(panel: pd.DataFrame, n_jobs: int) -> pd.DataFrame:
    import os

    sizes = panel.groupby("unique_id").size()
    return pd.DataFrame({"unique_id": sizes.index, "rows": sizes.to_numpy(),
                         "pid": os.getpid(), "n_jobs": n_jobs})


@pytest.mark.slow
def test_dask_engine_runs_whole_series_in_worker_processes(dask_client) -> None:
    import os

    panel = pd.DataFrame({"unique_id": np.repeat([f"s{i}" for i in range(8)], 5),
                          "y": np.arange(40.0)})
    out = DaskEngine(dask_client, partitions=4).map_series(
        panel, _where_each_series_ran, "unique_id:str,rows:long,pid:long,n_jobs:long")
    assert sorted(out["unique_id"]) == [f"s{i}" for i in range(8)]
    assert (out["rows"] == 5).all()  # no series was split between tasks
    assert (out["n_jobs"] == 1).all()
    assert os.getpid() not in set(out["pid"])


def test_make_engine_reads_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from haiquan.settings import reset_settings

    assert isinstance(make_engine(), LocalEngine)
    assert make_engine("local", n_jobs=3).n_jobs == 3  # type: ignore[attr-defined]
    monkeypatch.setenv("HAIQUAN_FORECAST_ENGINE", "dask")
    reset_settings()
    with pytest.raises(ConfigurationError, match="HAIQUAN_FORECAST_DASK_ADDRESS"):
        make_engine()
    with pytest.raises(InputError, match="local or dask"):
        make_engine("spark")


def test_an_unreachable_scheduler_is_a_configuration_error_naming_the_setting() -> None:
    import socket

    pytest.importorskip("distributed")
    with socket.socket() as sock:  # bound, not listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
        with pytest.raises(ConfigurationError) as caught:
            DaskEngine(address=address, connect_timeout=0.5)
    message = str(caught.value)
    assert f"cannot reach the Dask scheduler at {address}" in message
    assert "HAIQUAN_FORECAST_DASK_ADDRESS" in message


def test_a_malformed_scheduler_address_is_a_configuration_error() -> None:
    pytest.importorskip("distributed")
    with pytest.raises(ConfigurationError, match="HAIQUAN_FORECAST_DASK_ADDRESS"):
        DaskEngine(address="notanaddress", connect_timeout=0.5)


def test_local_processes_give_the_numbers_of_one_and_report_progress(make_flows,
                                                                     quick_config) -> None:
    flows = make_flows({f"P{i:02d}": 60 for i in range(20)})
    one = forecast_flows(flows, 6, config=quick_config, engine=LocalEngine(n_jobs=1))
    seen: list[tuple[int, int]] = []
    engine = make_engine("local", n_jobs=2, progress=lambda done, total: seen.append(
        (done, total)))
    two = forecast_flows(flows, 6, config=quick_config, engine=engine)
    key = ["unique_id", "ds"]
    a, b = (f.sort_values(key).reset_index(drop=True) for f in (one, two))
    for column in ("yhat", "lo_80", "hi_80", "lo_95", "hi_95"):
        assert np.allclose(a[column], b[column], rtol=1e-9, equal_nan=True), column
    # 20 series in chunks of 8: the bar moves three times and ends at 20 of 20.
    assert [total for _, total in seen] == [20, 20, 20] and seen[-1] == (20, 20)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)

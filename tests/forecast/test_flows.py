"""The output contract on the real Census file, and the library entry points."""

from __future__ import annotations

import pandas as pd
import pytest

from haiquan.errors import InputError, UnknownCodeError
from haiquan.forecast import (
    OUTPUT_COLUMNS,
    backtest_flows,
    forecast_file,
    load_slice,
    run_flow_forecast,
)


def test_census_forecast_keeps_iso_codes_and_census_codes(census_file, quick_config,
                                                          local_engine) -> None:
    run = forecast_file(census_file, "census", 6, partners=["VNM", "EUROPEAN_UNION", "ISR", "5080"],
                        config=quick_config, engine=local_engine)
    out = run.forecasts
    assert out.columns[: len(OUTPUT_COLUMNS)].tolist() == OUTPUT_COLUMNS
    # Countries keep ISO alpha-3; the European Union aggregate keeps its Census code 0003.
    assert set(out["partner"]) == {"VNM", "0003", "ISR"}
    assert set(out["flow"]) == {"import", "export"}
    assert out["period"].min() == "2023-07" and out["period"].max() == "2023-12"
    assert (out["reporter"] == "USA").all()
    # Values stay in US dollars: US imports from Vietnam ran near 10 billion a month in 2023.
    vnm = out[(out["partner"] == "VNM") & (out["flow"] == "import")]
    assert 5e9 < vnm["yhat"].mean() < 2e10
    # Census code 5080 (an old Israel code, zeros only until 2003) is listed, not forecast.
    series = run.series.set_index("partner")
    assert set(series.loc["5080", "series_class"]) == {"skipped"}
    assert set(series.loc["ISR", "series_class"]) == {"regular"}
    assert out.groupby(["partner", "flow"]).size().eq(6).all()


def test_backtest_takes_one_frequency(make_flows, quick_config, local_engine) -> None:
    flows = make_flows({"CHN": 40})
    annual = flows.assign(frequency="A", period=flows["period"].str[:4]).drop_duplicates(
        "period")
    with pytest.raises(InputError, match="one frequency"):
        backtest_flows(pd.concat([flows, annual]), 6, config=quick_config, engine=local_engine)


def test_forecasts_of_two_slices_concatenate(make_flows, quick_config, local_engine) -> None:
    # The series table used to ride in DataFrame.attrs, which made pd.concat of two results fail.
    runs = [run_flow_forecast(make_flows({partner: 60}, flow=flow), 6, config=quick_config,
                              engine=local_engine)
            for partner, flow in (("CHN", "export"), ("VNM", "import"))]
    both = pd.concat([run.forecasts for run in runs], ignore_index=True)
    assert not both.attrs
    assert set(both["partner"]) == {"CHN", "VNM"} and len(both) == 12
    assert [run.series["series_class"].tolist() for run in runs] == [["regular"], ["regular"]]


def test_unknown_partner_is_refused_not_widened(census_file) -> None:
    # A mistyped partner used to drop the filter and forecast all 526 series.
    with pytest.raises(UnknownCodeError) as caught:
        load_slice(census_file, "census", partners=["VNM", "XYZ"])
    message = str(caught.value)
    assert "'XYZ'" in message and "haiquan show country" in message
    assert "'VNM'" not in message


def test_partners_are_named_by_iso_group_or_census_code(census_file) -> None:
    chosen = load_slice(census_file, "census", flow="import",
                        partners=["vnm", "EUROPEAN_UNION", "0003", "5080"])
    rows, shown = chosen.rows, chosen.shown
    assert set(rows["partner"]) == {"VNM", "EUROPEAN_UNION", "CENSUS_5080"}
    assert shown["VNM"] == "VNM" and shown["EUROPEAN_UNION"] == "0003"
    assert shown["CENSUS_5080"] == "5080"


@pytest.mark.parametrize(
    ("filters", "words"),
    [
        ({"flow": "imports"}, "expected one of import, export, re-export, re-import"),
        ({"frequency": "W"}, "expected one of M, Q, A"),
        ({"frequency": "Q"}, "the file has no rows of frequency Q"),
        # The Census file has no HS codes: say so, rather than "no trade rows match the slice".
        ({"commodity_level": 2}, "the file has no HS codes, only TOTAL rows"),
        ({"commodity_level": 3}, "unknown commodity level 3"),
        ({"reporter": "VNM"}, "the file has no rows of reporter VNM: expected a reporter the "
                              "file holds: USA"),
    ],
)
def test_bad_flow_or_frequency_lists_the_valid_values(census_file, filters, words) -> None:
    with pytest.raises(InputError) as caught:
        load_slice(census_file, "census", partners=["VNM"], **filters)
    message = str(caught.value)
    assert words in message
    # the message names the user's own filters, never the Census code behind VNM (5520)
    assert "5520" not in message


def test_unknown_partner_in_the_warehouse_is_refused(make_flows) -> None:
    from haiquan.warehouse.loading import load_trade_frame

    load_trade_frame(make_flows({"CHN": 24}), label="test", sha256="x", synthetic=True)
    rows = load_slice(None, partners=["chn"]).rows
    assert set(rows["partner"]) == {"CHN"}
    with pytest.raises(UnknownCodeError, match="'VNM'"):
        load_slice(None, partners=["VNM"])


def test_reconcile_works_on_the_census_file(census_file, quick_config, local_engine) -> None:
    run = forecast_file(census_file, "census", 3, partners=["VNM", "CHN"], flow="import",
                        reconcile="bottom_up", config=quick_config, engine=local_engine)
    out = run.forecasts.pivot(index="period", columns="partner", values="yhat")
    assert set(out.columns) == {"VNM", "CHN", "WORLD"}
    assert (out["WORLD"] - (out["VNM"] + out["CHN"])).abs().max() < 1e-3 * out["WORLD"].min()
    assert run.forecasts["model"].str.endswith("+bottom_up").all()
    # Two series are too few to calibrate bands: the total has none either, and says so.
    assert not run.forecasts["band_usable"].any() and run.forecasts["hi_95"].isna().all()
    assert any(note.startswith("no 95 % band") for note in run.notes)


def test_unknown_reconcile_method_is_refused_before_any_work(make_flows) -> None:
    with pytest.raises(InputError, match="expected one of bottom_up, mint_ols, mint_wls"):
        forecast_file("/no/such/file.csv", "census", reconcile="magic")
    with pytest.raises(InputError, match="unknown reconciliation method 'magic'"):
        run_flow_forecast(make_flows({"CHN": 24}), 3, reconcile="magic")


def test_forecasts_of_demo_data_say_they_are_synthetic(isolated_settings, census_file,
                                                       quick_config, local_engine) -> None:
    from haiquan.forecast.flows import backtest_file
    from haiquan.forecast.slices import SYNTHETIC_NOTE
    from haiquan.warehouse.loading import load_trade_frame
    from haiquan.warehouse.synthetic import generate_synthetic_trade

    real = forecast_file(census_file, "census", 3, partners=["VNM"], flow="import",
                         config=quick_config, engine=local_engine)
    assert real.synthetic is False
    rows = generate_synthetic_trade(first_year=2008, last_year=2020, seed=7)
    load_trade_frame(rows, label="synthetic demo", sha256="0" * 64, synthetic=True)
    demo = forecast_file(None, None, 2, reporter="VNM", partners=["KOR"], frequency="A",
                         config=quick_config, engine=local_engine)
    assert demo.synthetic is True and not demo.forecasts.empty
    tested = backtest_file(None, None, 2, reporter="VNM", partners=["KOR"], frequency="A",
                           config=quick_config, engine=local_engine, store=False)
    assert tested.notes[0] == SYNTHETIC_NOTE


def test_warehouse_slice_names_the_filter_it_lacks(make_flows) -> None:
    # Asking a monthly-only warehouse for quarters used to blame the partner ("0 partners").
    from haiquan.warehouse.loading import load_trade_frame

    load_trade_frame(make_flows({"CHN": 24}), label="test", sha256="x", synthetic=True)
    with pytest.raises(InputError) as caught:
        load_slice(None, partners=["CHN"], frequency="Q")
    assert "the warehouse has no rows of frequency Q" in str(caught.value)
    assert "holds: M" in str(caught.value) and "unknown partner" not in str(caught.value)


def test_partner_by_name_and_group_hint(census_file) -> None:
    rows = load_slice(census_file, "census", flow="import", partners=["Viet Nam"]).rows
    assert set(rows["partner"]) == {"VNM"}
    with pytest.raises(UnknownCodeError) as caught:
        load_slice(census_file, "census", partners=["ASEAN"])
    assert "--partner VNM" in str(caught.value) and "--partner THA" in str(caught.value)


def _canonical_file(tmp_path, frames) -> str:
    from haiquan.warehouse.sources.canonical import write

    return str(write(pd.concat(frames, ignore_index=True), tmp_path / "flows.csv"))


def test_commodity_forecasts_keep_their_hs_code(make_flows, tmp_path, quick_config,
                                                local_engine) -> None:
    # Without a commodity column the rows of chapters 01 and 02 could not be told apart.
    path = _canonical_file(tmp_path, [make_flows({"CHN": 30}, commodity="01"),
                                      make_flows({"CHN": 30}, commodity="02")])
    out = tmp_path / "out.csv"
    forecast_file(path, "canonical", 3, commodity_level=2, config=quick_config,
                  engine=local_engine, output=out)
    frame = pd.read_csv(out, dtype=str)
    # make_flows' rows are labelled synthetic ("synthetic-test"): the file says so last.
    assert frame.columns.tolist() == ["reporter", "partner", "flow", "commodity", "period",
                                      "yhat", "lo_80", "hi_80", "lo_95", "hi_95", "model",
                                      "band_usable", "synthetic"]
    assert frame.groupby("commodity").size().to_dict() == {"01": 3, "02": 3}


def test_skipped_series_say_why(make_flows, tmp_path, quick_config, local_engine) -> None:
    path = _canonical_file(tmp_path, [make_flows({"CHN": 30}),
                                      make_flows({"VNM": 30}, end="2022-12")])
    run = forecast_file(path, "canonical", 3, config=quick_config, engine=local_engine)
    assert set(run.forecasts["partner"]) == {"CHN"}
    assert run.notes[-1:] == ["not forecast: USA VNM export M (stale, last value 2022-12 "
                              "before the slice's newest period 2023-06)"]


def test_a_slice_with_nothing_to_forecast_fails_saying_why(census_file, tmp_path, quick_config,
                                                            local_engine) -> None:
    # Census code 5080 holds zeros only: this used to print an empty table and exit 0.
    out = tmp_path / "out.csv"
    with pytest.raises(InputError) as caught:
        forecast_file(census_file, "census", 3, partners=["5080"], flow="import",
                      config=quick_config, engine=local_engine, output=out)
    assert "no series of the slice can be forecast" in str(caught.value)
    assert "USA 5080 import M (no trade at all)" in str(caught.value)
    assert not out.exists()


@pytest.mark.parametrize("case", ["missing folder", "folder"])
def test_output_path_is_refused_before_any_work(case, make_flows, tmp_path) -> None:
    path = _canonical_file(tmp_path, [make_flows({"CHN": 30})])
    output = tmp_path / "no-such-folder" / "out.csv" if case == "missing folder" else tmp_path
    with pytest.raises(InputError) as caught:
        # No engine or config: a run would take far longer than the check.
        forecast_file(path, "canonical", 3, output=output)
    words = "which does not exist" if case == "missing folder" else "a folder"
    assert "cannot write the output file" in str(caught.value) and words in str(caught.value)


def test_output_path_without_permission_is_refused(make_flows, tmp_path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root may write anywhere")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(InputError, match="cannot be written"):
        forecast_file(_canonical_file(tmp_path, [make_flows({"CHN": 30})]), "canonical", 3,
                      output=locked / "out.csv")


def test_annual_file_backtest_needs_no_frequency(quick_config, local_engine) -> None:
    # The back-test used to default to monthly and refuse the annual DOTS file.
    from haiquan.forecast import list_runs
    from haiquan.forecast.flows import backtest_file
    from tests.conftest import require_shared

    dots = require_shared("trade/imf-dots-annual-1960-2020/"
                          "vietnam_dots_annual_reported_and_mirror.csv")
    result = backtest_file(dots, "dots", 2, reporter="VNM", partners=["CHN"], flow="import",
                           config=quick_config, engine=local_engine)
    assert result.cutoff == pd.Timestamp("2018-01-01")
    assert set(result.scores["frequency"]) == {"A"}
    # The stored label names the slice, so two runs of different partners can be told apart.
    label = list_runs()["label"].iloc[0]
    assert "partners=CHN" in label and "frequency=A" in label


def test_a_horizon_longer_than_the_history_is_said_to_be_an_extrapolation(
    make_flows, tmp_path, quick_config, local_engine
) -> None:
    path = _canonical_file(tmp_path, [make_flows({"CHN": 30})])
    run = forecast_file(path, "canonical", 40, config=quick_config, engine=local_engine)
    assert len(run.forecasts) == 40
    assert any("longer than the history of every series (the longest has 30)" in note
               for note in run.notes)
    near = forecast_file(path, "canonical", 3, config=quick_config, engine=local_engine)
    assert not any("longer than the history" in note for note in near.notes)


def test_data_of_many_reporters_forecasts_the_home_countrys_own_unless_told(
    make_flows, tmp_path, quick_config, local_engine
) -> None:
    # The DOTS table holds every reporter's trade with CHN: without --reporter an analyst got
    # hundreds of series of other countries' trade.
    from haiquan.settings import get_settings

    home = get_settings().home_country
    path = _canonical_file(tmp_path, [make_flows({"CHN": 30}, reporter=home),
                                      make_flows({"CHN": 30}, reporter="THA"),
                                      make_flows({"CHN": 30}, reporter="KOR")])
    run = forecast_file(path, "canonical", 3, partners=["CHN"], config=quick_config,
                        engine=local_engine)
    assert set(run.forecasts["reporter"]) == {home}
    assert run.notes[0].startswith(f"reporter {home} (the home country) of the 3 reporters")
    other = forecast_file(path, "canonical", 3, partners=["CHN"], reporter="THA",
                          config=quick_config, engine=local_engine)
    assert set(other.forecasts["reporter"]) == {"THA"}
    assert not any(note.startswith("reporter") for note in other.notes)
    # a file of one other reporter (the Census file: USA) is that reporter's
    (tmp_path / "usa").mkdir()
    usa = _canonical_file(tmp_path / "usa", [make_flows({"CHN": 30})])
    assert set(forecast_file(usa, "canonical", 3, config=quick_config,
                             engine=local_engine).forecasts["reporter"]) == {"USA"}


def test_the_output_file_of_synthetic_input_says_so_on_every_row(
    make_flows, census_file, tmp_path, quick_config, local_engine
) -> None:
    from haiquan.forecast.flows import OUTPUT_COLUMNS

    demo = tmp_path / "demo.csv"
    forecast_file(_canonical_file(tmp_path, [make_flows({"CHN": 30, "JPN": 30})]), "canonical",
                  3, config=quick_config, engine=local_engine, output=demo)
    frame = pd.read_csv(demo)
    assert frame.columns.tolist() == [*OUTPUT_COLUMNS, "synthetic"]
    assert len(frame) == 6 and frame["synthetic"].dtype == bool and frame["synthetic"].all()
    # Real trade keeps the columns it always had.
    real = tmp_path / "real.csv"
    forecast_file(census_file, "census", 3, partners=["VNM"], flow="import",
                  config=quick_config, engine=local_engine, output=real)
    assert pd.read_csv(real).columns.tolist() == OUTPUT_COLUMNS

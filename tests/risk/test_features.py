"""History features: only the past counts, batch labels never leak, both code paths agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.declarations import generate_synthetic_declarations
from haiquan.risk._sums import exclusive_before
from haiquan.risk.alerts import InMemoryAeoDirectory
from haiquan.risk.features import FeatureBuilder, columns_of


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6), st.integers(0, 9)), max_size=40))
def test_exclusive_before_matches_brute_force(rows: list[tuple[int, int, int]]) -> None:
    codes = np.array([r[0] for r in rows], dtype=np.int64)
    day = np.array([r[1] for r in rows], dtype=np.int64)
    values = np.array([[r[2], 1.0] for r in rows], dtype=float).reshape(-1, 2)
    got = exclusive_before(codes, day, values)
    for i, (c, d, _) in enumerate(rows):
        earlier = [j for j, r in enumerate(rows) if r[0] == c and r[1] < d]
        assert np.allclose(got[i], values[earlier].sum(axis=0) if earlier else 0.0)


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    train = generate_synthetic_declarations(1500, seed=21, start="2024-01-01", days=200)
    later = generate_synthetic_declarations(300, seed=22, start="2024-07-20", days=60)
    return train.sort_values("date", kind="stable").reset_index(drop=True), later


def test_training_features_ignore_the_future() -> None:
    train, _ = _frames()
    builder, full = FeatureBuilder.fit(train)
    cut = train["date"] < pd.Timestamp("2024-05-01")
    past = train[cut].reset_index(drop=True)
    # same constant prior and category codes; only the rows after the cut are gone
    fresh = FeatureBuilder(None, prior=builder.prior, categories=builder.categories)
    past_only = fresh.transform(
        columns_of(past), labels=past["fraud"].to_numpy(dtype=float, na_value=np.nan)
    )
    # rows before the cut get exactly the same features whether or not later rows exist
    assert np.allclose(full[cut.to_numpy()], past_only, equal_nan=True)


def test_same_day_rows_do_not_see_each_other() -> None:
    train, _ = _frames()
    one_day = train[train["date"] == train["date"].iloc[0]]
    _, features = FeatureBuilder.fit(one_day.reset_index(drop=True))
    names = FeatureBuilder().feature_names
    assert (features[:, names.index("importer_count")] == 0).all()


def test_scoring_never_uses_batch_labels() -> None:
    train, later = _frames()
    builder, _ = FeatureBuilder.fit(train)
    flipped = later.copy()
    flipped["fraud"] = 1 - flipped["fraud"].astype(int)
    a = builder.transform(columns_of(later))
    b = builder.transform(columns_of(flipped))
    assert np.array_equal(a, b, equal_nan=True)


def test_batch_rows_add_to_counts_of_later_rows() -> None:
    train, later = _frames()
    builder, _ = FeatureBuilder.fit(train)
    names = builder.feature_names
    first = later.iloc[[0]].copy()
    second = first.copy()
    second["declaration_id"] = "NEXT"
    second["date"] = first["date"] + pd.Timedelta(days=1)
    both = pd.concat([first, second], ignore_index=True)
    features = builder.transform(columns_of(both))
    j = names.index("importer_count")
    assert features[1, j] == features[0, j] + 1


def test_small_and_large_batches_give_the_same_features() -> None:
    train, later = _frames()
    builder, _ = FeatureBuilder.fit(train)
    assert len(later) > 64
    large = builder.transform(columns_of(later))  # hashing path (> 64 rows)
    first_day = np.flatnonzero((later["date"] == later["date"].min()).to_numpy())
    assert len(first_day) > 0
    for row in first_day[:5]:  # no earlier batch rows: history only, as for a single row
        single = builder.transform(columns_of(later.iloc[[row]]))  # dictionary path
        assert np.allclose(single[0], large[row], equal_nan=True)


def test_unseen_categories_become_missing_and_missing_keys_have_no_history() -> None:
    train, later = _frames()
    builder, _ = FeatureBuilder.fit(train)
    odd = later.iloc[[0]].copy()
    odd["office"] = "NEVER-SEEN"
    odd["seller"] = None
    features = builder.transform(columns_of(odd))
    names = builder.feature_names
    assert np.isnan(features[0, names.index("office")])
    assert np.isnan(features[0, names.index("seller_count")])
    assert np.isnan(features[0, names.index("new_seller")])
    assert np.isfinite(features[0, names.index("importer_fraud_rate")])


def test_aeo_features_come_from_the_directory() -> None:
    _, later = _frames()
    row = later.iloc[[0]]
    importer = str(row["importer"].iloc[0])
    seller = str(row["seller"].iloc[0])
    country = str(row["departure_country"].iloc[0])
    aeo = InMemoryAeoDirectory(
        home=[(importer, None, None)], partner=[(country, seller, None, None)]
    )
    builder = FeatureBuilder()
    names = builder.feature_names
    with_aeo = builder.transform(columns_of(row), aeo=aeo)
    without = builder.transform(columns_of(row))
    assert with_aeo[0, names.index("importer_is_aeo")] == 1
    assert with_aeo[0, names.index("seller_is_partner_aeo")] == 1
    assert without[0, names.index("importer_is_aeo")] == 0

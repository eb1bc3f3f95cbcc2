"""The synthetic generator: labelled synthetic, reproducible, valid in the canonical layout."""

from __future__ import annotations

import pandas as pd

from haiquan.declarations import (
    DECLARATION_COLUMNS,
    SYNTHETIC_LABEL,
    generate_synthetic_declarations,
    is_generated,
    normalise_declarations,
)


def test_same_seed_same_frame_and_labelled_synthetic() -> None:
    first = generate_synthetic_declarations(300, seed=5)
    again = generate_synthetic_declarations(300, seed=5)
    other = generate_synthetic_declarations(300, seed=6)
    pd.testing.assert_frame_equal(first, again)
    assert not first["value"].equals(other["value"])
    assert is_generated(first)
    assert "synthetic" in SYNTHETIC_LABEL
    assert first["declaration_id"].str.startswith("SYN-").all()
    assert list(first.columns) == list(DECLARATION_COLUMNS)


def test_passes_the_reader_validation_and_has_planted_fraud() -> None:
    frame = generate_synthetic_declarations(2000, seed=3)
    checked = normalise_declarations(frame, layout="canonical", source="synthetic")
    assert len(checked) == 2000
    rate = frame["fraud"].astype(float).mean()
    assert 0.01 < rate < 0.3
    # the planted mechanism: frauds are under-valued, so value per kg is lower among them
    per_kg = frame["value"] / frame["net_mass_kg"].where(frame["net_mass_kg"] > 0)
    fraud = frame["fraud"] == 1
    assert per_kg[fraud].median() < per_kg[~fraud].median()

"""Officers' targeting profiles: data like partner alerts, applied on every path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from haiquan.declarations import generate_synthetic_declarations
from haiquan.errors import ValidationError
from haiquan.risk.policy import load_selectivity_rules
from haiquan.risk.profiles import TargetingProfile, default_profiles_file, read_profiles
from haiquan.risk.selectivity import route_columns, route_declarations, route_one
from haiquan.risk.service import score_file

WriteCsv = Callable[[pd.DataFrame, str], Path]
RULES = load_selectivity_rules(on=dt.date(2024, 6, 1))
REFERENCE = np.linspace(0, 1, 1001)


def test_a_profile_routes_only_its_declarations_with_its_channel() -> None:
    frame = generate_synthetic_declarations(2000, seed=31, start="2024-06-01", days=20)
    scores = np.random.default_rng(0).random(len(frame))
    target = frame.iloc[3]
    profile = TargetingProfile(profile_id="VN-4", reason="route under watch",
                               origin_country=target["origin_country"],
                               departure_country=target["departure_country"],
                               hs_prefix=str(target["hs_code"])[:4], valid_from="2024-01-01",
                               channel="yellow", author="risk division")
    before = route_declarations(frame, scores, RULES, reference=REFERENCE)
    after = pd.DataFrame(route_columns(frame, scores, RULES, reference=REFERENCE,
                                       profiles=[profile]))
    mine = after["selection"].eq("profile")
    assert mine.any()
    assert after.loc[mine, "channel"].eq("yellow").all()
    assert after.loc[mine, "notes"].str.contains("targeting profile VN-4 (risk division)",
                                                    regex=False).all()
    moved = before["channel"].ne(after["channel"]) | before["selection"].ne(after["selection"])
    assert not (moved & ~mine).any()
    row = dict(frame.iloc[3].to_dict(), date=frame.iloc[3]["date"].date())
    one = route_one(row, float(scores[3]), RULES, reference=REFERENCE, profiles=[profile])
    assert one["selection"] == "profile" and one["channel"] == "yellow"


def test_a_bad_profiles_file_names_the_item_and_field(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text("- profile_id: P1\n  reason: nothing to match\n  valid_from: 2024-01-01\n",
                    encoding="utf-8")
    with pytest.raises(ValidationError, match="item 1"):
        read_profiles(path)
    assert read_profiles() == []  # no file of one's own yet: no profile


def test_score_file_applies_the_officers_profiles(
    model_dir: Path, synthetic_later: pd.DataFrame, write_csv: WriteCsv, tmp_path: Path
) -> None:
    target = synthetic_later.iloc[0]
    default_profiles_file().parent.mkdir(parents=True, exist_ok=True)
    default_profiles_file().write_text(
        f"- profile_id: P-1\n  reason: importer under enquiry\n  importer: {target['importer']}\n"
        "  valid_from: 2024-01-01\n", encoding="utf-8")
    summary = score_file(write_csv(synthetic_later, "day.csv"), tmp_path / "s.csv", model_dir,
                         layout="canonical")
    theirs = int(synthetic_later["importer"].eq(target["importer"]).sum())
    assert summary["profiles"]["matched"] == theirs > 0
    assert summary["profiles"]["active"] == 1

"""The agreements catalogue: validation on load, dated questions, cooperation flags."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.errors import CatalogueError, UnknownCodeError, ValidationError
from haiquan.reference.agreements import (
    AGREEMENT_KINDS,
    agreement,
    agreements,
    agreements_between,
    cooperation_state,
    load_agreements,
)
from haiquan.settings import reset_settings

HERE = Path(__file__).parent
BAD = HERE / "bad_agreements"


# --- validation: one bad file per rule ---------------------------------------------------------

BAD_FILES = {
    # file: (words the message must hold, the entry it must name or None for the whole file)
    "unknown_country.yaml": ("not a known country or group", "AB_FTA"),
    "alpha2_country.yaml": ("write KOR", "AB_FTA"),
    "dates_wrong_order.yaml": ("dates are in the wrong order", "AB_FTA"),
    "party_before_signature.yaml": ("party KOR applies it before signature", "AB_ECO"),
    "missing_source.yaml": ("field 'source'", "AB_FTA"),
    "empty_source.yaml": ("the source is empty", "AB_FTA"),
    "unknown_kind.yaml": (".kind: Input should be", "AB_FTA"),
    "duplicate_id.yaml": ("the id is used twice", "AB_FTA"),
    "unverified_without_note.yaml": ("unverified without a note", "AB_ECO"),
    "unknown_under.yaml": ("'under' names an agreement", "AB_ECO"),
    "one_party.yaml": ("two parties or more", "AB_FTA"),
    "sides_do_not_split_the_parties.yaml": ("not parties: JPN; on no side: KOR", "AB_FTA"),
    "unknown_field.yaml": ("field 'entry_into_force'", "AB_FTA"),
    "not_a_list.yaml": ("has no list of agreements", None),
    "invalid_yaml.yaml": ("is not valid YAML", None),
}


def test_every_bad_file_is_covered() -> None:
    on_disk = {path.name for path in BAD.glob("*.yaml")} - {"good.yaml"}
    assert on_disk == set(BAD_FILES)


def test_the_unbroken_fixture_loads() -> None:
    loaded = load_agreements(BAD / "good.yaml")
    assert [item.id for item in loaded] == ["AB_FTA", "AB_ECO"]


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_catalogue_is_refused_with_a_useful_message(name: str) -> None:
    words, entry = BAD_FILES[name]
    with pytest.raises(CatalogueError) as caught:
        load_agreements(BAD / name)
    error = caught.value
    message = str(error)
    assert words in message
    if entry is not None:
        assert f"(id '{entry}')" in message
    assert error.expected and error.got is not None and error.fix
    assert error.status == 422


def test_unknown_kind_lists_the_kinds() -> None:
    with pytest.raises(CatalogueError) as caught:
        load_agreements(BAD / "unknown_kind.yaml")
    assert "'free_trade'" in str(caught.value)
    assert all(kind in str(caught.value) for kind in AGREEMENT_KINDS)


def test_missing_file_is_a_catalogue_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        load_agreements(tmp_path / "absent.yaml")


# --- the bundled catalogue ---------------------------------------------------------------------


def test_bundled_catalogue_loads_and_every_entry_is_sourced() -> None:
    loaded = load_agreements()
    assert len(loaded) >= 20
    for item in loaded:
        assert item.source.strip()
        if not item.verified:
            assert item.note
        for party in item.parties:
            assert party.verified or party.note


def test_bundled_catalogue_names_the_agreements_asked_for() -> None:
    ids = {item.id for item in load_agreements()}
    wanted = set(
        "ATIGA ACFTA AKFTA AJCEP AANZFTA AIFTA AHKFTA VJEPA VKFTA VCFTA VN_EAEU_FTA CPTPP EVFTA"
        " UKVFTA RCEP VIFTA AAMRA VN_KOR_AEO_MRA ASW_EFORM_D ASW".split()
    )
    assert wanted <= ids


def test_settings_can_point_at_another_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAIQUAN_AGREEMENTS_FILE", str(BAD / "good.yaml"))
    reset_settings()
    day = dt.date(2024, 1, 1)
    assert [item.id for item in agreements("VNM", day)] == ["AB_FTA"]
    # AB_ECO gives a date to KOR only, so it lists Vietnam without applying to it.
    assert [item.id for item in agreements("VNM", day, include_pending=True)] == [
        "AB_FTA",
        "AB_ECO",
    ]


# --- questions on a day --------------------------------------------------------------------------

SCENARIOS = yaml.safe_load((HERE / "cooperation_scenarios.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", SCENARIOS, ids=[case["name"] for case in SCENARIOS])
def test_cooperation_scenario(case: dict) -> None:
    state = cooperation_state(case["home"], case["partner"], case["day"])
    basis = state.basis()
    for flag in AGREEMENT_KINDS.values():
        expected = case.get(flag, [])
        assert sorted(basis[flag]) == sorted(expected), flag
        assert state.flags()[flag] is bool(expected)


def test_home_country_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAIQUAN_HOME_COUNTRY", "tha")
    reset_settings()
    ids = {item.id for item in agreements(on=dt.date(2024, 1, 1))}
    assert "ATIGA" in ids and "VJEPA" not in ids
    assert cooperation_state(None, "VNM", dt.date(2024, 1, 1)).home == "THA"


def test_include_pending_lists_signed_but_not_applied() -> None:
    day = dt.date(2025, 6, 1)
    applied = {item.id for item in agreements("VNM", day)}
    listed = {item.id for item in agreements("VNM", day, include_pending=True)}
    assert {"VN_KOR_AEO_MRA", "AAMRA", "VN_UAE_CEPA"} <= listed - applied


def test_kind_filter_and_bad_kind() -> None:
    assert {item.kind for item in agreements("VNM", dt.date(2024, 1, 1), kind="fta")} == {"fta"}
    with pytest.raises(ValidationError, match="unknown kind"):
        agreements("VNM", kind="treaty")


def test_codes_are_checked_and_normalised() -> None:
    assert cooperation_state("VN", "410", dt.date(2024, 1, 1)).partner == "KOR"
    with pytest.raises(UnknownCodeError):
        cooperation_state("VNM", "XYZ")


ASEAN_PLUS_ONE = ["ACFTA", "AKFTA", "AJCEP", "AANZFTA", "AIFTA", "AHKFTA"]


def test_asean_plus_one_agreements_cover_only_pairs_across_their_sides() -> None:
    on = dt.date(2024, 6, 1)
    for ident in ASEAN_PLUS_ONE:
        item = agreement(ident)
        assert item.sides is not None, ident
        assert item.applies_to("THA", on) and item.applies_to("SGP", on)
        assert not item.covers("THA", "SGP", on), ident
    assert agreement("ACFTA").covers("THA", "CHN", on)
    assert [a.id for a in agreements_between("THA", "SGP", on, kind="fta")] == ["ATIGA", "RCEP"]
    # RCEP has no sides: every two applying parties are covered, ASEAN or not.
    assert agreement("RCEP").sides is None and agreement("RCEP").covers("CHN", "JPN", on)
    assert not agreement("EVFTA").covers("DEU", "FRA", on)


def test_agreement_by_id() -> None:
    assert agreement("ukvfta").provisional_from == dt.date(2021, 1, 1)
    with pytest.raises(UnknownCodeError, match="no agreement"):
        agreement("NOPE")


def test_group_party_follows_membership() -> None:
    evfta = agreement("EVFTA")
    on = dt.date(2024, 1, 1)
    assert "DEU" in evfta.members(on) and "GBR" not in evfta.members(on)
    assert "GBR" in evfta.members(dt.date(2020, 12, 31))


countries = st.sampled_from(["VNM", "KOR", "SGP", "GBR", "DEU", "JPN", "CHN", "HKG", "MMR", "THA"])
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31))


@settings(max_examples=60, deadline=None)
@given(a=countries, b=countries, on=days)
def test_agreements_between_is_symmetric_and_within_each_side(a: str, b: str, on: dt.date) -> None:
    forward = {item.id for item in agreements_between(a, b, on)}
    assert forward == {item.id for item in agreements_between(b, a, on)}
    assert forward <= {item.id for item in agreements(a, on)}
    assert forward <= {item.id for item in agreements(b, on)}
    state = cooperation_state(a, b, on)
    assert set().union(*state.basis().values()) == forward


def test_thailand_bilateral_aeo_mras_are_found() -> None:
    # Thailand-Japan: signed 2022-04-05, in effect from 2022-09-01 (Thai Customs Notification
    # 114/2565, reported by JETRO on 2022-08-31).
    japan = agreement("TH_JPN_AEO_MRA")
    assert japan.kind == "aeo_mra" and japan.verified
    assert japan.signed == dt.date(2022, 4, 5)
    assert not agreements_between("THA", "JPN", dt.date(2022, 8, 31), kind="aeo_mra")
    from_september = agreements_between("JPN", "THA", dt.date(2022, 9, 1), kind="aeo_mra")
    assert [a.id for a in from_september] == ["TH_JPN_AEO_MRA"]
    # With Thailand as home, Hong Kong and Korea now have an AEO MRA; Vietnam's view is unchanged.
    on = dt.date(2025, 1, 1)
    for partner, ident in (("HKG", "TH_HKG_AEO_MRA"), ("KOR", "TH_KOR_AEO_MRA")):
        state = cooperation_state("THA", partner, on)
        assert state.aeo_mra and state.basis()["aeo_mra"] == [ident], partner
        assert not cooperation_state("VNM", partner, on).aeo_mra, partner
    # Hong Kong's start date is only an upper bound, and the catalogue says so.
    assert not agreement("TH_HKG_AEO_MRA").verified
    assert "upper bound" in (agreement("TH_HKG_AEO_MRA").note or "")

"""Which risk features exist: the history keys, the columns compared within HS codes, the code
columns given to LightGBM as categories, and the order of the feature matrix's columns."""

from __future__ import annotations

__all__ = [
    "BASE_FEATURES",
    "CATEGORICAL",
    "COUNT_KEYS",
    "NOVELTY_KEYS",
    "STAT_COLUMNS",
    "STAT_KEYS",
    "TEXT_COLUMNS",
    "feature_names",
]

#: History keys: name -> the (derived) columns whose values, joined, form the key.
COUNT_KEYS: dict[str, tuple[str, ...]] = {
    "importer": ("importer",),
    "declarant": ("declarant",),
    "seller": ("seller",),
    "courier": ("courier",),
    "hs6": ("hs6",),
    "hs4": ("hs4",),
    "hs2": ("hs2",),
    "origin": ("origin_country",),
    "departure": ("departure_country",),
    "route": ("departure_country", "origin_country"),
    "office": ("office",),
    "tax_type": ("tax_type",),
    "importer_hs6": ("importer", "hs6"),
    "declarant_importer": ("declarant", "importer"),
    "seller_hs6": ("seller", "hs6"),
    "hs6_origin": ("hs6", "origin_country"),
    "hs6_tax_type": ("hs6", "tax_type"),
    "hs4_origin": ("hs4", "origin_country"),
}
#: Keys whose first-time appearance is flagged (novelty: a new importer, a new route ...).
NOVELTY_KEYS: tuple[str, ...] = ("importer", "seller", "importer_hs6", "seller_hs6", "route")
#: Keys against whose past declarations value, mass, value per kg and tax rate are compared.
STAT_KEYS: tuple[str, ...] = ("hs6", "hs4")
#: Columns compared against the past declarations of each ``STAT_KEYS`` key.
STAT_COLUMNS: tuple[str, ...] = ("log_value", "log_mass", "log_value_per_kg", "tax_rate")
#: Code columns given to LightGBM as categories (unseen values become missing).
CATEGORICAL: tuple[str, ...] = (
    "office",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "tax_type",
    "origin_indicator",
    "hs2",
    "origin_country",
)
#: Features read from the declaration itself (and the AEO directory), before the histories.
BASE_FEATURES: tuple[str, ...] = (
    "log_value",
    "log_mass",
    "log_value_per_kg",
    "tax_rate",
    "log_tax_at_stake",
    "departure_differs_from_origin",
    "importer_is_aeo",
    "seller_is_partner_aeo",
)
#: Text columns of a declaration that features read (codes and identifiers).
TEXT_COLUMNS: tuple[str, ...] = (
    "importer",
    "declarant",
    "seller",
    "courier",
    "origin_country",
    "departure_country",
    "office",
    "tax_type",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "origin_indicator",
)


def feature_names() -> list[str]:
    """Every feature's name, in the order of the feature matrix's columns."""
    names = list(BASE_FEATURES)
    for key in COUNT_KEYS:
        names += [f"{key}_count", f"{key}_fraud_rate"]
    names += [f"new_{key}" for key in NOVELTY_KEYS]
    for key in STAT_KEYS:
        for col in STAT_COLUMNS:
            names += [f"{col}_vs_{key}_z", f"{col}_vs_{key}_diff"]
    names += list(CATEGORICAL)
    return names

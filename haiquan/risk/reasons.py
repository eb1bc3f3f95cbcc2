"""Reasons as a risk officer reads them: a feature and its value in words, with units, and a past
fraud rate as the counts behind it (used by :meth:`haiquan.risk.model.RiskModel.explain`)."""

from __future__ import annotations

import numpy as np

__all__ = ["describe_feature", "fraud_counts"]


_LABELS = {
    "log_value": "declared value",
    "log_mass": "net mass",
    "log_value_per_kg": "value per kg",
    "tax_rate": "tax rate",
    "log_tax_at_stake": "tax at stake",
}

#: Yes/no features: what a 1 and a 0 mean.
_FLAGS = {
    "departure_differs_from_origin": ("departure country differs from origin",
                                      "departure country is the origin"),
    "importer_is_aeo": ("importer is an AEO", "importer is not an AEO"),
    "seller_is_partner_aeo": ("seller is an MRA partner's AEO",
                              "seller is not an MRA partner's AEO"),
}

#: History keys (``haiquan.risk.feature_names.COUNT_KEYS``) as an officer names them.
_KEYS = {
    "importer": "importer",
    "declarant": "declarant",
    "seller": "seller",
    "courier": "courier",
    "hs6": "HS subheading",
    "hs4": "HS heading",
    "hs2": "HS chapter",
    "origin": "origin country",
    "origin_country": "origin country",
    "departure": "departure country",
    "route": "route (departure and origin country)",
    "office": "customs office",
    "tax_type": "tax type",
    "importer_hs6": "importer and HS subheading",
    "declarant_importer": "declarant and importer",
    "seller_hs6": "seller and HS subheading",
    "hs6_origin": "HS subheading and origin",
    "hs6_tax_type": "HS subheading and tax type",
    "hs4_origin": "HS heading and origin",
    "import_type": "import type",
    "import_use": "import use",
    "payment_type": "payment type",
    "transport_mode": "transport mode",
    "origin_indicator": "origin indicator",
}


def _key(name: str) -> str:
    return _KEYS.get(name, name.replace("_", " "))


def fraud_counts(key: str, inspected: float, fraudulent: float) -> str:
    """A past fraud rate as the counts an officer can check.

    >>> fraud_counts("hs6_origin", 4, 4)
    '4 of 4 inspected past declarations of this HS subheading and origin were fraudulent'
    >>> fraud_counts("importer", 0, 0)
    'no inspected past declaration of this importer'
    """
    if inspected == 0:
        return f"no inspected past declaration of this {_key(key)}"
    return (f"{fraudulent:,.0f} of {inspected:,.0f} inspected past declarations of this "
            f"{_key(key)} were fraudulent")


def _comparison(name: str, value: float) -> str:
    """``log_value_per_kg_vs_hs4_diff`` and ``..._z``: a value against its key's past ones."""
    column, rest = name.split("_vs_", 1)
    key, measure = rest.rsplit("_", 1)
    label, against = _LABELS.get(column, column), f"the past average for its {_key(key)}"
    if not np.isfinite(value):
        return f"{label}: no past declarations of its {_key(key)} to compare with"
    if measure == "z":
        side = "above" if value >= 0 else "below"
        return f"{label} {abs(value):.1f} standard deviations {side} {against}"
    if column.startswith("log_"):
        ratio = float(np.exp(value))
        if ratio >= 1:
            return f"{label} {ratio:.1f} times {against}"
        return f"{label} {1 - ratio:.0%} below {against}"
    side = "above" if value >= 0 else "below"
    return f"{label} {abs(value):.3g} {side} {against}"


#: The unit after each amount: the declaration's currency, or a fixed one.
_UNITS = {"log_value": "{currency}", "log_tax_at_stake": "{currency}",
          "log_value_per_kg": "{currency}", "log_mass": "kg", "tax_rate": "%"}


def _with_unit(text: str, name: str, currency: str | None) -> str:
    unit = _UNITS.get(name)
    if unit is None or ("{currency}" in unit and not currency):
        return text
    return f"{text} {unit.format(currency=currency)}"


def describe_feature(name: str, value: float, category: str | None = None,
                     currency: str | None = None) -> str:
    """A risk officer's phrase for a feature and its value (the reasons of a score).

    Feature names are for the model; a reason must read as an officer would say it, with the
    unit of an amount (``currency``: the declaration's ISO 4217 code).

    >>> describe_feature("importer_fraud_rate", 0.4321)
    'past fraud rate of this importer 43%'
    >>> describe_feature("log_value_per_kg", float(np.log1p(99.0)))
    'value per kg 99'
    >>> describe_feature("log_value_per_kg", float(np.log1p(99.0)), currency="KRW")
    'value per kg 99 KRW'
    >>> describe_feature("log_mass", float(np.log1p(1250.0)))
    'net mass 1,250 kg'
    >>> describe_feature("log_value_per_kg_vs_hs4_diff", float(np.log(0.25)))
    'value per kg 75% below the past average for its HS heading'
    """
    if "_vs_" in name:
        return _comparison(name, value)
    if category is not None:
        return f"{_key(name)} {category}"
    if not np.isfinite(value):
        return f"{_LABELS.get(name, _FLAGS.get(name, (_key(name),))[0])} unknown"
    if name.startswith("log_"):
        return _with_unit(f"{_LABELS.get(name, name)} {np.expm1(value):,.0f}", name, currency)
    if name in _FLAGS:
        return _FLAGS[name][0 if value else 1]
    if name in _LABELS:
        return _with_unit(f"{_LABELS[name]} {value:g}", name, currency)
    if name.endswith("_fraud_rate"):
        return f"past fraud rate of this {_key(name[:-11])} {value:.0%}"
    if name.endswith("_count"):
        return f"{value:,.0f} past declarations of this {_key(name[:-6])}"
    if name.startswith("new_"):
        key = _key(name[4:])
        return f"first declaration of this {key}" if value else f"{key} declared before"
    return f"{_key(name)} {value:.3g}"

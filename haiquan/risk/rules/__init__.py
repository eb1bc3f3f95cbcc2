"""Package data: selectivity and drift rules as dated YAML (read by haiquan.risk.policy)."""

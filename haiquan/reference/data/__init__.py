"""Reference data files (YAML) shipped with haiquan."""

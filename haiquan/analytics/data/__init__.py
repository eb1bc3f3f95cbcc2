"""Packaged YAML data of the analytics: the mirror-gap thresholds, each value with its source."""

"""AEO data files shipped with haiquan."""

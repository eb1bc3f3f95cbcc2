"""The aeo store's revisions, oldest first."""

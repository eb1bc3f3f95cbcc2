"""The gateway store's revisions, oldest first."""

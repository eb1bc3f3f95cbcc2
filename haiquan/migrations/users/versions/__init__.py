"""The users store's revisions, oldest first."""

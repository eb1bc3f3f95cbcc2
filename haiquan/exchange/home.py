"""The node folder: where it is, which database it names, and what ``init`` creates in it
(and removes again when init fails, so the folder can be used again)."""

from __future__ import annotations

from pathlib import Path

from haiquan.exchange.config import NodeConfig
from haiquan.exchange.database import parse_database_url

__all__ = [
    "database_choice",
    "database_url",
    "default_gateway_home",
    "init_paths",
    "is_node_folder",
    "node_database_url",
    "remove_path",
]


def default_gateway_home() -> Path:
    """``HAIQUAN_GATEWAY_HOME``, else ``HAIQUAN_HOME/gateway``."""
    from haiquan.settings import get_settings

    settings = get_settings()
    return settings.gateway_home or settings.home / "gateway"


def database_url(home: Path, config: NodeConfig) -> str:
    """The store URL of the node in ``home`` with ``config`` (see :func:`database_choice`)."""
    return database_choice(home, config)[0]


def database_choice(
    home: Path, config: NodeConfig, *, at_init: bool = False
) -> tuple[str, str | None]:
    """The store's URL and where it was set: node.yaml's ``database_url``, else the setting,
    else (``None``) the default SQLite ``gateway.db`` in the node home."""
    from haiquan.settings import get_settings

    if config.database_url:
        where = (
            "--database-url (database_url in node.yaml)"
            if at_init
            else f"database_url in {home / 'node.yaml'}"
        )
        return config.database_url, where
    setting = get_settings().gateway_database_url
    if setting:
        return setting, "HAIQUAN_GATEWAY_DATABASE_URL"
    return f"sqlite:///{(home / 'gateway.db').resolve()}", None


def node_database_url(home: Path | None = None) -> str:
    """The store URL of the node in ``home`` (default: the gateway home), without opening it.

    Raises:
        ConfigurationError: no node (``node.yaml``) in that folder, or an invalid one.
    """
    home = Path(home) if home is not None else default_gateway_home()
    return database_choice(home, NodeConfig.load(home / "node.yaml"))[0]


def is_node_folder(url: str, home: Path) -> bool:
    """Whether ``url`` is a SQLite file directly in the node folder ``home``."""
    parsed, _ = parse_database_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    return Path(parsed.database).resolve().parent == home.resolve()


def init_paths(home: Path) -> list[Path]:
    """What ``init`` may create, parents first (removed in reverse order on failure)."""
    paths = [
        *reversed(home.parents),
        home,
        home / "node.yaml",
        home / "keys",
        home / "keys" / "keyring.json",
        home / "keys" / "keyring.json.tmp",
    ]
    paths += [home / f"gateway.db{suffix}" for suffix in ("", "-wal", "-shm", "-journal")]
    return paths


def remove_path(path: Path) -> None:
    """Remove a file, or a folder if it is empty (best effort: init is failing already)."""
    try:
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass

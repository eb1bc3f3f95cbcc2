"""Which install extra a missing module comes from, said in the operator's words.

haiquan is installed in parts (pyproject.toml): the base is a gateway node; ``[analytics]``,
``[forecast]``, ``[risk]``, ``[web]`` and ``[postgres]`` add the rest, ``[all]`` everything. A
command that needs a part not installed fails on an import deep inside it; the edges turn that
``ModuleNotFoundError`` into a :class:`~haiquan.errors.ConfigurationError` naming the extra and
the ``pip install`` line, instead of a traceback. A missing module that no extra provides is not
translated: that is a bug or a broken install, and its traceback is the useful answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from haiquan.errors import ConfigurationError

__all__ = ["COMMAND_EXTRAS", "MODULE_EXTRAS", "missing_extra"]

#: The extra that provides each optional top-level module (import name, not package name).
MODULE_EXTRAS: dict[str, str] = {
    **dict.fromkeys(
        [
            "pandas",
            "numpy",
            "pyarrow",
            "duckdb",
            "scipy",
            "highspy",
            "pyfixest",
            "openpyxl",
            "sdmx",
            "pandera",
            "jinja2",
            "plotly",
            "sdmx",
            "pandera",
        ],
        "analytics",
    ),
    **dict.fromkeys(
        ["statsforecast", "hierarchicalforecast", "fugue", "dask", "distributed"], "forecast"
    ),
    **dict.fromkeys(["lightgbm", "sklearn"], "risk"),
    **dict.fromkeys(["fastapi_offline", "multipart", "python_multipart"], "web"),
    **dict.fromkeys(["psycopg", "psycopg_binary"], "postgres"),
}

#: The extra a ``haiquan`` command needs as a whole, when it needs more than the module that
#: happened to be missing first (``haiquan forecast`` stops at pandas, but needs [forecast]).
COMMAND_EXTRAS: dict[str, str] = {
    **dict.fromkeys(["forecast", "backtest", "backtest-runs"], "forecast"),
    "risk": "risk",
    **dict.fromkeys(["serve", "users", "demo", "refresh"], "all"),
    **dict.fromkeys(
        [
            "load",
            "export",
            "priorities",
            "plan",
            "plan-template",
            "indicators",
            "mirror-gaps",
            "rca",
            "gravity",
            "commitments",
            "aeo",
            "alerts",
            "show",
        ],
        "analytics",
    ),
}

_RANK = {"postgres": 0, "analytics": 1, "forecast": 2, "risk": 2, "web": 3, "all": 4}


def missing_extra(
    error: ModuleNotFoundError, command: Sequence[str] = ()
) -> ConfigurationError | None:
    """The error to show for ``error`` raised while running ``command`` (the words after
    ``haiquan``, or empty), or None when no extra provides the missing module.

    >>> str(missing_extra(ModuleNotFoundError("No module named 'pandas'", name="pandas"),
    ...                   ["forecast", "--horizon", "12"]))  # doctest: +NORMALIZE_WHITESPACE
    "haiquan forecast needs haiquan[forecast]: expected haiquan installed with the forecast extra,
    got no module named 'pandas'; to fix: pip install 'haiquan[forecast]'"
    >>> missing_extra(ModuleNotFoundError("No module named 'haiquan.nothing'",
    ...                                   name="haiquan.nothing")) is None
    True
    """
    module = (error.name or "").split(".")[0]
    by_module = MODULE_EXTRAS.get(module)
    if by_module is None:
        return None
    name = next((word for word in command if not word.startswith("-")), None)
    by_command = COMMAND_EXTRAS.get(name or "")
    # The larger of the two: the command's whole part, never less than the missing module's.
    extra = max(by_module, by_command or by_module, key=lambda e: _RANK.get(e, 0))
    if extra == "postgres":  # the store's URL asks for it, not the command
        what = "a postgresql:// store"
    else:
        what = f"haiquan {name}" if name else "this"
    return ConfigurationError(
        f"{what} needs haiquan[{extra}]",
        expected=f"haiquan installed with the {extra} extra",
        got=f"no module named {module!r}",
        fix=f"pip install 'haiquan[{extra}]'",
    )

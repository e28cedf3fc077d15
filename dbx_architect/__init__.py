"""dbx_architect: governed Databricks ML pipelines from a notebook.

Load it with ``%load_ext dbx_architect``. Loading imports nothing heavy: Spark, MLflow,
pandas, pydantic, jinja2 and sqlglot are imported only when a magic needs them.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "load_ipython_extension", "unload_ipython_extension"]

_LOADED: dict[int, Any] = {}


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics and the ``DbxArchitect`` configurable on *ipython*."""
    from .magics.config import ConfigMagics
    from .magics.generate import GenerateMagics
    from .magics.guard import GuardMagics
    from .magics.outline import OutlineMagics
    from .magics.spark import SparkMagics
    from .settings import DbxArchitect, find_pyproject, read_pyproject

    if id(ipython) in _LOADED:
        return
    settings = DbxArchitect(parent=ipython)
    origins: dict[str, str] = {}
    user_config = ipython.config.get("DbxArchitect", {})
    defaults = read_pyproject(find_pyproject())  # never raises: bad keys are said and skipped
    for line in defaults.ignored:
        print(f"dbx_architect: {line}")
    for key, value in defaults.values.items():
        if key not in user_config:
            setattr(settings, key, value)
            origins[key] = "pyproject.toml"
    ipython.configurables.append(settings)
    magics = [
        GenerateMagics(ipython, settings),
        ConfigMagics(ipython, settings, origins),
        SparkMagics(ipython),
        GuardMagics(ipython),
        OutlineMagics(ipython, settings),
    ]
    for m in magics:
        ipython.register_magics(m)
    _LOADED[id(ipython)] = (settings, magics)


def unload_ipython_extension(ipython: Any) -> None:
    """Turn the guard off (its wrappers and checks go), forget the configurable.

    IPython keeps registered magics until the kernel restarts.
    """
    settings, magics = _LOADED.pop(id(ipython), (None, []))
    for m in magics:
        if hasattr(m, "turn_off"):
            m.turn_off()
    if settings is not None and settings in ipython.configurables:
        ipython.configurables.remove(settings)

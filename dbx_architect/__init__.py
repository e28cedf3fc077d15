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
    from .magics.notebook import NotebookMagics
    from .magics.outline import OutlineMagics
    from .magics.spark import SparkMagics
    from .settings import DbxArchitect, find_pyproject, read_pyproject

    if id(ipython) in _LOADED:
        return
    settings, user_config = _configurable(ipython, DbxArchitect)
    origins: dict[str, str] = {}
    defaults = read_pyproject(find_pyproject())  # never raises: bad keys are said and skipped
    for line in defaults.ignored:
        print(f"dbx_architect: {line}")
    for key, value in defaults.values.items():
        if key not in user_config:
            settings.set_explicitly(key, value)
            origins[key] = "pyproject.toml"
    ipython.configurables.append(settings)
    magics = [
        GenerateMagics(ipython, settings),
        ConfigMagics(ipython, settings, origins),
        SparkMagics(ipython),
        GuardMagics(ipython),
        OutlineMagics(ipython, settings),
        NotebookMagics(ipython, settings),
    ]
    for m in magics:
        ipython.register_magics(m)
    _LOADED[id(ipython)] = (settings, magics)


def _configurable(ipython: Any, cls: Any) -> tuple[Any, dict[str, Any]]:
    """``DbxArchitect`` with the IPython configuration's values; a bad one is said and skipped
    (one line each) instead of stopping the extension from loading."""
    from traitlets import TraitError

    from .errors import did_you_mean

    user_config = dict(ipython.config.get("DbxArchitect", {}))
    try:
        return cls(parent=ipython), user_config
    except TraitError:
        pass
    settings, known = cls(), cls.class_own_traits(config=True)
    for key, value in list(user_config.items()):
        try:
            if key not in known:
                raise TraitError(f"{key}: not a setting{did_you_mean(key, known)}")
            setattr(settings, key, value)
        except TraitError as err:
            user_config.pop(key)
            ipython.config.DbxArchitect.pop(key, None)  # ignored: no longer "set by %config"
            reason = str(err).splitlines()[0][:200]
            print(
                f"dbx_architect: ignored DbxArchitect.{key} of the IPython configuration: {reason}"
            )
    return settings, user_config


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

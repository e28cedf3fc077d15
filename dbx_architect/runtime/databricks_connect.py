"""Recognise a Databricks Connect session in the notebook (VS Code with the Databricks extension).

There the kernel is local, so ``DATABRICKS_RUNTIME_VERSION`` is not set, but ``spark`` is a Spark
Connect session whose server is a Databricks cluster or serverless compute. The code it runs must
use Unity Catalog names and volume paths: the target is ``databricks``.

A session counts as Databricks Connect when it is a Spark Connect session and something says
Databricks: the ``databricks.connect`` module is loaded (``DatabricksSession``), its remote URL
carries Databricks headers, or the environment names a workspace (``DATABRICKS_HOST``,
``DATABRICKS_CONFIG_PROFILE``, ``DATABRICKS_SERVERLESS_COMPUTE_ID``, a ``SPARK_REMOTE`` with
Databricks headers). Nothing here imports pyspark: it reads the objects that are already there.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

ENVIRONMENT = (
    "DATABRICKS_HOST",
    "DATABRICKS_CONFIG_PROFILE",
    "DATABRICKS_SERVERLESS_COMPUTE_ID",
    "DATABRICKS_CLUSTER_ID",
)
CONNECT_MODULES = ("pyspark.sql.connect.", "databricks.connect")


@dataclass(frozen=True)
class Detected:
    """What a Databricks Connect session says about where generated code runs."""

    compute: str  # serverless | classic
    catalog: str | None  # the session's current catalog, when it answers
    evidence: str  # for %dbx_config: what gave it away


def remote_url(session: Any) -> str:
    """The Spark Connect URL of *session* (``sc://host:port/;params``), or ``""``."""
    client = getattr(session, "client", None) or getattr(session, "_client", None)
    builder = getattr(client, "_builder", None)
    for name in ("url", "_url"):
        value = getattr(builder, name, None)
        if isinstance(value, str):
            return value
    return os.environ.get("SPARK_REMOTE", "")


def is_connect_session(session: Any) -> bool:
    """A Spark Connect session (pyspark's client or databricks-connect's), read from its class."""
    return type(session).__module__.startswith(CONNECT_MODULES)


def _evidence(url: str) -> str | None:
    if "databricks.connect" in sys.modules:
        return "a DatabricksSession (databricks.connect is loaded)"
    if "x-databricks" in url.lower():
        return "the session's remote URL carries Databricks headers"
    named = [name for name in ENVIRONMENT if os.environ.get(name)]
    if named:
        return f"a Spark Connect session with {named[0]} set"
    if "databricks" in os.environ.get("SPARK_REMOTE", "").lower():
        return "a Spark Connect session with a Databricks SPARK_REMOTE"
    return None


def _compute(url: str) -> str:
    lowered = url.lower()
    if os.environ.get("DATABRICKS_SERVERLESS_COMPUTE_ID") or "serverless" in lowered:
        return "serverless"
    return "classic"


_catalogs: dict[int, str | None] = {}  # id(session) -> current catalog, asked once per session


def _current_catalog(session: Any) -> str | None:
    key = id(session)
    if key not in _catalogs:
        try:
            _catalogs[key] = str(session.catalog.currentCatalog())
        except Exception:  # noqa: BLE001 - an unreachable server leaves the catalog to the config
            _catalogs[key] = None
    return _catalogs[key]


def detect(namespace: dict[str, Any]) -> Detected | None:
    """A :class:`Detected` when ``spark`` in *namespace* is a Databricks Connect session."""
    session = namespace.get("spark")
    if session is None or not is_connect_session(session):
        return None
    url = remote_url(session)
    evidence = _evidence(url)
    if evidence is None:
        return None
    return Detected(_compute(url), _current_catalog(session), evidence)


def user_namespace() -> dict[str, Any]:
    """The running IPython shell's namespace (empty outside IPython)."""
    shell_module = sys.modules.get("IPython")
    get_ipython = getattr(shell_module, "get_ipython", None)
    shell = get_ipython() if get_ipython else None
    namespace = getattr(shell, "user_ns", None)
    return namespace if isinstance(namespace, dict) else {}


def detect_here() -> Detected | None:
    """Databricks Connect from a local kernel: never inside a Databricks runtime, where the
    runtime version already decides (its notebooks' sessions are Spark Connect too)."""
    if os.environ.get("DATABRICKS_RUNTIME_VERSION"):
        return None
    return detect(user_namespace())

"""Shared fixtures: a real IPython shell, one real local Spark + Delta session per run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _isolated_jupyter_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep IPython and Jupyter state of the tests out of the user's home."""
    base = tmp_path_factory.mktemp("jupyter")
    for var, sub in (
        ("IPYTHONDIR", "ipython"),
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
    ):
        os.environ[var] = str(base / sub)
    os.environ.pop("DATABRICKS_RUNTIME_VERSION", None)


@pytest.fixture(scope="session")
def ip_session():
    from IPython.testing.globalipapp import start_ipython

    return start_ipython()


class Recorder:
    """Captures what the magics hand to the front end with ``set_next_input``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def __call__(self, text: str, replace: bool = False) -> None:
        self.calls.append((text, replace))


@pytest.fixture
def shell(ip_session, tmp_path, monkeypatch):
    """A real InteractiveShell with dbx_architect freshly loaded, working in a temp folder."""
    monkeypatch.chdir(tmp_path)
    ip = ip_session
    if "dbx_architect" in ip.extension_manager.loaded:
        ip.run_line_magic("unload_ext", "dbx_architect")
    ip.config.pop("DbxArchitect", None)
    ip.run_line_magic("load_ext", "dbx_architect")
    ip.replaced = Recorder()
    monkeypatch.setattr(ip, "set_next_input", ip.replaced)
    yield ip
    ip.user_ns.pop("spark", None)


def run(ip, cell: str):
    """Run *cell*; return the result (the error, if any, is in ``error_in_exec``)."""
    return ip.run_cell(cell, store_history=False)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """The one local Spark + Delta session of the test run (started as %dbx_spark does)."""
    from dbx_architect.runtime.spark import start_local_spark

    root = tmp_path_factory.mktemp("runtime") / ".dbx_architect"
    session = start_local_spark(root, master="local[2]")
    yield session
    session.stop()

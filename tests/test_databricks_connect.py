"""VS Code on Databricks: a Databricks Connect session in a local kernel targets Databricks.

The Connect test fakes nothing but the remote: a real local Spark Connect server stands in for
the workspace, and the environment variables the Databricks extension sets say where it is.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import CONNECT_ON_A_FREE_PORT, run
from IPython.core.error import UsageError

from dbx_architect.settings import DbxArchitect, Settings

SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, os, sys
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "dbx_architect")
    with contextlib.redirect_stdout(io.StringIO()):
        shell.run_line_magic("dbx_spark", "--connect --master local[1] --root " + sys.argv[1])
    from dbx_architect.settings import Settings

    def state():
        config = shell.magics_manager.registry["ConfigMagics"]
        table = config.table()
        settings = Settings.from_config(config.settings)
        return {"target": settings.target, "compute": settings.compute, "table": table}

    out = {"plain": state()}
    os.environ["DATABRICKS_HOST"] = "https://dbc-0000.cloud.databricks.com"
    os.environ["DATABRICKS_SERVERLESS_COMPUTE_ID"] = "auto"
    out["vscode"] = state()
    from dbx_architect.expand import expand
    config = shell.magics_manager.registry["ConfigMagics"]
    cell = "source: /Volumes/main/raw/sales/\\nformat: json\\n"
    settings = Settings.from_config(config.settings)
    out["expanded"] = expand("bronze", "sales", "sales", cell, settings).code
    shell.run_line_magic("dbx_config", "target=local")
    out["explicit"] = state()
    shell.user_ns["spark"].stop()
    print("RESULT " + json.dumps(out))
    """
)


@pytest.mark.connect
def test_a_connect_session_with_databricks_settings_is_recognised(tmp_path) -> None:
    env = {**os.environ, **CONNECT_ON_A_FREE_PORT}
    env.pop("DATABRICKS_HOST", None)
    env.pop("DATABRICKS_RUNTIME_VERSION", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "root")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stdout[-2000:] + done.stderr[-3000:]
    out = json.loads(lines[-1][len("RESULT ") :])
    assert (out["plain"]["target"], out["plain"]["compute"]) == ("local", "classic")
    assert (out["vscode"]["target"], out["vscode"]["compute"]) == ("databricks", "serverless")
    rows = {row.split()[0]: row for row in out["vscode"]["table"].splitlines()}
    evidence = "(Databricks Connect: a Spark Connect session with DATABRICKS_HOST set)"
    assert rows["target"].endswith(evidence) and rows["compute"].endswith(evidence)
    assert "cloudFiles" in out["expanded"] and "main.bronze.sales" in out["expanded"]
    assert out["explicit"]["target"] == "local"  # what the user sets wins over detection


def test_classic_and_absent_sessions_are_not_databricks(shell, monkeypatch) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", "https://dbc-0000.cloud.databricks.com")
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    config = DbxArchitect()
    assert Settings.from_config(config).target == "local"  # no spark at all
    shell.push({"spark": object()})  # something that is not a Connect session
    assert Settings.from_config(config).target == "local"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "--databricks",
            "%dbx_spark: --databricks needs databricks-connect, which replaces pyspark: install "
            "it in its own environment, e.g. python -m venv .venv-dbc && .venv-dbc/bin/pip "
            'install "databricks-connect==17.3.*" dbx-architect (the version of your cluster\'s '
            "runtime), not next to dbx-architect[local]",
        ),
        (
            "--profile dev",
            "%dbx_spark: --profile, --serverless and --cluster-id go with --databricks",
        ),
        (
            "--databricks --serverless --cluster-id 0101-abc",
            "%dbx_spark: --serverless or --cluster-id, not both",
        ),
        (
            "--databricks --master local[2]",
            "%dbx_spark: --databricks runs on Databricks; drop --master, --workers, --connect",
        ),
    ],
)
def test_databricks_session_options_are_one_line(shell, line: str, message: str) -> None:
    if importlib.util.find_spec("databricks") and importlib.util.find_spec("databricks.connect"):
        pytest.skip("databricks-connect is installed here")
    result = run(shell, f"%dbx_spark {line}")
    assert isinstance(result.error_in_exec, UsageError)
    assert str(result.error_in_exec) == message

"""%load_ext: fast, quiet, registers every magic; configuration in its three layers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import run
from IPython.core.error import UsageError

HEAVY = ["pyspark", "mlflow", "pandas", "sklearn", "nbformat", "sqlglot", "pydantic"]


def test_load_ext_imports_nothing_heavy(tmp_path) -> None:
    script = textwrap.dedent(
        """
        import json, sys
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        before = set(sys.modules)
        shell.run_line_magic("load_ext", "dbx_architect")
        added = sorted(set(sys.modules) - before)
        print(json.dumps(added))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    added = json.loads(out.strip().splitlines()[-1])
    assert any(m.startswith("dbx_architect") for m in added)
    heavy = [m for m in added if m.split(".")[0] in HEAVY + ["jinja2", "yaml"]]
    assert heavy == []
    # Our own big parts load on first use: the guard's classifier and wrappers, the outline.
    late = [m for m in added if m.startswith(("dbx_architect.guard", "dbx_architect.outline"))]
    assert late == []


def test_load_ext_prints_at_most_one_line(tmp_path) -> None:
    script = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.instance().run_line_magic('load_ext', 'dbx_architect')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert len((done.stdout + done.stderr).strip().splitlines()) <= 1


def test_every_magic_is_registered(shell) -> None:
    magics = shell.magics_manager.magics
    assert "bronze" in magics["cell"]
    assert {"dbx_config", "dbx_spark"} <= set(magics["line"])


def test_help_comes_from_magic_arguments(shell) -> None:
    doc = shell.magics_manager.magics["cell"]["bronze"].__doc__
    assert "--run" in doc and "--show" in doc and "--target" in doc and "source" in doc


def config_values(shell) -> dict[str, tuple[str, str]]:
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        shell.run_line_magic("dbx_config", "")
    rows = {}
    for line in captured.stdout.splitlines():
        key, value, origin = line.split(None, 1)[0], *line.split(None, 1)[1].rsplit("(", 1)
        rows[key] = (value.strip(), origin.rstrip(")"))
    return rows


def test_defaults_for_local(shell) -> None:
    rows = config_values(shell)
    assert rows["target"] == ("'local'", "default")
    assert rows["catalog"] == ("'spark_catalog'", "derived")
    assert rows["volume_root"] == ("'./.dbx_architect/checkpoints'", "derived")
    assert rows["run_after_expand"] == ("False", "default")


def test_databricks_is_detected(ip_session, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    from dbx_architect.settings import DbxArchitect, Settings

    resolved = Settings.from_config(DbxArchitect())
    assert resolved.target == "databricks"
    assert resolved.catalog == "main"
    assert resolved.volume_root == "/Volumes/main/bronze/_checkpoints"


def test_dbx_config_sets_and_checks_everything_first(shell) -> None:
    shell.run_line_magic("dbx_config", "catalog=dev owner='data eng'")
    rows = config_values(shell)
    assert rows["catalog"] == ("'dev'", "%dbx_config")
    assert rows["owner"] == ("'data eng'", "%dbx_config")
    with pytest.raises(UsageError, match=r"catlog.*did you mean 'catalog'"):
        shell.run_line_magic("dbx_config", "catlog=x")
    with pytest.raises(UsageError, match="is not a valid identifier"):
        shell.run_line_magic("dbx_config", "bronze_schema=raw gold_schema='a b'")
    assert config_values(shell)["bronze_schema"] == ("'bronze'", "default")


def test_percent_config_reaches_the_magics(shell) -> None:
    shell.run_line_magic("config", "DbxArchitect.bronze_schema = 'landing'")
    run(shell, "%%bronze sales\nsource: /a.csv\nschema: id INT\n")
    text, replace = shell.replaced.calls[-1]
    assert replace is True
    assert 'target_table = "spark_catalog.landing.sales"' in text


def test_pyproject_defaults(ip_session, tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dbx_architect]\ncatalog = "analytics"\nowner = "ml-team"\n'
    )
    sub = tmp_path / "notebooks"
    sub.mkdir()
    monkeypatch.chdir(sub)
    ip = ip_session
    if "dbx_architect" in ip.extension_manager.loaded:
        ip.run_line_magic("unload_ext", "dbx_architect")
    ip.run_line_magic("load_ext", "dbx_architect")
    rows = config_values(ip)
    assert rows["catalog"] == ("'analytics'", "pyproject.toml")
    assert rows["owner"] == ("'ml-team'", "pyproject.toml")
    ip.run_line_magic("dbx_config", "catalog=sandbox")
    assert config_values(ip)["catalog"] == ("'sandbox'", "%dbx_config")


def test_pyproject_unknown_key_is_one_line(ip_session, tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.dbx_architect]\ncatlog = "x"\n')
    monkeypatch.chdir(tmp_path)
    ip = ip_session
    if "dbx_architect" in ip.extension_manager.loaded:
        ip.run_line_magic("unload_ext", "dbx_architect")
    ip.run_line_magic("load_ext", "dbx_architect")
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "unknown key 'catlog' (did you mean 'catalog'?)" in out[0]


def test_expansion_replaces_the_cell_once(shell) -> None:
    result = run(shell, "%%bronze sales --target databricks\nsource: /a.csv\nschema: id INT\n")
    assert result.error_in_exec is None
    assert len(shell.replaced.calls) == 1
    text, replace = shell.replaced.calls[0]
    assert replace is True
    assert text.startswith("# %%bronze sales --target databricks\n# source: /a.csv\n")
    assert 'target_table = "main.bronze.sales"' in text


def test_show_displays_without_replacing(shell) -> None:
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        run(shell, "%%bronze sales --show\nsource: /a.csv\nschema: id INT\n")
    assert shell.replaced.calls == []
    shown = "".join(o.data.get("text/plain", "") for o in captured.outputs)
    assert "target_table" in shown

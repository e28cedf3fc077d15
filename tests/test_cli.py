"""The console command prints the same expansion as the magic, and one line on error."""

from __future__ import annotations

import subprocess
import sys

from dbx_architect.expand import expand
from dbx_architect.settings import DbxArchitect, Settings

BODY = "source: /landing/a.csv\nschema: id INT\nkeys: [id]\n"


def cli(*args: str, stdin: str = "", cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dbx_architect.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_expand_matches_the_magic(tmp_path) -> None:
    (tmp_path / "spec.yaml").write_text(BODY)
    done = cli("expand", "bronze", "sales", "spec.yaml", "--target", "databricks", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    settings = Settings.from_config(DbxArchitect(), "databricks")
    assert (
        done.stdout == expand("bronze", "sales", "sales --target databricks", BODY, settings).cell
    )


def test_bad_spec_is_one_line_and_exit_2(tmp_path) -> None:
    done = cli(
        "expand", "bronze", "sales", "-", stdin="source: /a.csv\nfromat: csv\n", cwd=tmp_path
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "dbx-architect: %%bronze: unknown key 'fromat' (did you mean 'format'?); allowed keys: "
        "source, format, options, schema, schema_hints, load, keys, partition_by, cluster_by, "
        "comment, owner, tags, column_tags, properties"
    ]


def test_pipeline_variant_from_the_terminal(tmp_path) -> None:
    (tmp_path / "spec.yaml").write_text("from: sales\nkeys: [id]\n")
    done = cli(
        "expand",
        "silver",
        "sales",
        "spec.yaml",
        "--target",
        "databricks",
        "--pipeline",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# %%silver sales --target databricks --pipeline\n")
    assert "@dp.materialized_view(" in done.stdout

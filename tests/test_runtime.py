"""The local runtime's setup messages and the Delta jar cache (no mock of Spark: real files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.error import UsageError

from dbx_architect.errors import RuntimeSetupError
from dbx_architect.runtime import jars
from dbx_architect.runtime.spark import LocalRuntime, find_java, session_conf

NO_JAVA = (
    "Java was not found: Spark needs a Java 17 or 21 runtime. Install one "
    "(apt-get install openjdk-17-jre-headless, brew install openjdk@17) or set JAVA_HOME."
)


def test_missing_java_says_what_to_install(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeSetupError) as caught:
        find_java()
    assert str(caught.value) == NO_JAVA


def test_dbx_spark_without_java_is_one_message(shell, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UsageError) as caught:
        shell.run_line_magic("dbx_spark", "")
    assert str(caught.value) == NO_JAVA
    assert "spark" not in shell.user_ns


def test_missing_delta_spark_says_what_to_install(monkeypatch) -> None:
    real = jars.metadata.version

    def version(name: str) -> str:
        if name == "delta-spark":
            raise jars.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(jars.metadata, "version", version)
    with pytest.raises(RuntimeSetupError) as caught:
        jars.delta_coordinate()
    assert str(caught.value) == (
        "delta-spark is not installed; install the local runtime with "
        "pip install 'dbx-architect[local]'"
    )


def test_coordinate_follows_the_installed_versions() -> None:
    from importlib import metadata

    spark_minor = ".".join(metadata.version("pyspark").split(".")[:2])
    assert jars.delta_coordinate() == (
        f"io.delta:delta-spark_{spark_minor}_2.13:{metadata.version('delta-spark')}"
    )


def test_first_start_resolves_later_starts_use_the_cache(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DBX_ARCHITECT_JARS", str(tmp_path / "cache"))
    coordinate = jars.delta_coordinate()
    first = jars.jar_conf(coordinate)
    assert first == {
        "spark.jars.packages": coordinate,
        "spark.jars.ivy": str(tmp_path / "cache" / "ivy"),
    }
    resolved = []
    for name in ("delta-spark.jar", "delta-storage.jar"):
        (tmp_path / name).write_bytes(b"PK")
        resolved.append(f"file://{tmp_path / name}")
    jars.remember_jars(coordinate, ",".join(resolved))
    assert jars.jar_conf(coordinate) == {
        "spark.jars": f"{tmp_path / 'delta-spark.jar'},{tmp_path / 'delta-storage.jar'}"
    }
    (tmp_path / "delta-storage.jar").unlink()
    assert "spark.jars.packages" in jars.jar_conf(coordinate)


def test_session_conf_keeps_everything_under_the_root(tmp_path) -> None:
    runtime = LocalRuntime(tmp_path / ".dbx_architect")
    conf = session_conf(runtime, "local[2]", jars.delta_coordinate())
    assert conf["spark.sql.warehouse.dir"] == str(runtime.warehouse)
    assert f"-Dderby.system.home={runtime.metastore}" in conf["spark.driver.extraJavaOptions"]
    assert conf["spark.sql.catalog.spark_catalog"].endswith("DeltaCatalog")
    assert runtime.mlflow_uri == f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.mark.network
def test_maven_fallback_fetches_the_delta_jars(monkeypatch, tmp_path) -> None:
    """When Spark's resolver cannot reach the registry, mvn fetches the two Delta jars."""
    monkeypatch.setenv("DBX_ARCHITECT_JARS", str(tmp_path))
    coordinate = jars.delta_coordinate()
    fetched = jars.fetch_with_maven(coordinate)
    _, artifact, version = coordinate.split(":")
    assert [Path(j).name for j in fetched] == [
        f"{artifact}-{version}.jar",
        f"delta-storage-{version}.jar",
    ]
    assert all(Path(j).stat().st_size > 100_000 for j in fetched)
    assert jars.cached_jars(coordinate) == fetched

"""Delta Lake's jars: resolved from Maven Central as delta-spark does it, then cached.

The first start passes ``spark.jars.packages`` (what ``configure_spark_with_delta_pip``
does) with an Ivy folder in our cache; the jars Spark resolved are written to a manifest,
and later starts hand those files to ``spark.jars`` so no resolution runs again. When
Spark's resolver cannot reach the registry, Maven (``mvn dependency:copy``) fetches the two
Delta jars into the cache instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

from ..errors import RuntimeSetupError

SCALA = "2.13"


def installed_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError as err:
        raise RuntimeSetupError(
            f"{distribution} is not installed; install the local runtime with "
            "pip install 'dbx-architect[local]'"
        ) from err


def delta_coordinate() -> str:
    """``io.delta:delta-spark_<spark major.minor>_2.13:<delta version>``, as delta-spark has it."""
    spark_minor = ".".join(installed_version("pyspark").split(".")[:2])
    return f"io.delta:delta-spark_{spark_minor}_{SCALA}:{installed_version('delta-spark')}"


def cache_dir() -> Path:
    """``$DBX_ARCHITECT_JARS`` or ``~/.cache/dbx_architect/jars``."""
    configured = os.environ.get("DBX_ARCHITECT_JARS")
    return Path(configured) if configured else Path.home() / ".cache" / "dbx_architect" / "jars"


def _manifest(coordinate: str) -> Path:
    return cache_dir() / (coordinate.replace(":", "_") + ".txt")


def cached_jars(coordinate: str) -> list[str] | None:
    """The jar files resolved earlier for *coordinate*, when all of them are still there."""
    manifest = _manifest(coordinate)
    if not manifest.is_file():
        return None
    jars = [line for line in manifest.read_text().splitlines() if line.strip()]
    return jars if jars and all(Path(j).is_file() for j in jars) else None


def jar_conf(coordinate: str) -> dict[str, str]:
    """Spark settings that put Delta on the classpath: cached files, or a Maven resolution."""
    jars = cached_jars(coordinate)
    if jars:
        return {"spark.jars": ",".join(jars)}
    return {"spark.jars.packages": coordinate, "spark.jars.ivy": str(cache_dir() / "ivy")}


def remember_jars(coordinate: str, resolved: str) -> None:
    """Record the jars Spark resolved (its ``spark.jars`` after start) for later starts."""
    jars = [j.removeprefix("file://").removeprefix("file:") for j in resolved.split(",") if j]
    jars = [j for j in jars if j.endswith(".jar") and Path(j).is_file()]
    if jars:
        _manifest(coordinate).parent.mkdir(parents=True, exist_ok=True)
        _manifest(coordinate).write_text("\n".join(jars) + "\n")


def fetch_with_maven(coordinate: str) -> list[str]:
    """Fallback: ``mvn dependency:copy`` of delta-spark and delta-storage into the cache."""
    mvn = shutil.which("mvn")
    if not mvn:
        raise RuntimeSetupError(
            f"could not resolve {coordinate} from Maven Central and mvn is not installed; "
            "check the network, or put the Delta jars in a folder and list them in "
            f"{_manifest(coordinate)}"
        )
    group, artifact, version = coordinate.split(":")
    storage = f"{group}:delta-storage:{version}"
    target = cache_dir() / "maven"
    jars = []
    for coord in (coordinate, storage):
        result = subprocess.run(
            [
                mvn,
                "-q",
                "-B",
                "dependency:copy",
                f"-Dartifact={coord}",
                f"-DoutputDirectory={target}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            tail = (result.stdout + result.stderr).strip().splitlines()[-1:]
            raise RuntimeSetupError(f"mvn could not fetch {coord}: {' '.join(tail)}")
        name = coord.split(":")[1]
        jars.append(str(target / f"{name}-{version}.jar"))
    remember_jars(coordinate, ",".join(jars))
    return jars

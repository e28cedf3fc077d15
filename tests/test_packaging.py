"""The package builds as a wheel that carries the faces and the templates, and works installed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.network
def test_wheel_installs_and_expands(tmp_path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("dbx_architect-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    templates = {p.name for p in (ROOT / "dbx_architect" / "templates").glob("*.j2")}
    assert {Path(n).name for n in names if n.endswith(".j2")} == templates
    assert "dbx_architect/magics/generate.py" in names
    assert "dbx_architect/widgets/__init__.py" in names
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    script = (
        "import dbx_architect, sys; from dbx_architect.expand import expand; "
        "from dbx_architect.settings import DbxArchitect, Settings; "
        "assert dbx_architect.__file__.startswith(sys.argv[1]), dbx_architect.__file__; "
        "print(expand('silver', 's', 's', 'from: b\\nkeys: [id]\\n', "
        "Settings.from_config(DbxArchitect(), 'local')).code.count('MERGE'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) >= 1


def test_every_package_folder_is_in_the_wheel_list() -> None:
    """pyproject lists packages by hand (magics/ and widgets/ map into dbx_architect): a new
    subpackage missing from the list would be left out of the wheel."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        "dbx_architect." + ".".join(p.parent.relative_to(ROOT / "dbx_architect").parts)
        for p in (ROOT / "dbx_architect").rglob("__init__.py")
    }
    found = {name.rstrip(".") for name in found} | {"dbx_architect.magics", "dbx_architect.widgets"}
    assert found - {"dbx_architect.templates"} <= listed

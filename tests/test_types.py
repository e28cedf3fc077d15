"""The type checker runs here, so CI's pytest run includes it.

``tools/typecheck.py`` runs mypy over every file of the package, ``magics/`` and ``widgets/``
under their installed names (``dbx_architect.magics``...), with the options of
``[tool.mypy]`` in pyproject.toml (strict for the core modules).
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dbx_architect.descriptors import GENERATORS

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "tools" / "typecheck.py"


def load_runner() -> ModuleType:
    """tools/typecheck.py, loaded from its path (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("typecheck", RUNNER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mypy_finds_nothing() -> None:
    done = subprocess.run(
        [sys.executable, str(RUNNER)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    print(done.stdout, done.stderr, sep="\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("mypy: ok")


def test_mypy_sees_each_file_under_the_name_python_imports_it_by() -> None:
    """The runner's module names are the editable install's: magics/ is dbx_architect.magics."""
    sources = list(load_runner().sources())
    modules = {source.module: source.path for source in sources}
    assert modules["dbx_architect.magics.generate"] == str(Path("magics") / "generate.py")
    assert modules["dbx_architect.widgets"] == str(Path("widgets") / "__init__.py")
    for module, path in modules.items():
        found = importlib.util.find_spec(module)
        assert found is not None and found.origin is not None, module
        assert Path(found.origin).resolve() == (ROOT / path).resolve(), module
    on_disk = {p for d in ("dbx_architect", "magics", "widgets") for p in (ROOT / d).rglob("*.py")}
    assert {(ROOT / path).resolve() for path in modules.values()} == {p.resolve() for p in on_disk}


def type_checking_imports() -> set[str]:
    """``module:name`` of every import under ``if TYPE_CHECKING:`` in descriptors.py."""
    tree = ast.parse((ROOT / "dbx_architect" / "descriptors.py").read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    module = "." * stmt.level + (stmt.module or "")
                    found |= {f"{module}:{alias.name}" for alias in stmt.names}
    return found


@pytest.mark.parametrize("magic", sorted(GENERATORS))
def test_every_descriptor_reference_is_imported_for_the_type_checker(magic: str) -> None:
    generator = GENERATORS[magic]
    refs = [generator.spec, generator.plan, generator.variant_check]
    missing = {ref for ref in refs if ref is not None} - type_checking_imports()
    assert not missing, f"add to descriptors.py's TYPE_CHECKING block: {sorted(missing)}"

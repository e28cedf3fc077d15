"""Run mypy over the package under its installed module names.

The repository keeps two subpackages outside the package folder (setuptools ``package-dir``:
``magics/`` installs as ``dbx_architect.magics``, ``widgets/`` as ``dbx_architect.widgets``).
mypy names a file by its folder, and the editable install resolves these names through an
import hook mypy cannot follow, so ``mypy dbx_architect magics widgets`` would check
``magics.generate`` with its ``from ..errors import`` unresolved. This script hands mypy every
file with the module name setuptools gives it, read from pyproject.toml's own ``package-dir``
table, and takes the options from ``[tool.mypy]``.

Usage, from the repository root: ``python tools/typecheck.py [mypy options]``. Exit status 0
when there is nothing to report, 1 on type errors, 2 when mypy could not run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from mypy import build
from mypy.errors import CompileError
from mypy.main import process_options
from mypy.modulefinder import BuildSource

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the project's tomli dependency
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def package_dirs(root: Path = ROOT) -> dict[str, Path]:
    """Each package's folder, as ``[tool.setuptools] package-dir`` maps it."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = pyproject["tool"]["setuptools"]["package-dir"]
    return {package: root / folder for package, folder in mapping.items()}


def sources(root: Path = ROOT) -> Iterator[BuildSource]:
    """Every ``.py`` file of every mapped package, named as it is installed."""
    dirs = package_dirs(root)
    owned = set(dirs.values())
    for package, folder in dirs.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if any((folder / Path(*parts[:i])) in owned for i in range(1, len(parts))):
                continue  # a sub-folder mapped as a package of its own
            if parts[-1] == "__init__":
                parts = parts[:-1]
            module = ".".join((package, *parts))
            yield BuildSource(str(path.relative_to(root)), module, None, str(root))


def main(argv: list[str]) -> int:
    _, options = process_options(argv, require_targets=False)
    try:
        result = build.build(list(sources()), options)
    except CompileError as err:
        print("\n".join(err.messages), file=sys.stderr)
        return 2
    for line in result.errors:
        print(line)
    errors = sum(": error:" in line for line in result.errors)
    print(f"mypy: {errors} errors in {len(result.graph)} modules" if errors else "mypy: ok")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

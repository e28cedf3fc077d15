"""``python -m dbx_architect.databricks_check FILE...``: check generated Databricks code.

A ``.py`` file (a cell, or Databricks notebook source, whose ``# COMMAND`` and ``# MAGIC`` lines
are comments) is read as one program, so names imported in one cell are known in the next; an
``.ipynb`` is its code cells, in order, read the same way. Prints each finding as
``FILE:LINE: message`` (``FILE[cell N]:LINE`` in a notebook) and a summary; exit status 1 when
anything was found.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from . import Finding, check_cell


def findings_in(path: Path) -> tuple[int, list[Finding]]:
    """(cells read, findings) of one file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return text.count("# COMMAND ----------") + 1, check_cell(text, str(path))
    sources = [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in json.loads(text).get("cells", [])
        if c.get("cell_type") == "code"
    ]
    starts = []  # the program line each cell starts on
    line = 1
    for source in sources:
        starts.append(line)
        line += source.count("\n") + 1
    found = []
    for finding in check_cell("\n".join(sources), str(path)):
        cell = max(i for i, start in enumerate(starts) if start <= finding.line)
        where = f"{path}[cell {cell + 1}]"
        found.append(Finding(where, finding.line - starts[cell] + 1, finding.message))
    return len(sources), found


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)]
    if not paths:
        print("usage: python -m dbx_architect.databricks_check FILE.py|FILE.ipynb ...")
        return 2
    start = time.perf_counter()
    findings: list[Finding] = []
    checked = 0
    for path in paths:
        read, found = findings_in(path)
        findings += found
        checked += read
    for finding in findings:
        print(finding)
    seconds = time.perf_counter() - start
    print(f"{checked} cells checked in {seconds:.1f} s: {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())

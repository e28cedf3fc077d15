"""Expansion of a %%bronze cell: parse + validate + render + compile + imports + ruff format
(targets: first <= 300 ms, warm median <= 5 ms).

    python bench/expand.py [WARM_RUNS]

"First" runs in fresh processes (so it pays the lazy imports of pydantic, yaml, jinja2 and
sqlglot); "warm" repeats the same expansion in one process (ruff's layout of an unchanged cell
is remembered), and "warm, changed" changes the cell's comment every time, so every run starts
ruff's formatter (a process) again.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

BODY = """\
source: ./landing/sales/
format: csv
schema: store STRING, item STRING, day DATE, units INT, price DOUBLE
keys: [store, item, day]
cluster_by: [store, day]
comment: Daily unit sales per store and item
tags: {domain: demand, pii: none}
"""

FIRST = f"""
import time
from dbx_architect.expand import expand
from dbx_architect.settings import DbxArchitect, Settings
settings = Settings.from_config(DbxArchitect(), "local")
began = time.perf_counter()
expand("bronze", "sales", "sales", {BODY!r}, settings)
print((time.perf_counter() - began) * 1000)
"""


def first_expansions(runs: int = 5) -> list[float]:
    return [
        float(subprocess.check_output([sys.executable, "-c", FIRST], text=True).strip())
        for _ in range(runs)
    ]


def warm_expansions(runs: int, changed: bool = False) -> list[float]:
    from dbx_architect.expand import expand
    from dbx_architect.settings import DbxArchitect, Settings

    settings = Settings.from_config(DbxArchitect(), "local")
    expand("bronze", "sales", "sales", BODY, settings)
    times = []
    for run in range(runs):
        body = BODY.replace("per store", f"per store ({run})") if changed else BODY
        began = time.perf_counter()
        expand("bronze", "sales", "sales", body, settings)
        times.append((time.perf_counter() - began) * 1000)
    return times


def main(warm_runs: int) -> None:
    first = first_expansions()
    warm = warm_expansions(warm_runs)
    changed = warm_expansions(warm_runs, changed=True)
    print(
        f"first expansion in a process: median {statistics.median(first):7.1f} ms "
        f"(min {min(first):.1f}, max {max(first):.1f}; target <= 300 ms)"
    )
    print(
        f"warm expansion ({warm_runs} runs):     median {statistics.median(warm):7.2f} ms "
        f"(p90 {sorted(warm)[int(len(warm) * 0.9)]:.2f}; target <= 5 ms)"
    )
    print(
        f"warm, changed cell ({warm_runs} runs): median {statistics.median(changed):7.2f} ms "
        f"(p90 {sorted(changed)[int(len(changed) * 0.9)]:.2f}; ruff's formatter runs each time)"
    )
    print(f"first / warm: {statistics.median(first) / statistics.median(warm):.0f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)

"""How much `%load_ext dbx_architect` adds to a fresh Jupyter kernel (target: <= 30 ms).

    python bench/load_ext.py [RUNS]

Each run starts a new kernel, waits until it is ready, then times `%load_ext` inside it,
next to a cell of the same shape that loads nothing (the kernel's own cost of a cell).
The kernels write and read bytecode caches as a user's do: PYTHONDONTWRITEBYTECODE (set on
some CI machines) is removed from their environment, and a first kernel, not timed, writes them.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from jupyter_client.manager import start_new_kernel

CELL = (
    "import time as _t\n_s = _t.perf_counter()\n{body}\n"
    "print(round((_t.perf_counter() - _s) * 1000, 2))"
)


def timed(client, body: str) -> float:
    out: list[str] = []

    def hook(msg: dict) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])

    client.execute_interactive(CELL.format(body=body), timeout=60, output_hook=hook)
    return float("".join(out).strip().splitlines()[-1])


def main(runs: int) -> None:
    loads, baselines, starts = [], [], []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs + 1):
            began = time.perf_counter()
            manager, client = start_new_kernel(kernel_name="python3", cwd=folder, env=env)
            if run == 0:  # writes the bytecode caches; not timed
                timed(client, 'get_ipython().run_line_magic("load_ext", "dbx_architect")')
                client.stop_channels()
                manager.shutdown_kernel(now=True)
                continue
            starts.append((time.perf_counter() - began) * 1000)
            baselines.append(timed(client, "pass"))
            loads.append(timed(client, 'get_ipython().run_line_magic("load_ext", "dbx_architect")'))
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    print(f"runs: {runs}")
    print(f"kernel start (ready):        median {statistics.median(starts):8.1f} ms")
    print(
        f"%load_ext dbx_architect:     median {statistics.median(loads):8.2f} ms"
        f"  (min {min(loads):.2f}, max {max(loads):.2f})"
    )
    print(f"empty cell, same timing:     median {statistics.median(baselines):8.2f} ms")
    print(
        f"added / kernel start:        {statistics.median(loads) / statistics.median(starts):.3%}"
    )
    print("target: <= 30 ms added")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

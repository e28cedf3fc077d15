"""Run the demo notebook end to end on local Spark + Delta, and say where the results are.

    python examples/run_demo.py [OUTPUT_DIR] [NOTEBOOK]
        OUTPUT_DIR default ./demo_output; NOTEBOOK default demand_forecast (or churn)

The notebook runs in OUTPUT_DIR (its landing files, tables, checkpoints and MLflow store
are kept there); the executed copy is saved beside them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "demo_output").resolve()
    name = argv[2] if len(argv) > 2 else "demand_forecast"
    out.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(HERE / f"{name}.ipynb", as_version=4)
    started = time.perf_counter()
    client = NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(out)}}
    )
    try:
        client.execute()
    finally:
        executed = out / f"{name}.executed.ipynb"
        nbformat.write(notebook, executed)
    print(f"Ran examples/{name}.ipynb in {time.perf_counter() - started:.0f} s")
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith("RESULT "):
                    print(line.removeprefix("RESULT "))
    print(f"executed notebook: {executed}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""How fast a form appears and how fast its preview follows a change, in a real kernel.

    python bench/forms.py

A catalog of 50 schemas x 200 tables (20 columns each) is served from memory through the same
interface the Spark catalog implements, so the numbers are the form's own cost. Prints, for
one run in a fresh Jupyter kernel (medians over repeats, target in brackets):
  - time to first paint in the kernel: building the %dbx_form modelzoo widgets and sending them
    to the front end (<= 300 ms), once cold (first form: imports) and warm;
  - preview refresh per change: the spec re-validated and re-rendered after one choice (<= 50 ms).
"""

from __future__ import annotations

import json
import tempfile

SETUP = """
import statistics, time
from IPython.display import display
from dbx_architect.runtime.catalog import MemoryCatalog
from dbx_architect.settings import DbxArchitect, Settings
columns = [(f"c{i}", "double") for i in range(18)] + [("day", "date"), ("units", "double")]
tree = {
    "main": {f"schema_{s:02d}": {f"table_{t:03d}": columns for t in range(200)} for s in range(50)}
}
catalog = MemoryCatalog(tree)
settings = Settings.from_config(DbxArchitect(), "databricks")
"""

MEASURE = """
began = time.perf_counter()
from dbx_architect.widgets.form import SpecForm
form = SpecForm("modelzoo", catalog, settings, lambda name, body: "stored", name="demand")
display(form.widget)
paint_ms = (time.perf_counter() - began) * 1000
form.schema_pick.value = "schema_07"
form.table_pick.value = "table_123"
form.fields["task"].widget.value = "regression"
refresh = []
for column in ["units", "c1", "c2", "units", "c3", "c4", "units", "c5"] * 3:
    form.fields["target"].widget.value = column
    refresh.append(form.last_refresh_ms)
print(json.dumps({"paint_ms": paint_ms, "refresh_ms": statistics.median(refresh),
                  "refresh_max_ms": max(refresh), "valid": form.message.value == ""}))
"""


def main() -> None:
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=tempfile.mkdtemp())
    try:
        outputs: list[str] = []

        def hook(message: dict) -> None:
            if message["msg_type"] == "stream":
                outputs.append(message["content"]["text"])

        client.execute_interactive("import json\n" + SETUP, timeout=120, output_hook=hook)
        runs = []
        for _ in range(6):
            outputs.clear()
            client.execute_interactive(MEASURE, timeout=120, output_hook=hook)
            runs.append(json.loads("".join(outputs).strip().splitlines()[-1]))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    cold, warm = runs[0], runs[1:]
    paint = sorted(r["paint_ms"] for r in warm)[len(warm) // 2]
    refresh = sorted(r["refresh_ms"] for r in warm)[len(warm) // 2]
    print("catalog: 50 schemas x 200 tables x 20 columns (in memory)")
    print(
        f"form to first paint in the kernel: cold {cold['paint_ms']:.0f} ms, "
        f"warm median {paint:.0f} ms (target <= 300 ms)"
    )
    worst = max(r["refresh_max_ms"] for r in warm)
    print(
        f"preview refresh per change: median {refresh:.1f} ms, max {worst:.1f} ms (target <= 50 ms)"
    )
    print(f"spec valid after the changes: {all(r['valid'] for r in runs)}")


if __name__ == "__main__":
    main()

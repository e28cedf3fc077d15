"""What a user sees: JupyterLab and Notebook 7 in headless Chromium (Debian's package).

The test starts the server on 127.0.0.1 with an empty token, opens a notebook, runs cells with
the keyboard like a person, and reads the saved notebook to check what a cell became.
Screenshots go to $DBX_ARTIFACTS (default: a folder printed at the end of the run).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("DBX_ARTIFACTS") or tempfile.mkdtemp(prefix="dbx_screens_"))
BRONZE = (
    "%%bronze sales\nsource: ./landing/sales/\nformat: csv\n"
    "schema: store STRING, day DATE, units INT\nkeys: [store, day]"
)
SETUP = (
    "%dbx_spark\n"
    'spark.sql("CREATE SCHEMA IF NOT EXISTS gold_b")\n'
    'spark.sql("CREATE TABLE IF NOT EXISTS gold_b.weekly '
    '(store STRING, day DATE, units DOUBLE, price DOUBLE) USING DELTA")\n'
    "spark.sql(\"INSERT INTO gold_b.weekly VALUES ('north', DATE'2026-01-05', 20.0, 1.5)\")"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebook(path: Path, cells: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)


def _serve(app: str, root: Path):
    port = _free_port()
    log = open(root / f"{app}.log", "w")  # noqa: SIM115 (closed with the server)
    process = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter", app, "--no-browser", "--ip=127.0.0.1",
            f"--port={port}", "--allow-root", "--ServerApp.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={root}", "--ServerApp.disable_check_xsrf=True",
        ],
        cwd=root, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=2) as reply:
                if reply.status == 200:
                    return process, url, log
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"jupyter {app} did not start: {(root / f'{app}.log').read_text()[-2000:]}")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()
    print(f"\nscreenshots: {ARTIFACTS}")


@pytest.fixture
def lab(tmp_path):
    process, url, log = _serve("lab", tmp_path)
    yield url, tmp_path
    process.terminate()
    process.wait(timeout=30)
    log.close()


def _accept_dialogs(page) -> None:
    """Answer a dialog the front end opened on its own, as a person would, and record it.

    Under load Notebook 7 can ask which kernel to start (the kernel took too long to come up);
    its default answer is the notebook's own kernel. The dialog's text goes to the test output and
    a screenshot, so an unexpected one is visible in the artifacts.
    """
    for _ in range(3):
        dialog = page.locator(".jp-Dialog")
        if not dialog.count():
            return
        print(f"dialog: {dialog.first.inner_text()!r}")
        page.screenshot(path=ARTIFACTS / f"dialog-{time.strftime('%H%M%S')}.png")
        accept = dialog.first.locator("button.jp-mod-accept")
        if accept.count():
            accept.first.click()
        else:
            page.keyboard.press("Escape")
        page.wait_for_timeout(1000)


def _cells(page):
    return page.locator(".jp-Notebook .jp-Cell")


def _run_cell(page, index: int, timeout: float = 120_000) -> None:
    """Click into cell *index*, run it with Ctrl+Enter, wait for its execution count.

    A key press that arrives while the kernel is still connecting is dropped by the front end;
    it is pressed again (at most three times) while the count does not change.
    """
    cell = _cells(page).nth(index)
    before = cell.locator(".jp-InputPrompt").inner_text()
    for attempt in range(3):
        _accept_dialogs(page)
        try:
            cell.locator(".cm-content").click(timeout=15_000)
        except Exception:  # a dialog opened between the check and the click
            _accept_dialogs(page)
            cell.locator(".cm-content").click()
        page.keyboard.press("Control+Enter")
        try:
            wait = timeout if attempt == 2 else 20_000
            _wait_for_count(page, index, before, wait)
            return
        except Exception:
            if attempt == 2 or "*" in cell.locator(".jp-InputPrompt").inner_text():
                if attempt == 2:
                    page.screenshot(path=ARTIFACTS / f"failed-cell-{index}.png")
                    raise
                _wait_for_count(page, index, before, timeout)  # queued or running: wait
                return


def _wait_for_count(page, index: int, before: str, timeout: float) -> None:
    page.wait_for_function(
        """([index, before]) => {
            const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[index];
            const prompt = cell.querySelector('.jp-InputPrompt').textContent;
            return /\\[\\d+\\]/.test(prompt) && prompt !== before;
        }""",
        arg=[index, before],
        timeout=timeout,
    )


def _saved_sources(page, path: Path) -> list[str]:
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1500)
    return ["".join(c.source) for c in nbformat.read(path, as_version=4).cells]


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=90_000)
    # The kernel is ready when the status shows idle.
    page.wait_for_function(
        "() => !!document.querySelector('.jp-Notebook') && "
        "!document.body.textContent.includes('Kernel starting')",
        timeout=90_000,
    )
    _accept_dialogs(page)
    return page


def test_jupyterlab_expands_in_place_forms_and_guard(browser, lab) -> None:
    url, root = lab
    (root / "landing" / "sales").mkdir(parents=True)
    path = root / "demo.ipynb"
    _notebook(
        path,
        [
            "%load_ext dbx_architect",
            BRONZE,
            SETUP,
            "%modelzoo demand --form",
            '%%guard\nspark.sql("DROP TABLE gold_b.weekly")',
        ],
    )
    page = _open(browser, f"{url}/lab/tree/demo.ipynb")
    _run_cell(page, 0)
    _run_cell(page, 1)
    sources = _saved_sources(page, path)
    assert sources[1].startswith("# %%bronze sales\n# source: ./landing/sales/\n")
    assert "readStream" in sources[1] and "MERGE" in sources[1]
    assert "# %%bronze sales" in _cells(page).nth(1).locator(".cm-content").inner_text()
    page.screenshot(path=ARTIFACTS / "lab-1-bronze-expanded.png", full_page=True)

    _run_cell(page, 2, timeout=240_000)  # local Spark + Delta in the notebook's kernel
    _run_cell(page, 3)
    form = _cells(page).nth(3).locator(".dbx-form")
    form.wait_for(timeout=30_000)
    form.locator(".dbx-form-schema select").select_option("gold_b")
    form.locator(".dbx-form-table select").select_option("weekly")
    # The columns arrive from the kernel once it has read the table: wait for them.
    form.locator(".dbx-form-field-target select option", has_text="units").wait_for(
        state="attached", timeout=90_000
    )
    form.locator(".dbx-form-field-target select").select_option("units")
    form.locator(".dbx-form-field-task select").select_option("regression")
    form.locator(".dbx-form-preview pre").filter(has_text="# %%modelzoo demand").wait_for()
    form.locator("button.dbx-form-use").click()
    form.locator(".dbx-form-stored").wait_for(timeout=30_000)
    page.screenshot(path=ARTIFACTS / "lab-2-form-used.png")
    form.screenshot(path=ARTIFACTS / "lab-2-form.png")
    _run_cell(page, 3)
    sources = _saved_sources(page, path)
    assert sources[3].startswith(
        "# %%modelzoo demand\n# table: spark_catalog.gold_b.weekly\n# target: units\n"
        "# task: regression\n"
    )
    assert "cross_validate" in sources[3]

    _run_cell(page, 4)
    output = _cells(page).nth(4).locator(".jp-Cell-outputArea")
    output.filter(has_text="blocked: nothing in this cell ran").wait_for(timeout=30_000)
    assert "%%guard --confirm gold_b.weekly" in output.inner_text()
    output.locator("button.dbx-guard-confirm").wait_for(timeout=30_000)
    _cells(page).nth(4).scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "lab-3-guard-blocked.png")
    _cells(page).nth(4).screenshot(path=ARTIFACTS / "lab-3-guard-cell.png")
    page.close()


def test_notebook7_expands_in_place(browser, tmp_path) -> None:
    process, url, log = _serve("notebook", tmp_path)
    try:
        path = tmp_path / "n7.ipynb"
        _notebook(path, ["%load_ext dbx_architect", BRONZE])
        page = _open(browser, f"{url}/notebooks/n7.ipynb")
        _run_cell(page, 0)
        _run_cell(page, 1)
        sources = _saved_sources(page, path)
        assert sources[1].startswith("# %%bronze sales\n")
        page.screenshot(path=ARTIFACTS / "notebook7-bronze-expanded.png", full_page=True)
        page.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    assert json.loads(path.read_text())["cells"][1]["cell_type"] == "code"

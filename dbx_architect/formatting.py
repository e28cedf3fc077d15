"""Generated code in the project's own style: ruff's formatter at 100 columns.

Templates stay readable as templates; the formatter lays out whatever a spec made of them (long
table names, many candidates) the way a person running ``ruff format`` would. Formatting only
moves whitespace and brackets, so when ruff cannot run here (an unusual platform) the cell keeps
the template's own layout and still works.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

LINE_LENGTH = 100
TARGET_VERSION = "py310"  # the oldest Python of a supported Databricks runtime


@functools.cache
def ruff_binary() -> str | None:
    """The ruff executable installed with this package, else one on PATH, else None."""
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


@functools.lru_cache(maxsize=256)
def ruff_format(code: str) -> str:
    """*code* formatted by ruff (isolated from any project configuration), or as it is.

    Remembered: re-running an unchanged cell or refreshing a form's preview does not start
    ruff again (a new process costs about 5 ms)."""
    binary = ruff_binary()
    if binary is None:
        return code
    command = [binary, "format", "--isolated", f"--line-length={LINE_LENGTH}"]
    command += [f"--target-version={TARGET_VERSION}", "--stdin-filename=cell.py", "-"]
    try:
        done = subprocess.run(command, input=code, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return code
    return done.stdout if done.returncode == 0 and done.stdout else code

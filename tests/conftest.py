"""Shared fixtures: a real IPython shell, one real local Spark + Delta session per run, and the
slow runs in fresh processes that overlap the rest of the session (``background``)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Every Spark JVM of the test run (this process's, the example kernels', the Spark Connect
# servers') compiles with C1 only: each JVM lives a minute or two, and on two cores C2's compiler
# threads compete with the work (a quarter of the demo's JVM CPU time). C1 alone shrinks the
# code cache to 48 MB, which Spark can fill ("Out of space in CodeCache for method handle
# intrinsic" in a KPI test): the tiered default, 240 MB, is kept. Set before any JVM starts;
# the subprocesses inherit it.
os.environ.setdefault("SPARK_SUBMIT_OPTS", "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m")

Job = Callable[[Path], Any]
BACKGROUND_JOBS: dict[str, Job] = {}
# A local Spark Connect server started by a test takes a free port (pyspark does so when
# SPARK_TESTING is set) rather than 15002, so two of them, or one and a user's, never collide.
CONNECT_ON_A_FREE_PORT = {"SPARK_TESTING": "1"}


def background_job(job: Job) -> Job:
    """Register *job(folder)* under its name, for ``@pytest.mark.background(name)`` tests."""
    BACKGROUND_JOBS[job.__name__] = job
    return job


class BackgroundRuns:
    """The session's background jobs, in the order the tests name them.

    They start when the session starts, one at a time while the in-process tests run (a
    Spark-heavy job in a fresh process keeps about one of two cores busy, the in-process tests
    the other); the tests that read them run last, and from then on two jobs run at a time.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = dict(os.environ)  # as the session started: tests change theirs meanwhile
        self.seconds: dict[str, float] = {}
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="background")
        self._slots = threading.Semaphore(1)  # the other core runs the in-process tests
        self._widened = False
        self._closed = False
        self._runs: dict[str, Future] = {}
        self._processes: set[subprocess.Popen] = set()
        self._lock = threading.Lock()

    def start(self, name: str) -> None:
        if name not in self._runs:
            self._runs[name] = self._pool.submit(self._timed, name, BACKGROUND_JOBS[name])

    def result(self, name: str) -> Any:
        """What job *name* returned (waits for it; its failure fails the caller)."""
        if not self._widened:  # the in-process tests are done: their core is free
            self._widened = True
            self._slots.release()
        self.start(name)
        return self._runs[name].result()

    def _timed(self, name: str, job: Job) -> Any:
        with self._slots:
            if self._closed:
                raise RuntimeError(f"{name}: the session ended before it started")
            started = time.perf_counter()
            try:
                return job(self.root / name)
            finally:
                self.seconds[name] = time.perf_counter() - started

    def close(self) -> None:
        """Drop the jobs not started; end the processes of those running."""
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._slots.release()  # a job waiting for a slot sees the session closed
        with self._lock:
            for process in self._processes:
                process.kill()


RUNS: list[BackgroundRuns] = []  # the session's, for the terminal summary


def job_env(unset: tuple[str, ...] = (), **values: str) -> dict[str, str]:
    """The environment the session started with, without *unset*, with *values*."""
    base = {k: v for k, v in RUNS[-1].env.items() if k not in unset}
    return {**base, **values}


def run_process(command: list[str], timeout: float, **popen: Any) -> subprocess.CompletedProcess:
    """``subprocess.run`` for background jobs: the session can end the process it started."""
    runs = RUNS[-1]
    with subprocess.Popen(command, **popen) as process:
        with runs._lock:
            runs._processes.add(process)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        finally:
            with runs._lock:
                runs._processes.discard(process)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that wait for background jobs run last, in their order."""
    items.sort(key=lambda item: item.get_closest_marker("background") is not None)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for runs in RUNS:
        if runs.seconds:
            took = ", ".join(f"{name} {s:.0f} s" for name, s in runs.seconds.items())
            terminalreporter.write_line(f"background jobs: {took}")


@pytest.fixture(scope="session", autouse=True)
def _isolated_jupyter_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep IPython and Jupyter state of the tests out of the user's home."""
    base = tmp_path_factory.mktemp("jupyter")
    for var, sub in (
        ("IPYTHONDIR", "ipython"),
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
    ):
        os.environ[var] = str(base / sub)
    os.environ.pop("DATABRICKS_RUNTIME_VERSION", None)


@pytest.fixture(scope="session", autouse=True)
def background(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _isolated_jupyter_dirs
) -> Iterator[BackgroundRuns]:
    """Starts the background jobs the selected tests name; ``background.result(name)``."""
    runs = BackgroundRuns(tmp_path_factory.mktemp("background"))
    RUNS.append(runs)
    names = [
        name
        for item in request.session.items
        for marker in item.iter_markers("background")
        for name in marker.args
    ]
    if names and not _delta_jars_cached():
        request.getfixturevalue("spark")  # resolves them once, before the jobs' kernels start
    for name in names:
        runs.start(name)
    yield runs
    runs.close()


def _delta_jars_cached() -> bool:
    from dbx_architect.runtime import jars

    return jars.cached_jars(jars.delta_coordinate()) is not None


@pytest.fixture(scope="session")
def ip_session():
    from IPython.testing.globalipapp import start_ipython

    return start_ipython()


class Recorder:
    """Captures what the magics hand to the front end with ``set_next_input``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def __call__(self, text: str, replace: bool = False) -> None:
        self.calls.append((text, replace))


@pytest.fixture
def shell(ip_session, tmp_path, monkeypatch):
    """A real InteractiveShell with dbx_architect freshly loaded, working in a temp folder."""
    monkeypatch.chdir(tmp_path)
    ip = ip_session
    if "dbx_architect" in ip.extension_manager.loaded:
        ip.run_line_magic("unload_ext", "dbx_architect")
    ip.config.pop("DbxArchitect", None)
    ip.run_line_magic("load_ext", "dbx_architect")
    ip.replaced = Recorder()
    monkeypatch.setattr(ip, "set_next_input", ip.replaced)
    yield ip
    ip.user_ns.pop("spark", None)


def run(ip, cell: str):
    """Run *cell*; return the result (the error, if any, is in ``error_in_exec``)."""
    return ip.run_cell(cell, store_history=False)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """The one local Spark + Delta session of the test run (started as %dbx_spark does)."""
    from dbx_architect.runtime.spark import start_local_spark

    root = tmp_path_factory.mktemp("runtime") / ".dbx_architect"
    session = start_local_spark(root, master="local[2]")
    yield session
    session.stop()

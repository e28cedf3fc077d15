"""A standalone Spark cluster on this machine: one master and N workers on 127.0.0.1.

Started with pyspark's own ``spark-class`` (no Spark download), so a notebook, a test or a
benchmark can run the same code on executors in other JVMs, as a multi-node cluster does.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RuntimeSetupError


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


@dataclass
class StandaloneCluster:
    """``with StandaloneCluster(workers=2) as cluster: start_local_spark(master=cluster.url)``."""

    workers: int = 2
    cores: int = 1  # per worker
    memory: str = "1g"  # per worker
    # JVM options for the master, the workers and the executors they start (the executors
    # inherit the workers' environment), e.g. -XX:TieredStopAtLevel=1 for short runs
    java_options: str = ""
    root: Path = field(default_factory=lambda: Path(".dbx_architect") / "cluster")
    url: str = ""
    processes: list[subprocess.Popen] = field(default_factory=list)

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "SPARK_HOME": str(_spark_home()),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable),
        }
        if self.java_options:
            env["JAVA_TOOL_OPTIONS"] = self.java_options
        log = (self.root / f"{name}.log").open("w")
        command = [str(_spark_home() / "bin" / "spark-class"), *args]
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)

    def start(self, timeout: float = 90) -> str:
        self.root = self.root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        port, ui = _free_port(), _free_port()
        self.processes.append(
            self._spawn("master", "org.apache.spark.deploy.master.Master",
                        "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui))
        )  # fmt: skip
        self.url = f"spark://127.0.0.1:{port}"
        for n in range(self.workers):
            work = self.root / f"worker{n}"
            work.mkdir(exist_ok=True)
            self.processes.append(
                self._spawn(f"worker{n}", "org.apache.spark.deploy.worker.Worker",
                            "--host", "127.0.0.1", "--cores", str(self.cores),
                            "--memory", self.memory, "--webui-port", str(_free_port()),
                            "--work-dir", str(work), self.url)
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=2) as page:
                    state = json.load(page)
                if sum(w.get("state") == "ALIVE" for w in state.get("workers", [])) == self.workers:
                    return self.url
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeSetupError(
            f"the standalone cluster did not come up in {timeout:.0f} s; "
            f"see the logs in {self.root}"
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def __enter__(self) -> StandaloneCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""The generated %%modelzoo cell next to PyCaret's compare_models and LazyPredict, one run.

    cd /work/main && .venv/bin/python bench/automl_compare.py

What runs, on scikit-learn's bundled diabetes (regression), breast cancer (binary) and wine
(multiclass) data sets, 5 folds each, candidates of the same families (a dummy baseline,
linear / logistic, random forest, extra trees, gradient boosting):

  - ours: the %%modelzoo cell expanded from a spec and executed as in bench/modelzoo.py, on local
    Spark + Delta with MLflow logging to SQLite in a temp folder (nested runs, leaderboard CSV and
    PNG, a Delta leaderboard table, the winner logged and registered);
  - PyCaret 3.3.2 compare_models (log_experiment=False: no MLflow), twice:
    "pycaret ids" is what a user would type: its own 80/20 split and 5 folds, the model ids
    dummy, ridge / lr, rf, et, gbr / gbc with PyCaret's defaults (100 trees, gradient boosting
    rather than histogram gradient boosting);
    "pycaret same" gets our cell's estimators, train/test rows and fold assignment, so its CV
    score is directly comparable with ours and only the tool differs;
  - LazyPredict 0.3.0 with cv=5 on our cell's train/test rows, the same estimator classes with
    LazyPredict's own defaults (it takes classes, not instances; random_state=42). Each model is
    fitted on the whole train set, cross-validated and scored on the holdout.

The competitors live in their own venv (PyCaret pins scikit-learn < 1.5, numpy < 1.27,
pandas < 2.2), created on first use at ~/.cache/dbx_architect/bench-automl-venv (or
$DBX_BENCH_AUTOML_VENV) and reused while its requirements marker matches; they run there in a
subprocess that reads a data set per line and answers in JSON.

Ours and the competitors are interleaved, as the issue asks ("ratios measured in one run"): the
competitors' venv runs as a server process, and in each of DBX_BENCH_ROUNDS rounds (3 unless
set) every data set runs ours, then the competitors on the same rows, one tool at a time. Each
ratio is ours over theirs within a round; the table shows the medians. Before the rounds, each
tool runs the first data set once, untimed (a warm-up), so that no row pays first-use costs.

Prints, measured in this one run on this machine:
  - what no timing includes: the venv install (when it happened here), imports per tool, Spark
    start, MLflow store creation, writing the Delta tables, the warm-ups, the package versions,
    and the CPU that other processes took meanwhile (from /proc: well above 0, the numbers below
    are skewed);
  - a table, per data set and tool: median wall time to the leaderboard (ours also to the
    registered winner), the best model, its mean CV score of the primary metric (rmse for diabetes,
    f1_weighted for the classification sets), its holdout score, and the median of ours / theirs
    of the times to the leaderboard (above 1: ours was slower), then each round's ratio;
  - where ours spends its time (the Spark part: read, split, toPandas and checks), each tool's
    CV score per candidate, and what is compared.
Ours is timed from the start of the cell's exec to the moment it prints the leaderboard (which it
does after the Spark read and split, the cross-validation and the MLflow runs of every
candidate); PyCaret from just before setup() to compare_models' return (which includes refitting
the winner on the whole train set); LazyPredict around its fit().
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

VENV = Path(
    os.environ.get("DBX_BENCH_AUTOML_VENV", "~/.cache/dbx_architect/bench-automl-venv")
).expanduser()
# six: scikit-plot (a PyCaret dependency) imports it but does not declare it.
REQUIREMENTS = ("pycaret==3.3.2", "lazypredict==0.3.0", "six")
FOLDS = 5
ROUNDS = int(os.environ.get("DBX_BENCH_ROUNDS", "3"))  # ours and theirs, interleaved

# label, table, scikit-learn loader, task, primary metric, the linear model's name in the spec
DATASETS = (
    ("diabetes", "diabetes", "load_diabetes", "regression", "rmse", "linear"),
    ("breast cancer", "cancer", "load_breast_cancer", "classification", "f1_weighted", "logistic"),
    ("wine", "wine", "load_wine", "classification", "f1_weighted", "logistic"),
)
PYCARET_IDS = {
    "regression": ["dummy", "ridge", "rf", "et", "gbr"],
    "classification": ["dummy", "lr", "rf", "et", "gbc"],
}

# Runs in the competitors' venv: python -c COMPETITORS SETTINGS_JSON, a server (see its end).
COMPETITORS = textwrap.dedent(
    """
    import importlib
    import importlib.metadata as metadata
    import json
    import sys
    import time
    import warnings

    warnings.filterwarnings("ignore")
    job = json.loads(sys.argv[1])  # folds, pycaret_ids
    imports = {}
    began = time.perf_counter()
    import numpy as np
    import pandas as pd
    import sklearn.datasets
    from sklearn.metrics import f1_score, mean_squared_error
    from sklearn.model_selection import PredefinedSplit
    imports["numpy, pandas, scikit-learn"] = time.perf_counter() - began
    began = time.perf_counter()
    from pycaret.classification import ClassificationExperiment
    from pycaret.regression import RegressionExperiment
    imports["pycaret"] = time.perf_counter() - began
    began = time.perf_counter()
    from lazypredict.Supervised import LazyClassifier, LazyRegressor
    imports["lazypredict"] = time.perf_counter() - began
    versions = {
        name: metadata.version(name)
        for name in ("pycaret", "lazypredict", "scikit-learn", "pandas", "numpy", "joblib")
    }


    def metric(name, y_true, y_pred):
        if name == "rmse":
            return float(np.sqrt(mean_squared_error(y_true, y_pred)))
        return float(f1_score(y_true, y_pred, average="weighted"))


    def f1_weighted(y_true, y_pred, **kwargs):
        # add_metric(..., average="weighted") loses the keyword on multiclass data, and a metric
        # without **kwargs fails on sample_weight=None: PyCaret 3.3.2 then shows 0.0.
        return f1_score(y_true, y_pred, average="weighted", **kwargs)


    def build(spec):
        cls = getattr(importlib.import_module(spec["module"]), spec["cls"])
        return cls(**spec["params"])


    def pycaret(data, test_data, task, primary, include, fold_strategy):
        regression = task == "regression"
        exp = RegressionExperiment() if regression else ClassificationExperiment()
        sort = "RMSE" if regression else "F1 weighted"
        began = time.perf_counter()
        exp.setup(
            data=data, test_data=test_data, target="target", train_size=0.8,
            fold_strategy=fold_strategy, fold=job["folds"], session_id=42, normalize=True,
            verbose=False, html=False, log_experiment=False, system_log=False,
        )
        if not regression:
            exp.add_metric("f1_weighted", "F1 weighted", f1_weighted)
        best = exp.compare_models(
            include=include, sort=sort, n_select=1, errors="raise", verbose=False
        )
        wall = time.perf_counter() - began
        board = exp.pull()
        predicted = exp.predict_model(best, verbose=False)  # not timed
        return {
            "wall_s": wall,
            "best": board.iloc[0]["Model"],
            "cv": float(board.iloc[0][sort]),
            "holdout": metric(primary, predicted["target"], predicted["prediction_label"]),
            "scores": dict(zip(board["Model"], board[sort].astype(float))),
        }


    def lazy(train, test, task, primary, classes):
        X_train, y_train = train.drop(columns="target"), train["target"]
        X_test, y_test = test.drop(columns="target"), test["target"]
        began = time.perf_counter()
        if task == "regression":
            tool = LazyRegressor(regressors=classes, cv=job["folds"], random_state=42)
        else:
            tool = LazyClassifier(classifiers=classes, cv=job["folds"], random_state=42)
        board, _ = tool.fit(X_train, X_test, y_train, y_test)
        wall = time.perf_counter() - began
        cv_column, holdout_column = (
            ("RMSE CV Mean", "RMSE") if primary == "rmse" else ("F1 Score CV Mean", "F1 Score")
        )
        board = board.sort_values(cv_column, ascending=primary == "rmse")
        return {
            "wall_s": wall,
            "best": board.index[0],
            "cv": float(board.iloc[0][cv_column]),
            "holdout": float(board.iloc[0][holdout_column]),
            "scores": dict(zip(board.index, board[cv_column].astype(float))),
            "failed": sorted(tool.errors),
        }


    def compare(item):  # every competitor on one data set
        frame = getattr(sklearn.datasets, item["loader"])(as_frame=True).frame
        frame.columns = [c.replace(" ", "_") for c in frame.columns]
        train, test = pd.read_csv(item["train"]), pd.read_csv(item["test"])
        test.index += len(train)  # PyCaret refuses a test set whose index repeats train's
        folds = PredefinedSplit(train.pop("_fold").to_numpy())
        task, primary = item["task"], item["primary"]
        ours = [build(spec) for spec in item["estimators"]]
        own_folds = "kfold" if task == "regression" else "stratifiedkfold"
        runs = {
            "pycaret ids": lambda: pycaret(
                frame, None, task, primary, job["pycaret_ids"][task], own_folds
            ),
            "pycaret same": lambda: pycaret(train, test, task, primary, ours, folds),
            "lazypredict": lambda: lazy(train, test, task, primary, [type(e) for e in ours]),
        }
        results = []
        for tool, run in runs.items():
            try:
                results.append({"label": item["label"], "tool": tool, **run()})
            except Exception as error:
                results.append({"label": item["label"], "tool": tool, "error": repr(error)})
        return results


    # A server: one data set per line on stdin, its results as one JSON line on stdout (what the
    # tools print goes to stderr). The first line out says what the imports took.
    reply, sys.stdout = sys.stdout, sys.stderr


    def send(value):
        reply.write(json.dumps(value) + "\\n")
        reply.flush()


    send({"imports": imports, "versions": versions})
    for line in sys.stdin:
        began = time.perf_counter()
        results = compare(json.loads(line))
        send({"results": results, "seconds": time.perf_counter() - began})
    """
)


def busy_cpu() -> tuple[float, float]:
    """(CPU seconds the whole machine spent busy, of which this process and its children),
    since boot; Linux only (zeros elsewhere). The difference is what other processes took."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    values = [int(v) for v in stat.read_text().split("\n", 1)[0].split()[1:9]]
    machine = (sum(values) - values[3] - values[4]) / tick  # all but idle and iowait
    times = os.times()
    own = times.user + times.system + times.children_user + times.children_system
    processes = {}  # pid -> (parent pid, CPU seconds) of every process still alive
    for path in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = path.read_text().rsplit(")", 1)[1].split()
            processes[int(path.parent.name)] = (
                int(fields[1]),
                (int(fields[11]) + int(fields[12])) / tick,
            )
    for pid, (parent, cpu) in processes.items():
        while parent not in (0, os.getpid()) and parent in processes:
            parent = processes[parent][0]
        if parent == os.getpid() and pid != os.getpid():
            own += cpu  # a child not yet waited for, such as Spark's JVM
    return machine, own


def ensure_venv() -> tuple[Path, float | None]:
    """The competitors' interpreter, and how long installing it took (None: already there)."""
    python = VENV / "bin" / "python"
    marker = VENV / "dbx-architect-requirements.txt"
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python, None
    print(f"Installing {', '.join(REQUIREMENTS)} into {VENV} ...", flush=True)
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        + list(REQUIREMENTS),
        check=True,
    )
    marker.write_text(wanted)
    return python, time.perf_counter() - began


class Clock(io.TextIOBase):
    """Stands in for the cell's stdout and notes when its milestones are printed."""

    def __init__(self, began: float) -> None:
        self.began, self.marks, self.text = began, {}, []

    def write(self, text: str) -> int:
        now = time.perf_counter() - self.began
        for mark, needle in (
            ("split", " train rows in "),  # read, split and moved to pandas, checks passed
            ("cv_start", "Cross-validating"),
            ("leaderboard", "fit_time_s"),  # the leaderboard's header
            ("winner", "winner: "),  # refitted on all train rows and scored on the test set
        ):
            if needle in text:
                self.marks.setdefault(mark, now)
        self.text.append(text)
        return len(text)


class Ours:
    """The generated cell on local Spark + Delta with MLflow on SQLite, ready to run."""

    def __init__(self, root: Path) -> None:
        self.root, self.setup = root, {}
        os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{root / 'mlflow.db'}"
        began = time.perf_counter()
        import mlflow
        import sklearn.datasets

        from dbx_architect.expand import expand
        from dbx_architect.runtime.spark import start_local_spark
        from dbx_architect.settings import DbxArchitect, Settings

        self.setup["imports (dbx_architect, mlflow, pyspark, scikit-learn)"] = (
            time.perf_counter() - began
        )
        logging.getLogger("mlflow").setLevel(logging.ERROR)  # its pickle-format warning, per cell
        began = time.perf_counter()
        self.spark = start_local_spark(root / ".dbx_architect", master="local[2]")
        self.setup["Spark session start"] = time.perf_counter() - began
        began = time.perf_counter()
        mlflow.search_experiments()  # creates the SQLite store and runs its migrations
        self.setup["MLflow SQLite store creation"] = time.perf_counter() - began
        began = time.perf_counter()
        self.spark.sql("CREATE SCHEMA IF NOT EXISTS gold")
        for _, table, loader, *_ in DATASETS:
            frame = getattr(sklearn.datasets, loader)(as_frame=True).frame
            frame.columns = [c.replace(" ", "_") for c in frame.columns]
            self.spark.createDataFrame(frame).write.format("delta").mode("overwrite").saveAsTable(
                f"gold.{table}"
            )
        self.setup["the three Delta tables written"] = time.perf_counter() - began
        self.expand, self.settings = expand, Settings.from_config(DbxArchitect(), "local")

    def cell(self, name: str, table: str, task: str, primary: str, linear: str) -> tuple:
        """Run the cell once: its namespace and its Clock."""
        body = (
            f"table: {table}\ntarget: target\ntask: {task}\ncv: {FOLDS}\nmetric: {primary}\n"
            f"models: [{linear}, random_forest, extra_trees, hist_gbm]\n"
            f"register: bench_automl_{name}\n"
        )
        code = self.expand("modelzoo", name, name, body, self.settings).code
        namespace = {"spark": self.spark}
        clock = Clock(time.perf_counter())
        try:
            with contextlib.redirect_stdout(clock), contextlib.redirect_stderr(io.StringIO()):
                exec(compile(code, name, "exec"), namespace)
        except Exception:
            print("".join(clock.text), file=sys.stderr)
            raise
        clock.marks["end"] = time.perf_counter() - clock.began
        missing = {"split", "cv_start", "leaderboard", "winner"} - set(clock.marks)
        if missing:
            sys.exit(f"The {name} cell printed no {', '.join(sorted(missing))} line (changed?)")
        return namespace, clock

    def run(self, label: str, table: str, loader: str, task: str, primary: str, linear: str):
        """One timed run on a data set: its result row, with the job for the competitors."""
        namespace, clock = self.cell(table, table, task, primary, linear)
        board = namespace["leaderboard"]
        best = board.iloc[0]
        return {
            "label": label,
            "tool": "ours",
            "wall_s": clock.marks["leaderboard"],
            "winner_s": clock.marks["end"],
            "refit_s": clock.marks["winner"],
            "spark_s": clock.marks["split"],
            "before_cv_s": clock.marks["cv_start"],
            "cv_s": float(((board["fit_time_s"] + board["predict_time_s"]) * FOLDS).sum()),
            "best": best["candidate"],
            "cv": float(best[f"cv_{primary}_mean"]),
            "holdout": float(namespace["test_metrics"][f"test_{primary}"]),
            "scores": board.set_index("candidate")[f"cv_{primary}_mean"].to_dict(),
            "job": self.job(namespace, label, table, loader, task, primary),
        }

    def job(self, namespace: dict, label: str, table: str, loader: str, task: str, primary: str):
        """What the competitors need: the cell's train/test rows, folds and estimators."""
        columns = [*namespace["features"], "target"]
        train_csv, test_csv = self.root / f"{table}_train.csv", self.root / f"{table}_test.csv"
        namespace["train"][[*columns, "_fold"]].to_csv(train_csv, index=False)
        namespace["test"][columns].to_csv(test_csv, index=False)
        estimators = []
        for estimator in namespace["candidates"].values():
            defaults = type(estimator)().get_params()
            params = {k: v for k, v in estimator.get_params().items() if defaults[k] != v}
            module = type(estimator).__module__.rsplit("._", 1)[0]  # sklearn.ensemble._forest
            estimators.append({"module": module, "cls": type(estimator).__name__, "params": params})
        return {
            "label": label,
            "loader": loader,
            "task": task,
            "primary": primary,
            "train": str(train_csv),
            "test": str(test_csv),
            "estimators": estimators,
        }


class Competitors:
    """PyCaret and LazyPredict in their venv, as a server process: a data set in, results out."""

    def __init__(self, python: Path, root: Path) -> None:
        self.log = root / "competitors.log"
        settings = json.dumps({"folds": FOLDS, "pycaret_ids": PYCARET_IDS})
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "PYTHON"))}
        self.process = subprocess.Popen(
            [str(python), "-c", COMPETITORS, settings],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log.open("w"),
            text=True,
        )
        self.hello = self.receive()  # imports and versions

    def receive(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            sys.exit(f"The competitors' process ended:\n{self.log.read_text()[-5000:]}")
        return json.loads(line)

    def run(self, job: dict) -> dict:
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        return self.receive()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def interleaved(ours: Ours, competitors: Competitors) -> tuple[dict, list[list[dict]]]:
    """Warm-ups (untimed), then ROUNDS rounds; in each, every data set runs ours, then the
    competitors on the same rows. Returns the warm-up seconds and the rounds' result rows."""
    warmups = {}
    label, table, loader, task, primary, linear = DATASETS[0]
    began = time.perf_counter()
    namespace, _ = ours.cell("warmup", table, task, primary, linear)
    warmups[f"ours: the {table} cell once"] = time.perf_counter() - began
    job = ours.job(namespace, label, table, loader, task, primary)
    warmups[f"competitors: all three on {table} once"] = competitors.run(job)["seconds"]
    rounds = []
    for round_ in range(ROUNDS):
        rows = []
        for dataset in DATASETS:
            mine = ours.run(*dataset)
            rows += [mine, *competitors.run(mine["job"])["results"]]
        rounds.append(rows)
        print(f"  round {round_ + 1} of {ROUNDS} done", flush=True)
    return warmups, rounds


def median_rows(rounds: list[list[dict]]) -> list[dict]:
    """One row per data set and tool: the last round's models and scores, the median times, and
    the median over rounds of ours / theirs (each round's ratio from the same round)."""
    rows = []
    for index, last in enumerate(rounds[-1]):
        same = [round_[index] for round_ in rounds]
        if "error" in last:
            rows.append(last)
            continue
        row = dict(last)
        for key in ("wall_s", "winner_s", "refit_s", "spark_s", "before_cv_s", "cv_s"):
            if key in last:
                row[key] = statistics.median(r[key] for r in same)
        if last["tool"] != "ours":
            ratios = []
            for round_, theirs in zip(rounds, same, strict=True):
                mine = next(
                    r for r in round_ if r["tool"] == "ours" and r["label"] == last["label"]
                )
                ratios.append(mine["wall_s"] / theirs["wall_s"])
            row["ratio"], row["ratios"] = statistics.median(ratios), ratios
        rows.append(row)
    return rows


def print_setup(ours: Ours, competitors: Competitors, install_s, warmups, cpu) -> None:
    import mlflow
    import pyspark
    import sklearn

    versions = competitors.hello["versions"]
    print()
    print("Not in any timing below:")
    if install_s is not None:
        print(f"  competitors' venv created and installed in {install_s:.1f} s ({VENV})")
    else:
        print(f"  competitors' venv already installed ({VENV})")
    for what, seconds in ours.setup.items():
        print(f"  ours:        {what}: {seconds:.1f} s")
    for what, seconds in competitors.hello["imports"].items():
        print(f"  competitors: import {what}: {seconds:.1f} s")
    for what, seconds in warmups.items():
        print(f"  warm-up, {what}: {seconds:.1f} s")
    print(
        f"  versions: ours scikit-learn {sklearn.__version__}, mlflow {mlflow.__version__}, "
        f"pyspark {pyspark.__version__}; competitors scikit-learn {versions['scikit-learn']}, "
        f"pycaret {versions['pycaret']}, lazypredict {versions['lazypredict']}, "
        f"pandas {versions['pandas']}, numpy {versions['numpy']}"
    )
    (began, machine, own), (ended, machine_after, own_after) = cpu
    other = (machine_after - machine) - (own_after - own)
    print(
        f"  CPU taken by other processes meanwhile (warm-ups included): {other:.1f} s "
        f"of {(ended - began) * (os.cpu_count() or 1):.0f} core-seconds"
    )


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'data set':14s} {'tool':13s} {'leaderboard s':>13s} {'winner s':>9s} "
        f"{'best model':30s} {'metric':12s} {'best CV':>8s} {'holdout':>8s} {'ours/theirs':>11s}"
    )
    print(header)
    print("-" * len(header))
    for label, *_, primary, _ in DATASETS:
        for row in [r for r in rows if r["label"] == label]:
            if "error" in row:
                print(f"{label:14s} {row['tool']:13s} failed: {row['error'][:120]}")
                continue
            winner = f"{row['winner_s']:9.1f}" if "winner_s" in row else f"{'-':>9s}"
            ratio = f"{row['ratio']:11.2f}" if "ratio" in row else f"{'':11s}"
            print(
                f"{label:14s} {row['tool']:13s} {row['wall_s']:13.1f} {winner} "
                f"{row['best'][:30]:30s} {primary:12s} {row['cv']:8.4f} {row['holdout']:8.4f} "
                f"{ratio}"
            )
    print()
    for row in rows:
        if "ratios" in row:
            each = ", ".join(f"{r:.2f}" for r in row["ratios"])
            print(f"ours / {row['tool']}, {row['label']}, per round: {each}")
    print()
    for row in [r for r in rows if r["tool"] == "ours"]:
        print(
            f"ours, {row['label']} (medians): {row['spark_s']:.2f} s Spark read + split + "
            f"toPandas + checks; cross-validation starts at {row['before_cv_s']:.2f} s; "
            f"candidates' own fit+score time {row['cv_s']:.1f} s (summed over the worker "
            f"processes); leaderboard at {row['wall_s']:.1f} s; winner refitted and test-scored "
            f"at {row['refit_s']:.1f} s; logged + registered at {row['winner_s']:.1f} s"
        )
    print()
    print(f"Mean CV score per candidate, best first ({FOLDS} folds; the last round):")
    for label, *_, primary, _ in DATASETS:
        for row in [r for r in rows if r["label"] == label and "error" not in r]:
            scores = ", ".join(f"{name} {value:.4f}" for name, value in row["scores"].items())
            print(f"  {label:14s} {row['tool']:13s} {primary}: {scores}")
    for row in rows:
        if row.get("failed"):
            print(f"{row['tool']}, {row['label']}: models that failed: {', '.join(row['failed'])}")


def main() -> None:
    python, install_s = ensure_venv()
    root = Path(tempfile.mkdtemp(prefix="dbx_automl_"))
    os.chdir(root)
    print(
        f"Ours and the competitors, interleaved per data set, {ROUNDS} rounds, on "
        f"{os.cpu_count()} cores ...",
        flush=True,
    )
    cpu = [(time.perf_counter(), *busy_cpu())]
    ours = Ours(root)
    competitors = Competitors(python, root)
    warmups, rounds = interleaved(ours, competitors)
    cpu.append((time.perf_counter(), *busy_cpu()))
    competitors.close()
    ours.spark.stop()
    print_setup(ours, competitors, install_s, warmups, cpu)
    print()
    print_table(median_rows(rounds))
    print(WHAT_IS_COMPARED.format(cores=os.cpu_count(), folds=FOLDS, rounds=ROUNDS))


WHAT_IS_COMPARED = """
What is compared ({cores} cores; in each of {rounds} rounds every data set runs ours, then the
competitors on the same rows, one tool at a time; times are medians over the rounds):
- ours logs to MLflow (a parent run, a nested run per candidate, leaderboard CSV and PNG)
  before it prints the leaderboard, and writes a Delta leaderboard table before the winner;
  "winner s" adds the winner's refit, test scoring, model logging and registration. Neither
  competitor logs anything (PyCaret log_experiment=False; LazyPredict without
  MLFLOW_TRACKING_URI). Ours also reads the data through Spark from Delta, the competitors
  start from a pandas frame or CSV already read.
- ours cross-validates its candidates side by side in worker processes (one per core);
  LazyPredict and PyCaret's compare_models fit one model at a time.
- leaderboard s: ours up to the printed leaderboard; PyCaret setup() + compare_models
  (which also refits the winner on the whole train set); LazyPredict fit() (per model: a fit
  on the whole train set, {folds}-fold CV, holdout scoring).
- ours/theirs: the median over rounds of ours' leaderboard s over theirs in the same round;
  above 1 means ours was slower.
- best CV: mean over {folds} folds of the primary metric (rmse lower is better, f1_weighted
  higher). "pycaret ids" uses its own split and folds, so its score is not on the same rows;
  "pycaret same" and ours share train/test rows and folds; LazyPredict shares the rows but
  folds them itself (KFold / StratifiedKFold, unshuffled). holdout: the best model's score on
  the test rows ("pycaret ids": on its own test rows; PyCaret's winner is scored after the
  timer stops).
- candidates: a dummy, ridge / logistic regression, random forest, extra trees and gradient
  boosting; ours and "pycaret same" with 100 trees and histogram gradient boosting, "pycaret
  ids" with PyCaret's defaults (100 trees, GradientBoosting), LazyPredict with scikit-learn's
  defaults (100 trees, LogisticRegression max_iter=100). Every tool preprocesses with mean
  imputation and standard scaling. scikit-learn differs (PyCaret 3.3.2 pins it below 1.5).
- each tool ran the first data set once untimed before the timed rounds, so no row pays
  first-use costs (Spark's query compilation, joblib's worker start, lazy imports)."""


if __name__ == "__main__":
    main()

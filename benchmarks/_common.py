"""Shared helpers for benchmark scripts: environment record and the results file."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def threads_option(parser: Any) -> None:
    """Add ``--threads`` (torch threads, default 1) to an ``argparse`` parser."""
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (1: on a shared 2-core machine, 2 threads wait on each other)",
    )


def environment(device: str = "cpu") -> dict[str, Any]:
    """Python, torch, threads and device, recorded in every results file."""
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": device,
        "cpu": platform.processor() or platform.machine(),
        "date": time.strftime("%Y-%m-%d"),
    }


def row(
    dataset: str, variant: str, metric: str, values: Any, seconds: float, **extra: Any
) -> dict[str, Any]:
    """One results row: mean/std/n over seeds or folds (a scalar counts as n = 1)."""
    import numpy as np

    arr = np.atleast_1d(np.asarray(values, dtype=float))
    out = {
        "dataset": dataset,
        "variant": variant,
        "metric": metric,
        "mean": float(np.nanmean(arr)) if arr.size else float("nan"),
        "std": float(np.nanstd(arr, ddof=1)) if arr.size > 1 else 0.0,
        "n": int(arr.size),
        "seconds": round(float(seconds), 3),
    }
    if arr.size > 1:  # per seed, fold or split, in order: paired comparisons need them
        out["values"] = [float(v) for v in arr]
    out.update(extra)
    return out


def paired(a: list[float], b: list[float]) -> dict[str, float]:
    """Paired differences ``a - b``: mean, std, wins, Wilcoxon and paired-t p-values.

    Parameters
    ----------
    a, b : sequence of float, same length
        One value per seed, fold or split, in the same order.
    """
    import numpy as np
    from scipy import stats

    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if not np.isfinite(d).all():  # a missing seed/fold/split: no test, said plainly
        nan = float("nan")
        keys = ("mean_difference", "std_difference", "wilcoxon_p", "paired_t_p")
        return {**dict.fromkeys(keys, nan), "wins": 0, "losses": 0}
    w = stats.wilcoxon(d) if np.any(d != 0) else None
    if np.std(d) > 0:
        t_p = float(stats.ttest_rel(a, b).pvalue)
    else:  # every difference equal: none (p 1), or the same sign every time (p 0)
        t_p = 1.0 if d.size == 0 or d[0] == 0 else 0.0
    return {
        "mean_difference": float(d.mean()),
        "std_difference": float(d.std(ddof=1)) if d.size > 1 else 0.0,
        "wins": int((d > 0).sum()),
        "losses": int((d < 0).sum()),
        "wilcoxon_p": float(w.pvalue) if w is not None else 1.0,
        "paired_t_p": t_p,
    }


def holm(pvalues: list[float]) -> list[float]:
    """Holm step-down adjusted p-values (same order)."""
    import numpy as np

    p = np.asarray(pvalues, dtype=float)
    adj = np.full_like(p, np.nan)  # a NaN p (no test) stays NaN and is not counted
    finite = np.flatnonzero(np.isfinite(p))
    order = finite[np.argsort(p[finite])]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p[i]))
        adj[i] = running
    return adj.tolist()


#: Keys every results row carries (its origin); ``runs[run_id]`` of the file adds the
#: environment of that run.
ROW_PROVENANCE = ("commit", "dirty", "command", "run_id")

#: What a row written before per-row provenance says about its origin.
UNRECORDED = (
    "written before per-row provenance: commit and dirty flag were not recorded; 'command' "
    "is the file's last command, which may not be the one that produced this row (see the "
    "file's earlier_runs)"
)


def git_state() -> tuple[str | None, bool | None]:
    """(commit, dirty) of the checkout the benchmark runs from; (None, None) outside git.

    ``dirty``: a tracked file differs from the commit, results files excepted (they are
    this code's output: a benchmark that rewrites its file after every part would otherwise
    call every later part dirty).
    """
    import subprocess

    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                f":(exclude){Path(__file__).resolve().parent.name}/results",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return commit, bool(status.strip())


def provenance(device: str = "cpu") -> dict[str, Any]:
    """This run's origin: commit, dirty flag, command, a fresh run id and the environment."""
    import uuid

    commit, dirty = git_state()
    return {
        "commit": commit,
        "dirty": dirty,
        "command": "python " + " ".join([os.path.relpath(sys.argv[0]), *sys.argv[1:]]),
        "run_id": str(uuid.uuid4()),
        "environment": environment(device),
    }


def write_results(
    name: str,
    rows: list[dict[str, Any]],
    *,
    device: str = "cpu",
    prov: dict[str, Any] | None = None,
    **extra: Any,
) -> Path:
    """Write ``benchmarks/results/<name>.json`` (DESIGN.md schema) atomically.

    The file records this run's ``commit``, ``dirty``, ``command``, ``run_id`` and
    ``environment``; every row carries ``commit``, ``dirty``, ``command`` and ``run_id``:
    rows new in this call get this run's, rows kept from an earlier file (read with
    :func:`load_results`) keep their own, and ``runs`` maps every run id still referenced to
    its full provenance (environment included). A ``--quick`` run writes
    ``<name>_quick.json`` instead, so ``make bench`` never overwrites the full results the
    README is generated from. ``prov``: this run's :func:`provenance`, when the benchmark
    stamped a block of ``extra`` with it before writing (one run id for both).
    """
    from attnscope._utils.files import write_json

    if "--quick" in sys.argv[1:] and not name.endswith("_quick"):
        name = f"{name}_quick"

    prov = prov or provenance(device)
    stamp = stamp_of(prov)
    rows = [r if "run_id" in r else {**r, **stamp} for r in rows]
    runs = dict(extra.pop("runs", {}) or {})
    try:
        runs = {**load_results(name).get("runs", {}), **runs}
    except (OSError, ValueError):
        pass
    runs[prov["run_id"]] = prov
    used = {r["run_id"] for r in rows} | {
        v.get("run_id") for v in extra.values() if isinstance(v, dict)
    }
    payload = {
        "benchmark": name,
        **prov,
        "rows": rows,
        **extra,
        "runs": {k: v for k, v in runs.items() if k in used},
    }
    path = write_json(RESULTS / f"{name}.json", payload)
    print(f"wrote {path}")
    return path


def stamp_of(prov: dict[str, Any]) -> dict[str, Any]:
    """The :data:`ROW_PROVENANCE` keys of a :func:`provenance` (what a row or block carries)."""
    return {k: prov[k] for k in ROW_PROVENANCE}


#: What a ``benchmarks/consistency_tune.py`` line written before per-line provenance says.
UNRECORDED_LINE = (
    "a search line written before per-line provenance: commit and dirty flag were not "
    "recorded; 'command' is rebuilt from the line's name, config, members and task"
)


def mark_lines(lines: list[dict[str, Any]], rebuild: Any) -> list[dict[str, Any]]:
    """Lines of another command's log, each with its origin: its own stamp when it has one,
    else ``commit``/``dirty``/``run_id`` None, ``command`` ``rebuild(line)`` and ``origin``
    :data:`UNRECORDED_LINE` (nothing invented)."""
    unknown = {"commit": None, "dirty": None, "run_id": None, "origin": UNRECORDED_LINE}
    return [x if "run_id" in x else {**x, **unknown, "command": rebuild(x)} for x in lines]


def mark_origin(results: dict[str, Any]) -> dict[str, Any]:
    """Give rows without provenance their file's (commit/dirty only if the file has them)."""
    fallback = {
        "commit": results.get("commit"),
        "dirty": results.get("dirty"),
        "command": results.get("command"),
        "run_id": results.get("run_id"),
    }
    if fallback["run_id"] is None:
        fallback["origin"] = UNRECORDED
    results["rows"] = [r if "run_id" in r else {**r, **fallback} for r in results.get("rows", [])]
    return results


def load_results(name: str) -> dict[str, Any]:
    """Read ``benchmarks/results/<name>.json``; rows without provenance get the file's."""
    return mark_origin(json.loads((RESULTS / f"{name}.json").read_text()))

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
    out.update(extra)
    return out


def write_results(
    name: str, rows: list[dict[str, Any]], *, device: str = "cpu", **extra: Any
) -> Path:
    """Write ``benchmarks/results/<name>.json`` (DESIGN.md schema) atomically.

    A ``--quick`` run writes ``<name>_quick.json`` instead, so ``make bench`` never
    overwrites the full results the README is generated from.
    """
    from attnscope._utils.files import write_json

    if "--quick" in sys.argv[1:] and not name.endswith("_quick"):
        name = f"{name}_quick"

    payload = {
        "benchmark": name,
        "command": "python " + " ".join([os.path.relpath(sys.argv[0]), *sys.argv[1:]]),
        "environment": environment(device),
        "rows": rows,
        **extra,
    }
    path = write_json(RESULTS / f"{name}.json", payload)
    print(f"wrote {path}")
    return path


def load_results(name: str) -> dict[str, Any]:
    """Read ``benchmarks/results/<name>.json``."""
    return json.loads((RESULTS / f"{name}.json").read_text())

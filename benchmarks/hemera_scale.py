"""HEMERA scaling: memory and time of one training step, Linformer vs full attention.

Each measurement runs in a fresh subprocess (one thread) that builds the model and an AdamW
optimiser, runs training steps on simulated genotypes (independent SNPs, allele
frequencies uniform in [0.05, 0.5]) and reports its own peak resident memory
(``getrusage(RUSAGE_SELF).ru_maxrss``). Before starting a subprocess the step's memory is
estimated (:func:`attnscope.models.hemera.hemera_memory_estimate`); settings whose
estimate exceeds the budget (7.5 GB) are refused, not run, and reported with the estimate.

Variants:

- ``linformer``: the fine-tuning step HEMERA trains with ([CLS]-only last layer).
- ``linformer_mlm``: the MLM pre-training step (every query, MLM head).
- ``full_mlm``: the same step with plain softmax attention over all n tokens (quadratic).
- ``full``: full attention in the fine-tuning step; with one layer only the [CLS] row
  of attention is needed, so it is linear too (reported for honesty).

Streaming: a PLINK file (256 individuals) is written in a temp dir and four fine-tuning
steps (batches of 8) each read their individuals from disk
(``attnscope.io.PlinkReader.read_block``), so the cohort is never held in memory. The file
is small (97 MB at 379K SNPs); the point is that memory does not grow with the cohort.

Cohort (``--cohort``): a simulated cohort (default 20,000 people x 379,000 SNPs, allele
frequencies uniform in [0.05, 0.5], a case/control label from 20 causal SNPs) is written
as PLINK in blocks of 2,000 SNPs (1.9 GB .bed; read back through bed-reader as a check)
in a temporary folder under /tmp, which is deleted afterwards. A fresh process then fits
``HEMERAClassifier`` on
``read_plink(lazy=True)`` exactly as a user would (streaming QC pass, then the one fit loop
reading chunks of individuals through a DataLoader worker) with a small configuration
(:data:`COHORT_MODEL`); the benchmark stops the fit after ``--batches`` training batches
(one epoch is hours on this CPU). Measured: the QC pass, the first chunk read, the time
per training batch after the first, the forward (validation/prediction) time per
individual and the peak RSS of the training process and of its DataLoader worker. The
epoch time is derived from those, and marked so.

Usage: ``python benchmarks/hemera_scale.py [--quick]`` (steps and the small stream) or
``python benchmarks/hemera_scale.py --cohort [--n-samples N --n-snps M --batches K]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, write_results
from _hemera_scale_cohort import COHORT_MODEL, _write_cohort, child_cohort
from _hemera_scale_docs import markdown  # noqa: F401 (markdown: readme.py)
from _hemera_scale_steps import VARIANTS, _write_plink, child_step, child_stream

BUDGET = 7.5e9


def run_cohort(n: int, m: int, batches: int, device: str = "cpu") -> list[dict[str, Any]]:
    """Write the cohort under /tmp, measure the streamed fit in a fresh process, delete it."""
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="attnscope-cohort-") as tmp:
        prefix = str(Path(tmp) / "cohort")
        t0 = time.perf_counter()
        bed_bytes = _write_cohort(prefix, n, m)
        write_s = time.perf_counter() - t0
        print(f"wrote PLINK {n} x {m} ({bed_bytes / 1e9:.2f} GB) in {write_s:.0f} s", flush=True)
        t0 = time.perf_counter()
        res = _run_child(["cohort", prefix, str(batches), device], 3600)
        wall = time.perf_counter() - t0
    print(f"cohort: {res}", flush=True)
    name = f"cohort_{n}x{m}"
    extra: dict[str, Any] = {
        "n_samples": n,
        "n_snps": m,
        "bed_gb": bed_bytes / 1e9,
        "write_seconds": write_s,
        "model": COHORT_MODEL,
        "batches_measured": batches,
        "device": device,
    }
    if "error" in res:
        return [
            row(name, "stream", "peak_rss_gb", float("nan"), wall, status=res["error"], **extra)
        ]
    b = COHORT_MODEL["batch_size"]
    n_val = round(n * COHORT_MODEL["val_size"])  # the whole cohort is fitted (no test share)
    n_fit = n - n_val
    # reading: one chunk of individuals per pass over the file when training; validation
    # reads max(256, batch_size) individuals per pass (batched_forward)
    io_per_sample = res["first_fetch_seconds"] / min(res["chunk_rows"], n)
    val_io_per_sample = res["first_fetch_seconds"] / min(256, n)
    train_per_sample = res["seconds_per_batch"] / b
    epoch = (
        res["qc_seconds"]
        + n_fit * (train_per_sample + io_per_sample)
        + n_val * (res["forward_seconds_per_sample"] + val_io_per_sample)
    )
    extra.update(status="ok", **{k: v for k, v in res.items() if k not in ("n_samples", "n_snps")})
    rows = [
        row(name, "stream", "peak_rss_gb", res["peak_rss"] / 1e9, wall, **extra),
        row(name, "stream", "worker_peak_rss_gb", res["peak_rss_worker"] / 1e9, wall, **extra),
        row(name, "stream", "qc_pass_seconds", res["qc_seconds"], wall, **extra),
        row(name, "stream", "train_seconds_per_sample", train_per_sample, wall, **extra),
        row(name, "stream", "read_seconds_per_sample", io_per_sample, wall, **extra),
        row(
            name,
            "stream",
            "forward_seconds_per_sample",
            res["forward_seconds_per_sample"],
            wall,
            **extra,
        ),
        row(
            name,
            "stream",
            "epoch_seconds_derived",
            epoch,
            wall,
            derived=True,
            n_fit=n_fit,
            n_val=n_val,
            **extra,
        ),
    ]
    return rows


def _run_child(args: list[str], timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, "-X", "faulthandler", __file__, "--child", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-1:] or ["?"]
        return {"error": f"exit {proc.returncode}: {tail[0][:200]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _not_run(
    dataset: str, name: str, seconds: float, status: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """The row of a step that did not run (refused by the estimate, or failed): peak RSS NaN
    and ``status`` saying why."""
    return row(dataset, name, "peak_rss_gb", float("nan"), seconds, status=status, **extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10K and 50K SNPs only")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--cohort", action="store_true", help="only the streamed cohort fit")
    parser.add_argument("--n-samples", type=int, default=20_000)
    parser.add_argument("--n-snps", type=int, default=379_000)
    parser.add_argument("--batches", type=int, default=8, help="training batches measured")
    parser.add_argument("--device", default="cpu", help="HEMERA's device in --cohort (cuda)")
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "step":
            out = child_step(int(rest[0]), int(rest[1]), rest[2], int(rest[3]))
        elif kind == "cohort":
            out = child_cohort(rest[0], int(rest[1]), rest[2])
        else:
            out = child_stream(rest[0], int(rest[1]), int(rest[2]))
        print(json.dumps(out))
        return

    if args.cohort:  # keeps the step rows of the last full run, replaces the cohort rows
        from _common import load_results

        try:
            kept = [
                r
                for r in load_results("hemera_scale")["rows"]
                if not str(r["dataset"]).startswith("cohort_")
            ]
        except (OSError, ValueError):
            kept = []
        rows = run_cohort(args.n_samples, args.n_snps, args.batches, args.device)
        write_results("hemera_scale", kept + rows, budget_gb=BUDGET / 1e9, threads_per_child=1)
        return

    from attnscope.models.hemera import hemera_memory_estimate

    sizes = [10_000, 50_000] if args.quick else [10_000, 50_000, 100_000, 379_000]
    rows: list[dict[str, Any]] = []
    for n_snps in sizes:
        for batch in (1, 8):
            for variant, opts in VARIANTS.items():
                est = hemera_memory_estimate(
                    n_snps, batch, attention=str(opts["attention"]), mlm=bool(opts["mlm"])
                )
                extra: dict[str, Any] = {
                    "n_snps": n_snps,
                    "batch_size": batch,
                    "estimate_gb": est / 1e9,
                }
                name = f"{variant}_b{batch}"
                if est > BUDGET:
                    print(f"{n_snps} {name}: refused (estimate {est / 1e9:.1f} GB)", flush=True)
                    rows.append(_not_run(f"sim_{n_snps}", name, 0.0, "refused_by_estimate", extra))
                    continue
                steps = 2 if n_snps <= 50_000 else 1
                t0 = time.perf_counter()
                res = _run_child(["step", str(n_snps), str(batch), variant, str(steps)], 900)
                wall = time.perf_counter() - t0
                if "error" in res:
                    print(f"{n_snps} {name}: {res['error']}", flush=True)
                    rows.append(_not_run(f"sim_{n_snps}", name, wall, res["error"], extra))
                    continue
                print(f"{n_snps} {name}: {res}", flush=True)
                ok = {"status": "ok", **extra, "rss_before_model_gb": res["rss_before_model"] / 1e9}
                rows.append(
                    row(f"sim_{n_snps}", name, "peak_rss_gb", res["peak_rss"] / 1e9, wall, **ok)
                )
                rows.append(row(f"sim_{n_snps}", name, "step_seconds", res["seconds"], wall, **ok))

    n_stream = 10_000 if args.quick else 379_000
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "cohort")
        t0 = time.perf_counter()
        _write_plink(prefix, 256, n_stream)
        print(f"wrote PLINK 256 x {n_stream} in {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        res = _run_child(["stream", prefix, "8", "4"], 1800)
        wall = time.perf_counter() - t0
    print(f"stream: {res}", flush=True)
    extra = {"n_snps": n_stream, "batch_size": 8, "n_samples_file": 256}
    if "error" in res:
        rows.append(_not_run(f"plink_{n_stream}", "stream_b8", wall, res["error"], extra))
    else:
        extra.update(
            status="ok",
            samples_trained=res["samples"],
            read_seconds=res["read_seconds"],
            cohort_int8_gb=res["cohort_int8_bytes"] / 1e9,
        )
        rows.append(
            row(
                f"plink_{n_stream}",
                "stream_b8",
                "peak_rss_gb",
                res["peak_rss"] / 1e9,
                wall,
                **extra,
            )
        )
        rows.append(
            row(
                f"plink_{n_stream}",
                "stream_b8",
                "seconds_per_step",
                res["seconds"] / 4,
                wall,
                **extra,
            )
        )
    write_results("hemera_scale", rows, budget_gb=BUDGET / 1e9, threads_per_child=1)


if __name__ == "__main__":
    main()

"""The command line under torchrun: fit, explain and trust with 2 ranks against one process.

Usage::

    python benchmarks/ddp_scale.py [--quick] [--n-seqs 5000] [--epochs 3] [--ranks 2]

Data: CTCF ChIP-seq peaks vs shuffled negatives (Zeng et al. 2016, 101 bp; the first
``--n-seqs`` of the test file, drawn at random with seed 0), written as FASTA + a labels
file in a temporary folder, as a user would hand them over. Model: the CNN with its
defaults and ``--epochs`` epochs, ``--no-baselines`` (the timed work is the model's).

Each command runs as a user would type it, in three ways on the same machine:
``1 process x 1 thread`` (OMP_NUM_THREADS=1), ``1 process x R threads`` and
``torchrun --nproc_per_node=R`` with 1 thread per rank. Wall time includes process start
(one Python + torch import per rank). ``explain`` (integrated gradients) and ``trust`` (the
full table) run on copies of the one-process run, so their results compare on one model.
Agreement: the torchrun model's largest weight difference from the one-process model (and
the test AUROC of both); the largest difference of the attributions; the largest
difference of every number of the trust table over the deterministic methods.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, write_results

BIN = Path(sys.executable).parent
#: Methods whose trust rows are the same numbers in every way of running (no random draws).
DETERMINISTIC = ("saliency", "input_x_gradient", "integrated_gradients", "deeplift", "occlusion")


def modes(ranks: int) -> dict[str, tuple[list[str], int]]:
    """Name -> (command prefix, threads per process)."""
    torchrun = [str(BIN / "torchrun"), f"--nproc_per_node={ranks}", "--no-python"]
    return {
        "1 process x 1 thread": ([], 1),
        f"1 process x {ranks} threads": ([], ranks),
        f"torchrun, {ranks} ranks x 1 thread": (torchrun, 1),
    }


def timed(prefix: list[str], threads: int, args: list[str], cwd: Path) -> float:
    """Wall seconds of ``attnscope ARGS`` (behind ``prefix``); raises when it fails."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    cmd = [*prefix, str(BIN / "attnscope"), "-q", *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return seconds


def write_data(folder: Path, n: int) -> tuple[Path, Path]:
    """``n`` CTCF sequences as FASTA and a labels file (id, label)."""
    from attnscope.datasets import load_ctcf
    from attnscope.io import write_fasta

    data = load_ctcf("test")
    keep = np.sort(np.random.default_rng(0).choice(len(data), size=n, replace=False))
    data = data.subset(keep)
    fasta = write_fasta(folder / "ctcf.fa", list(data.sample_ids), data.sequences())
    labels = folder / "labels.tsv"
    names = np.asarray(data.class_names)[data.y]
    lines = "".join(f"{i}\t{c}\n" for i, c in zip(data.sample_ids, names))
    labels.write_text("id\tlabel\n" + lines)
    return fasta, labels


def weights_gap(a: Path, b: Path) -> float:
    from safetensors.numpy import load_file

    wa, wb = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    return max(float(np.max(np.abs(wa[k] - wb[k]))) for k in wa)


def trust_gap(a: Path, b: Path) -> dict[str, tuple[float, str]]:
    """Largest difference of the trust numbers, and where: over the deterministic methods
    without the permuted-label check (its model is retrained, under DDP when under
    torchrun), that check alone, and every number of every method."""
    ra = {r["method"]: r for r in json.loads((a / "trust.json").read_text())["rows"]}
    rb = {r["method"]: r for r in json.loads((b / "trust.json").read_text())["rows"]}
    gaps = {"deterministic": (0.0, ""), "label_check": (0.0, ""), "all": (0.0, "")}
    for method, got in ra.items():
        for key, value in got.items():
            if not isinstance(value, float) or key.startswith("seconds"):
                continue
            if not np.isfinite(value):
                continue
            gap = (abs(value - rb[method][key]), f"{method} {key}")
            kinds = ["all", "label_check" if key.startswith("label") else "deterministic"]
            for kind in kinds[: 1 + (method in DETERMINISTIC)]:
                gaps[kind] = max(gaps[kind], gap)
    return gaps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n-seqs", type=int, default=5000)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--ranks", type=int, default=2)
    args = ap.parse_args()
    if args.quick:
        args.n_seqs, args.epochs = 600, 1
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ddp_scale_") as tmp:
        work = Path(tmp)
        fasta, labels = write_data(work, args.n_seqs)
        fit = ["fit", str(fasta), "--labels", str(labels), "--model", "cnn", "--no-baselines"]
        fit += ["--set", f"epochs={args.epochs}", "--seed", "0"]
        runs: dict[str, Path] = {}
        for mode, (prefix, threads) in modes(args.ranks).items():
            runs[mode] = work / f"fit{len(runs)}"
            sec = timed(prefix, threads, [*fit, "--out", str(runs[mode])], work)
            auroc = json.loads((runs[mode] / "metrics.json").read_text())["test"]["auroc"]
            rows.append(row("ctcf", mode, "fit_seconds", sec, sec, test_auroc=auroc))
            print(mode, "fit", round(sec, 1), auroc, flush=True)
        single = next(iter(runs.values()))
        for mode, path in list(runs.items())[1:]:
            rows.append(row("ctcf", mode, "fit_max_weight_gap", weights_gap(single, path), 0.0))
        copies: dict[str, Path] = {}
        for k, (mode, (prefix, threads)) in enumerate(modes(args.ranks).items()):
            copies[mode] = shutil.copytree(single, work / f"explain{k}")
            explain = ["explain", str(copies[mode]), "--method", "integrated_gradients"]
            sec = timed(prefix, threads, explain, work)
            rows.append(row("ctcf", mode, "explain_seconds", sec, sec))
            sec = timed(prefix, threads, ["trust", str(copies[mode])], work)
            n = json.loads((copies[mode] / "trust.json").read_text())["n_samples"]
            rows.append(row("ctcf", mode, "trust_seconds", sec, sec, n_samples=n))
            print(mode, "explain + trust", round(sec, 1), flush=True)
        first = next(iter(copies.values()))
        ig = "attributions/integrated_gradients.npz"
        for mode, path in list(copies.items())[1:]:
            a, b = np.load(first / ig)["values"], np.load(path / ig)["values"]
            rows.append(row("ctcf", mode, "explain_max_gap", float(np.max(np.abs(a - b))), 0.0))
            for which, (gap, where) in trust_gap(first, path).items():
                rows.append(row("ctcf", mode, f"trust_max_gap_{which}", gap, 0.0, where=where))
    settings = {"n_seqs": args.n_seqs, "epochs": args.epochs, "ranks": args.ranks}
    write_results("ddp_scale", rows, settings=settings, cores=os.cpu_count())


def markdown(results: dict[str, Any]) -> str:
    """Docs section: wall time per command and way of running, and the agreement."""
    rows, cfg = results["rows"], results.get("settings", {})
    get = {(r["variant"], r["metric"]): r for r in rows}
    ways = list(dict.fromkeys(r["variant"] for r in rows))
    out = [
        "## The command line under torchrun (fit, explain, trust)",
        "",
        f"CTCF peaks vs shuffled negatives, {cfg.get('n_seqs')} sequences of 101 bp (FASTA + "
        f"labels file), the CNN with {cfg.get('epochs')} epochs, `--no-baselines`; `explain` "
        "(integrated gradients) and `trust` (the full table) on the held-out 20% of one "
        "fitted run. Wall time of each command as typed, process start included, on a "
        f"machine of {results.get('cores', '?')} cores. Agreement: against one process with "
        "one thread.",
        "",
        "| way of running | fit (s) | test AUROC | explain (s) | trust (s) | largest weight "
        "gap | largest IG gap | largest trust gap: deterministic methods / their "
        "permuted-label check / all methods |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for way in ways:

        def v(metric: str, fmt: str = ".1f", w: str = way) -> str:
            r = get.get((w, metric))
            return "-" if r is None else format(r["mean"], fmt)

        fit = get.get((way, "fit_seconds"), {})
        out.append(
            f"| {way} | {v('fit_seconds')} | {fit.get('test_auroc', float('nan')):.3f} | "
            f"{v('explain_seconds')} | {v('trust_seconds')} | {v('fit_max_weight_gap', '.1e')} "
            f"| {v('explain_max_gap', '.1e')} | {v('trust_max_gap_deterministic', '.1e')} / "
            f"{v('trust_max_gap_label_check', '.1e')} / {v('trust_max_gap_all', '.1e')} |"
        )
    out += [
        "",
        "Under torchrun, training is DistributedDataParallel: every rank trains on its slice "
        "of each global batch. Without dropout the weights equal one process's up to float "
        "summation order (tests/test_distributed.py); with dropout (the CNN's default) each "
        "rank draws its own masks, so the weights, and the permuted-label model the trust "
        "table retrains, differ from one process's as another seed would. Methods that draw "
        "random numbers (SmoothGrad, GradientSHAP, LIME, KernelSHAP, the "
        "noise of max-sensitivity is drawn once and split) draw them per block of samples "
        "under torchrun, so their numbers differ within their own noise; the deterministic "
        "methods (" + ", ".join(DETERMINISTIC) + ") agree up to float summation order.",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    main()

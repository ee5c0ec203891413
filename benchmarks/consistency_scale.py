"""The seed-consistency study at scale: N attention-LSTM variants on Ray, measured end to end.

Usage::

    python benchmarks/consistency_scale.py [--seeds 1000] [--engine ray] [--num-cpus 2]
        [--address ADDR] [--member-chunk 20] [--n-explain 100] [--epochs 30] [--threads 1]

Data and model settings are those of ``benchmarks/consistency.py`` (PhysioNet 2012 set-a,
in-hospital mortality, hourly grid, attention-LSTM with the time-since-last channel,
hidden 16, up to ``--epochs`` epochs with early stopping after 6 stale epochs). The study
(:func:`attnscope.run._consistency.run_consistency`) trains every variant, explains the
``--n-explain`` test stays with attention, gradient x input and integrated gradients, and
times one standalone training of the same model in the same call: the per-variant cost is
the training round's wall time / N against that standalone training. Results:
``benchmarks/results/consistency_scale.json`` (command, commit, dirty flag, environment).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, write_results


def _git() -> dict[str, Any]:
    root = Path(__file__).resolve().parent.parent

    def run(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        ).stdout.strip()

    return {"commit": run("rev-parse", "HEAD"), "dirty": bool(run("status", "--porcelain"))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=1000)
    ap.add_argument("--engine", default="ray", choices=("local", "ray"))
    ap.add_argument("--address", default=None)
    ap.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray")
    ap.add_argument("--member-chunk", type=int, default=20)
    ap.add_argument("--n-explain", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="8 variants, 2 epochs")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from attnscope.datasets import load_physionet2012
    from attnscope.run._consistency import run_consistency

    params: dict[str, Any] = {"hidden": 16, "attention_dim": 16, "window": 1, "epochs": args.epochs}
    params.update(patience=6, lr=3e-3, batch_size=64, dropout=0.2, delta=True)
    n = args.seeds
    if args.quick:
        params["epochs"], n = 2, 8
    start = time.perf_counter()
    data = load_physionet2012(task="mortality", step_hours=1.0)
    load_s = time.perf_counter() - start
    if args.engine == "ray" and args.address is None:
        import ray

        ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    start = time.perf_counter()
    res = run_consistency(
        data,
        model="attn_lstm",
        n_variants=n,
        params=params,
        n_explain=args.n_explain,
        member_chunk=args.member_chunk,
        engine=args.engine,
        address=args.address,
        random_state=0,
    )
    total = time.perf_counter() - start
    t = res["timing"]
    ds, variant = "physionet2012_mortality", f"attn_lstm_{args.engine}"
    rows = [
        row(ds, variant, "auroc", res["predictive"]["auroc"], t["train_seconds"]),
        row(
            ds,
            variant,
            "train_seconds_per_variant",
            t["per_variant_seconds"],
            t["train_seconds"],
            n_variants=n,
        ),
        row(
            ds,
            variant,
            "standalone_train_seconds",
            t["standalone_seconds"],
            t["standalone_seconds"],
        ),
        row(ds, variant, "per_variant_over_standalone", t["per_variant_over_standalone"], 0.0),
        row(ds, variant, "study_seconds_total", total, total, n_variants=n),
    ]
    for method, metrics in res["summary"].items():
        rows.append(row(ds, variant, f"{method}.spearman", metrics["spearman"]["mean"], 0.0))
    extra = {
        "git": _git(),
        "n_variants": n,
        "target_variants": 1000,
        "reached_target": n >= 1000,
        "engine": args.engine,
        "num_cpus": args.num_cpus,
        "member_chunk": args.member_chunk,
        "params": params,
        "n_explain": args.n_explain,
        "load_seconds": load_s,
        "timing": t,
        "split": res["split"],
    }
    write_results("consistency_scale", rows, **extra)
    print({k: t[k] for k in ("per_variant_seconds", "standalone_seconds",
                             "per_variant_over_standalone")}, "total", total)  # fmt: skip


def markdown(results: dict[str, Any]) -> str:
    """Docs section generated from ``results/consistency_scale.json``."""
    by_metric = {r["metric"]: r for r in results["rows"]}
    t = results.get("timing", {})
    n, target = results.get("n_variants"), results.get("target_variants", 1000)

    def value(metric: str, fmt: str = ".3f") -> str:
        r = by_metric.get(metric)
        return format(r["mean"], fmt) if r else "–"

    lines = [
        "### Seed-consistency study at scale (attention-LSTM variants on Ray)",
        "",
        f"{n} variants measured end to end ({target:,} asked; "
        f"{'reached' if results.get('reached_target') else 'not reached on this machine'}), "
        f"engine {results.get('engine')}, {results.get('num_cpus')} CPUs, chunks of "
        f"{results.get('member_chunk')} members per task; PhysioNet 2012 set-a mortality.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| training wall time per variant (s) | {value('train_seconds_per_variant', '.2f')} |",
        f"| one standalone training, same model (s) | {value('standalone_train_seconds', '.2f')} |",
        f"| per variant / standalone, wall time | {value('per_variant_over_standalone')} |",
        "| per variant / standalone, CPU time | "
        f"{t.get('per_variant_over_standalone_cpu', float('nan')):.3f} |",
        f"| whole study (s) | {value('study_seconds_total', '.0f')} |",
        f"| test AUROC (mean over variants) | {value('auroc')} |",
    ]
    for method in ("attention", "input_x_gradient", "integrated_gradients"):
        lines.append(f"| {method}: Spearman between variants | {value(method + '.spearman')} |")
    lines += [
        "",
        "The wall-time ratio counts the 2 Ray workers running side by side; the CPU-time ratio",
        "is the cost per variant on one core.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

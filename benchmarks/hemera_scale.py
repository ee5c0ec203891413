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

Usage: ``python benchmarks/hemera_scale.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, write_results

BUDGET = 7.5e9
VARIANTS = {
    "linformer": {"attention": "linformer", "mlm": False},
    "linformer_mlm": {"attention": "linformer", "mlm": True},
    "full": {"attention": "full", "mlm": False},
    "full_mlm": {"attention": "full", "mlm": True},
}


def _peak_rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0  # Linux: KiB


def _tokens(n: int, m: int, seed: int) -> Any:
    import numpy as np
    import torch

    from attnscope.models.hemera import genotype_tokens

    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 0.5, m)
    g = (rng.random((n, m)) < p).astype(np.int8) + (rng.random((n, m)) < p).astype(np.int8)
    return genotype_tokens(torch.from_numpy(g)).to(torch.uint8)


def child_step(n_snps: int, batch: int, variant: str, steps: int) -> dict[str, Any]:
    """One measurement (run inside the subprocess)."""
    import torch
    import torch.nn.functional as F

    from attnscope.models.hemera import HEMERA, MASK
    from attnscope.train._mlm import mask_tokens

    torch.set_num_threads(1)
    torch.manual_seed(0)
    base = _peak_rss()
    opts = VARIANTS[variant]
    model = HEMERA(n_snps, 2, attention=str(opts["attention"]))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, amsgrad=True)
    tokens = _tokens(batch, n_snps, 0)
    y = torch.arange(batch) % 2
    gen = torch.Generator().manual_seed(0)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        if opts["mlm"]:
            masked, hidden = mask_tokens(
                tokens, mask_token=MASK, mask_fraction=0.4, maskable=range(4, 7), generator=gen
            )
            out = model(masked, mlm=True)
            loss = F.cross_entropy(out.extras["mlm_logits"][hidden], tokens.long()[hidden])
        else:
            loss = F.cross_entropy(model(tokens).logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - start)
    return {"seconds": min(times), "peak_rss": _peak_rss(), "rss_before_model": base}


def child_stream(prefix: str, batch: int, steps: int) -> dict[str, Any]:
    """Fine-tuning steps that each read their mini-batch of individuals from the PLINK file."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    from attnscope.io import PlinkReader
    from attnscope.models.hemera import HEMERA, genotype_tokens

    torch.set_num_threads(1)
    torch.manual_seed(0)
    reader = PlinkReader(prefix)
    model = HEMERA(reader.n_snps, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, amsgrad=True)
    order = np.random.default_rng(0).permutation(reader.n_samples)
    start = time.perf_counter()
    read_s = 0.0
    done = 0
    for b in range(steps):
        idx = np.sort(order[b * batch : (b + 1) * batch])
        t0 = time.perf_counter()
        g = reader.read_block(samples=idx)
        read_s += time.perf_counter() - t0
        tok = genotype_tokens(torch.from_numpy(g))
        y = torch.as_tensor(idx % 2)
        loss = F.cross_entropy(model(tok).logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        done += len(idx)
    return {
        "seconds": time.perf_counter() - start,
        "read_seconds": read_s,
        "samples": done,
        "peak_rss": _peak_rss(),
        "cohort_int8_bytes": reader.n_samples * reader.n_snps,
    }


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


def _write_plink(prefix: str, n: int, m: int) -> None:
    import numpy as np

    from attnscope.data import GenotypeDataset
    from attnscope.io import write_plink

    g = _tokens(n, m, 1).numpy().astype(np.int8) - 4
    data = GenotypeDataset(
        labels=np.arange(n) % 2,
        sample_ids=np.array([f"i{i}" for i in range(n)]),
        class_names=["control", "case"],
        truth=None,
        meta={},
        genotypes=g,
        snp_ids=np.array([f"s{j}" for j in range(m)]),
        chromosomes=np.full(m, "1"),
        positions=np.arange(m) * 100 + 1,
    )
    write_plink(prefix, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10K and 50K SNPs only")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "step":
            out = child_step(int(rest[0]), int(rest[1]), rest[2], int(rest[3]))
        else:
            out = child_stream(rest[0], int(rest[1]), int(rest[2]))
        print(json.dumps(out))
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
                    rows.append(
                        row(
                            f"sim_{n_snps}",
                            name,
                            "peak_rss_gb",
                            float("nan"),
                            0.0,
                            status="refused_by_estimate",
                            **extra,
                        )
                    )
                    continue
                steps = 2 if n_snps <= 50_000 else 1
                t0 = time.perf_counter()
                res = _run_child(["step", str(n_snps), str(batch), variant, str(steps)], 900)
                wall = time.perf_counter() - t0
                if "error" in res:
                    print(f"{n_snps} {name}: {res['error']}", flush=True)
                    rows.append(
                        row(
                            f"sim_{n_snps}",
                            name,
                            "peak_rss_gb",
                            float("nan"),
                            wall,
                            status=res["error"],
                            **extra,
                        )
                    )
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
        rows.append(
            row(
                f"plink_{n_stream}",
                "stream_b8",
                "peak_rss_gb",
                float("nan"),
                wall,
                status=res["error"],
                **extra,
            )
        )
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


def markdown(results: dict[str, Any]) -> str:
    """README section generated from ``results/hemera_scale.json``."""
    lines = [
        "### HEMERA: memory and time of one training step (CPU, 1 thread)",
        "",
        "Simulated genotypes; peak RSS of a fresh process (includes ~0.3 GB of Python + torch);",
        f"settings whose estimated memory exceeds {results.get('budget_gb', 7.5):.1f} GB are",
        "refused (estimate shown). `*_mlm` = pre-training step (every query attends).",
        "",
        "| SNPs | variant | batch | peak RSS (GB) | step (s) | estimate (GB) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for r in results["rows"]:
        by_key.setdefault((r["dataset"], r["variant"]), {})[r["metric"]] = r
    for (dataset, variant), metrics in by_key.items():
        first = next(iter(metrics.values()))
        if dataset.startswith("plink"):
            continue
        rss = metrics.get("peak_rss_gb", {})
        step = metrics.get("step_seconds", {})
        status = first.get("status", "")
        rss_s = f"{rss['mean']:.2f}" if status == "ok" else status.replace("_", " ")
        step_s = f"{step['mean']:.2f}" if step else "–"
        lines.append(
            f"| {first['n_snps']:,} | {variant.rsplit('_b', 1)[0]} | {first['batch_size']} | "
            f"{rss_s} | {step_s} | {first['estimate_gb']:.2f} |"
        )
    for (dataset, _), metrics in by_key.items():
        if dataset.startswith("plink") and "seconds_per_step" in metrics:
            r = metrics["seconds_per_step"]
            lines += [
                "",
                f"Streaming from a PLINK file ({r['n_snps']:,} SNPs, batches of 8 read from disk): "
                f"{r['mean']:.2f} s per step ({r['read_seconds']:.2f} s reading in all), peak RSS "
                f"{metrics['peak_rss_gb']['mean']:.2f} GB; the cohort is never loaded whole.",
            ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

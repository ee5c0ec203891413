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


#: HEMERA settings of the cohort benchmark (a small model: 379K tokens per individual).
COHORT_MODEL: dict[str, Any] = {
    "dim": 8,
    "k": 8,
    "heads": 1,
    "n_layers": 1,
    "ff_mult": 1,
    "dropout": 0.1,
    "batch_size": 4,
    "epochs": 1,
    "pretrain_epochs": 0,
    "val_size": 0.1,
    "stream_workers": 1,
    "stream_chunk_mb": 256.0,
}


class _Stop(Exception):
    """Raised by the benchmark's fetch hook after the batches it measures."""


def child_cohort(prefix: str, batches: int, device: str = "cpu") -> dict[str, Any]:
    """Fit streamed HEMERA on the PLINK cohort; stop after ``batches`` training batches."""
    import numpy as np
    import torch

    import attnscope.estimators._hemera as hemera_mod
    from attnscope.core import batched_forward
    from attnscope.estimators import HEMERAClassifier
    from attnscope.io import read_plink
    from attnscope.train import _stream

    torch.set_num_threads(2)
    marks: dict[str, float] = {}
    counts = hemera_mod.streaming_counts

    def timed_counts(*a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        out = counts(*a, **k)
        marks["qc_seconds"] = time.perf_counter() - t0
        return out

    hemera_mod.streaming_counts = timed_counts  # type: ignore[assignment]
    stamps: list[float] = []
    fetch = _stream._Fetcher.__call__

    def counted(self: Any, idx: Any) -> Any:
        if len(stamps) == batches + 1:
            raise _Stop
        t0 = time.perf_counter()
        out = fetch(self, idx)
        if not stamps:
            marks["first_fetch_seconds"] = time.perf_counter() - t0
        stamps.append(time.perf_counter())
        return out

    _stream._Fetcher.__call__ = counted  # type: ignore[method-assign]
    start = time.perf_counter()
    data = read_plink(prefix, lazy=True)
    marks["read_meta_seconds"] = time.perf_counter() - start
    est = HEMERAClassifier(**COHORT_MODEL, device=device)
    try:
        est.fit(data)
    except _Stop:
        pass
    stopped = time.perf_counter()
    # forward cost per individual (validation, prediction): a fresh module on 2 batches
    module = est._build_module(est.spec_).eval().to(est.device)
    (stream,) = est._make_inputs(data)
    t0 = time.perf_counter()
    tokens = stream[: 2 * est.batch_size]
    marks["small_read_seconds"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    batched_forward(module, (tokens,), batch_size=est.batch_size)
    forward_s = (time.perf_counter() - t0) / (2 * est.batch_size)
    per_batch = float(np.diff(stamps).mean()) if len(stamps) > 1 else float("nan")
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024.0
    return {
        **marks,
        "fit_seconds_until_stop": stopped - start,
        "batches": len(stamps),
        "seconds_per_batch": per_batch,
        "forward_seconds_per_sample": forward_s,
        "chunk_rows": stream.chunk_rows,
        "n_samples": len(data),
        "n_snps": data.n_snps,
        "n_snps_kept": len(est.spec_["snp_ids"]),
        "peak_rss": _peak_rss(),
        "peak_rss_worker": child,
    }


def _pack_snp_major(g: Any) -> bytes:
    """SNP-major .bed records of dosages ``g`` (n_block_snps, n_samples) in {0, 1, 2}.

    PLINK's 2-bit codes of the A1 count: 2 -> 00, 1 -> 10, 0 -> 11 (01 = missing, not
    simulated here); four samples a byte, the first in the low bits.
    """
    import numpy as np

    d = g.astype(np.uint8)
    codes = 3 - d - (d == 2)
    b, n = codes.shape
    pad = (-n) % 4
    if pad:
        codes = np.concatenate([codes, np.zeros((b, pad), np.uint8)], axis=1)
    x = np.ascontiguousarray(codes).view("<u4")  # 4 samples per word, the first lowest
    packed = (x & 0x3) | ((x >> 6) & 0xC) | ((x >> 12) & 0x30) | ((x >> 18) & 0xC0)
    return bytes(packed.astype(np.uint8).tobytes())


def _write_cohort(prefix: str, n: int, m: int, seed: int = 0) -> float:
    """Simulated cohort written SNP block by SNP block; returns the .bed size in bytes.

    Dosages are one uniform byte per genotype against Hardy-Weinberg thresholds
    (P(2) = p^2, P(>=1) = 1 - (1 - p)^2, p uniform in [0.05, 0.5]); 20 causal SNPs set the
    label. The .bed records are packed here with numpy (bed-reader's ``create_bed`` takes
    one SNP per call: ~10 min for 379K SNPs on this machine); the file is then checked by
    reading a block back through bed-reader (:class:`attnscope.io.PlinkReader`).
    """
    import numpy as np

    from attnscope.io import PlinkReader

    rng = np.random.default_rng(seed)
    causal = np.sort(rng.choice(m, size=20, replace=False))
    p = rng.uniform(0.05, 0.5, m)
    cg = rng.binomial(2, p[causal, None], size=(causal.size, n)).astype(np.int8)  # (20, n)
    risk = (cg - 2 * p[causal, None]).sum(0) + rng.normal(0, 1.5, n)
    pheno = np.where(risk > np.median(risk), 2, 1)
    ids = np.array([f"i{i}" for i in range(n)])
    fam = np.column_stack([ids, ids, ["0"] * n, ["0"] * n, ["0"] * n, pheno.astype(str)])
    np.savetxt(f"{prefix}.fam", fam, fmt="%s", delimiter=" ")
    chrom = np.repeat(np.arange(1, 23), -(-m // 22))[:m]
    with open(f"{prefix}.bim", "w", encoding="ascii") as fh:
        fh.writelines(f"{c}\ts{j}\t0\t{j * 100 + 1}\tA\tB\n" for j, c in enumerate(chrom))
    hi_thr = np.round(p**2 * 256).astype(np.uint8)  # dosage 2 below this
    lo_thr = np.round((1 - (1 - p) ** 2) * 256).astype(np.uint8)  # dosage >= 1 below this
    first: Any = None
    block = 2000
    with open(f"{prefix}.bed", "wb") as fh:
        fh.write(b"\x6c\x1b\x01")
        for lo in range(0, m, block):
            hi = min(lo + block, m)
            u = rng.integers(0, 256, (hi - lo, n), dtype=np.uint8)
            g = (u < lo_thr[lo:hi, None]).astype(np.int8)
            g += u < hi_thr[lo:hi, None]
            inside = (causal >= lo) & (causal < hi)
            g[causal[inside] - lo] = cg[inside]
            if first is None:
                first = g[:50, :300].T.copy()
            fh.write(_pack_snp_major(g))
    back = PlinkReader(prefix).read_block(np.arange(300), np.arange(50))
    if not np.array_equal(back, first):
        raise RuntimeError("the packed .bed does not read back as written")
    return float(Path(f"{prefix}.bed").stat().st_size)


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
        "### HEMERA at scale: one training step; a streamed cohort on disk (CPU)",
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
        if dataset.startswith(("plink", "cohort")):
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
    for (dataset, _), metrics in by_key.items():
        if dataset.startswith("cohort") and "epoch_seconds_derived" in metrics:
            lines += ["", *_cohort_lines(metrics)]
    return "\n".join(lines) + "\n"


def _cohort_lines(metrics: dict[str, Any]) -> list[str]:
    """The streamed-cohort table (``--cohort``) of :func:`markdown`."""
    r = metrics["epoch_seconds_derived"]
    model = r["model"]
    config = ", ".join(
        f"{k}={model[k]}"
        for k in ("dim", "k", "n_layers", "ff_mult", "batch_size", "pretrain_epochs")
    )
    per_sample = (
        metrics["train_seconds_per_sample"]["mean"] + metrics["read_seconds_per_sample"]["mean"]
    )
    return [
        f"#### Streamed HEMERA on a {r['n_samples']:,} x {r['n_snps']:,} PLINK cohort "
        f"({r['bed_gb']:.2f} GB .bed)",
        "",
        f"`HEMERAClassifier({config}).fit(read_plink(path, lazy=True))` on "
        f"{r.get('device', 'cpu')}, 2 threads; the fit was stopped after "
        f"{r['batches_measured']} training batches (one epoch is hours here), so the epoch "
        "time is **derived** from the measured parts.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| peak RSS, training process (measured) | {metrics['peak_rss_gb']['mean']:.2f} GB |",
        f"| peak RSS, DataLoader worker (measured) | "
        f"{metrics['worker_peak_rss_gb']['mean']:.2f} GB |",
        f"| streaming QC pass over the {r['n_fit']:,} training people (measured) | "
        f"{metrics['qc_pass_seconds']['mean']:.0f} s |",
        f"| first chunk read ({r['chunk_rows']} people, measured) | "
        f"{r['first_fetch_seconds']:.1f} s |",
        f"| training, per individual (measured, {r['batches_measured']} batches) | "
        f"{metrics['train_seconds_per_sample']['mean']:.2f} s |",
        f"| training incl. reading, per individual | {per_sample:.2f} s |",
        f"| forward (validation / prediction), per individual (measured) | "
        f"{metrics['forward_seconds_per_sample']['mean']:.2f} s |",
        f"| one epoch: QC + {r['n_fit']:,} trained + {r['n_val']:,} validated (**derived**) | "
        f"{r['mean'] / 3600:.1f} h |",
    ]


if __name__ == "__main__":
    main()

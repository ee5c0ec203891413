"""Streamed-cohort fit of ``benchmarks/hemera_scale.py --cohort``: the simulated PLINK
cohort writer and the child process that fits HEMERA on it (:data:`COHORT_MODEL`).

Heavy imports stay inside the functions: a child's peak RSS is what it measures.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

from _hemera_scale_steps import _peak_rss

__all__ = ["COHORT_MODEL", "child_cohort"]

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
    "proj_l1": 0.0,  # the default when hemera_scale.json was written (now 1e-4)
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

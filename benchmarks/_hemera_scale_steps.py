"""Step and stream measurements of ``benchmarks/hemera_scale.py`` (run in child processes).

One training step on simulated genotypes per variant (:data:`VARIANTS`), four fine-tuning
steps reading a small PLINK file from disk, and the writer of that file. Heavy imports stay
inside the functions: a child's peak RSS is what it measures.
"""

from __future__ import annotations

import resource
import time
from typing import Any

__all__ = ["VARIANTS", "child_step", "child_stream"]

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

"""Rankings of ``benchmarks/genotype_protocol.py`` and their recovery of the causal SNPs.

PLINK 2 ``--glm``, the L1 LR run baseline, HEMERA LIG, held-out AUROC of the gated
model's paths, and recall / precision / block recall in the top 1%.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from _genotype_config import TOP


def plink_glm(train: Any, workdir: Path) -> np.ndarray:
    """-log10 p of PLINK 2 ``--glm`` (logistic/Firth hybrid, no covariates) per SNP."""
    import pandas as pd

    from attnscope.io import write_plink

    prefix = workdir / "train"
    write_plink(prefix, train)
    pd.DataFrame({"FID": train.sample_ids, "IID": train.sample_ids, "trait": train.y + 1}).to_csv(
        f"{prefix}.pheno", sep="\t", index=False
    )
    cmd = ["plink2", "--bfile", str(prefix), "--pheno", f"{prefix}.pheno", "--glm",
           "allow-no-covars", "--threads", "1", "--out", str(prefix)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    out = next(workdir.glob("train.trait.glm.*"))
    table = pd.read_csv(out, sep="\t")
    p = pd.to_numeric(table["P"], errors="coerce").fillna(1.0).to_numpy()
    score = pd.Series(-np.log10(np.maximum(p, 1e-300)), index=table["ID"].astype(str))
    return score.reindex(np.asarray(train.snp_ids).astype(str)).fillna(0.0).to_numpy()


def plink_version() -> str:
    return subprocess.run(["plink2", "--version"], capture_output=True, text=True).stdout.strip()


def l1_lr(train: Any, test: Any, seed: int) -> tuple[np.ndarray, float]:
    """The run baseline (``run/_baselines``): |coefficients| and held-out AUROC."""
    import warnings

    from sklearn.metrics import roc_auc_score

    from attnscope.run._baselines import _models

    features, model = _models(train, seed)["L1 logistic regression"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(features(train), train.y)
    auc = roc_auc_score(test.y, model.predict_proba(features(test))[:, 1])
    return np.abs(model[-1].coef_[0]), float(auc)


def fit_hemera(train: Any, cfg: dict[str, Any], seed: int) -> Any:
    from attnscope.estimators._hemera import HEMERAClassifier

    return HEMERAClassifier(random_state=seed, **cfg).fit(train)


def lig_scores(est: Any, test: Any, data: Any, n_explain: int, n_steps: int) -> np.ndarray:
    """|mean LIG over carriers| per SNP of ``data`` (0 for SNPs dropped by QC)."""
    from attnscope.explain import attribute, snp_importance

    sub = test.subset(np.arange(min(n_explain, len(test))))
    att = attribute(est, sub, method="lig", target=1, n_steps=n_steps, batch_size=8)
    table = snp_importance(att, sub)
    full = np.zeros(data.n_snps)
    idx = np.searchsorted(data.snp_ids, table["snp_id"].to_numpy(), sorter=np.argsort(data.snp_ids))
    full[np.argsort(data.snp_ids)[idx]] = np.nan_to_num(np.abs(table["importance"].to_numpy()))
    return full


def path_aurocs(est: Any, test: Any) -> dict[str, float]:
    """Held-out AUROC of the gated model's linear path alone and of its attention path alone."""
    import torch
    from sklearn.metrics import roc_auc_score

    (tokens,) = est._make_inputs(test)
    with torch.no_grad():
        out = est.module_.eval()(tokens.long())
    linear = out.extras["gate_logits"]
    attention = out.logits - linear
    return {
        name: float(roc_auc_score(test.y, (z[:, 1] - z[:, 0]).numpy()))
        for name, z in (("linear", linear), ("attention", attention))
    }


def ranks(score: np.ndarray, seed: int) -> np.ndarray:
    """Rank of each SNP (1 = top) by ``score``, ties broken at random."""
    tie = np.random.default_rng(seed).random(score.size)
    order = np.lexsort((tie, -score))
    r = np.empty(score.size, np.int64)
    r[order] = np.arange(1, score.size + 1)
    return r


def recovery(score: np.ndarray, causal: np.ndarray, decoys: list[np.ndarray], seed: int):
    """Recall and precision of causal SNPs in the top 1%, block recall, causal ranks."""
    r = ranks(score, seed)
    top = max(1, round(TOP * score.size))
    hit = r[causal] <= top
    block = np.array([hit[k] or bool((r[d] <= top).any()) for k, d in enumerate(decoys)])
    return {
        "recall_top1pct": float(hit.mean()),
        "precision_top1pct": float(hit.sum() / top),
        "block_recall_top1pct": float(block.mean()),
        "causal_ranks": r[causal].tolist(),
    }

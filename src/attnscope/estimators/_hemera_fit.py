"""HEMERAClassifier's data and training side: arrays, optimiser groups, loss, pre-training.

Functions of the estimator (``est``) that :class:`~attnscope.estimators.HEMERAClassifier`'s
fit hooks call: the arrays-to-dataset conversion, the AdamW parameter groups (Linformer
projections E and F, SNP gate), the penalised loss, the positional encoding and the
start of the network (baseline genotype frequencies, stage 1 MLM pre-training).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.data import GenotypeDataset, encode_labels, id_strings
from attnscope.errors import ConfigError, DataError
from attnscope.models.hemera import GENOTYPE_OFFSET, MASK, MISSING, N_TOKENS
from attnscope.train import cross_entropy_loss

if TYPE_CHECKING:
    from attnscope.estimators._hemera import HEMERAClassifier

__all__ = [
    "dataset_from_arrays",
    "encoding_positions",
    "gate_probe_init",
    "init_from_data",
    "make_loss_fn",
    "param_groups",
]


def dataset_from_arrays(
    est: HEMERAClassifier, X: Any, y: Any | None, *, reset: bool = False
) -> GenotypeDataset:
    arr = np.asarray(X)
    if arr.ndim != 2 or arr.dtype.kind not in "iuf":
        raise DataError("X must be a (samples, SNPs) matrix of dosages 0/1/2 (-1 missing).")
    m = arr.shape[1]
    spec = getattr(est, "spec_", None)
    generic = [f"snp{j}" for j in range(m)]
    named = hasattr(X, "columns") and (spec is None or list(spec["snp_ids"]) != generic)
    ids: Any
    chrom: Any
    if named:  # a DataFrame's SNP ids: the model finds its SNPs by id, in any column order
        import pandas as pd

        ids, chrom, pos = id_strings(X.columns), ["1"] * m, np.arange(m)
        if spec is not None and (known := pd.Index(spec["snp_ids"]).get_indexer(ids)).min() >= 0:
            chrom = np.asarray(spec["chromosomes"])[known]  # the fitted SNPs' places
            pos = np.asarray(spec["positions"])[known]
    elif spec is not None and m == len(spec["snp_ids"]):
        ids, chrom, pos = spec["snp_ids"], spec["chromosomes"], spec["positions"]
    else:
        ids, chrom, pos = generic, ["1"] * m, np.arange(m)
    labels, names = None, list(getattr(est, "classes_", []))
    if y is not None:
        labels, names = encode_labels(np.asarray(y))
    return GenotypeDataset(
        labels=labels,
        sample_ids=np.arange(len(arr)).astype(str),
        class_names=names,
        truth=None,
        meta={},
        genotypes=arr,  # checked as counts (NaN as -1) and cast to int8 by the dataset
        snp_ids=np.asarray(ids),
        chromosomes=np.asarray(chrom),
        positions=np.asarray(pos),
    )


def param_groups(est: HEMERAClassifier, module: nn.Module) -> list[dict[str, Any]] | None:
    named = list(module.named_parameters())
    gate = [p for n, p in named if n.endswith("snp_gate")]
    proj = [p for n, p in named if n.endswith(("proj_k", "proj_v"))]
    if est.proj_eps is None:
        proj = []
    if not proj and not gate:
        return None
    special = {id(p) for p in proj + gate}
    groups: list[dict[str, Any]] = [{"params": [p for _, p in named if id(p) not in special]}]
    if proj:
        groups.append({"params": proj, "eps": float(est.proj_eps or 0.0)})
    if gate:
        groups.append({"params": gate, "eps": 1.0, "lr": float(est.gate_lr), "weight_decay": 0.0})
    return groups


def make_loss_fn(est: HEMERAClassifier):  # type: ignore[no-untyped-def]
    lam = float(est.proj_l1)
    lam_gate = float(est.gate_l1) if est.snp_gate else 0.0
    if not lam and not lam_gate:
        return cross_entropy_loss

    def loss_fn(
        module: nn.Module,
        inputs: Any,
        y: Tensor,
        class_weight: Tensor | None,
        epoch: int,
        sample_weight: Tensor | None = None,
    ) -> Tensor:
        loss = cross_entropy_loss(module, inputs, y, class_weight, epoch, sample_weight)
        for name, p in module.named_parameters():
            if lam and name.endswith(("proj_k", "proj_v")):
                loss = loss + lam * p.abs().sum()
            elif lam_gate and name.endswith("snp_gate"):
                loss = loss + lam_gate * p.abs().sum()
        return loss

    return loss_fn


def encoding_positions(est: HEMERAClassifier) -> np.ndarray:
    pos = np.asarray(est.spec_["positions"], dtype=np.float64)
    if est.position == "index":
        return np.arange(pos.size, dtype=np.float64)
    chrom = np.asarray(est.spec_["chromosomes"])
    # Lay chromosomes end to end in order of first appearance, 1 Mb apart.
    _, first, inv = np.unique(chrom, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    span = np.zeros(first.size)
    np.maximum.at(span, rank[inv], pos)
    offset = np.concatenate([[0.0], np.cumsum(span + 1e6)[:-1]])
    return (offset[rank[inv]] + pos) / est.position_scale


def init_from_data(est: HEMERAClassifier, module: nn.Module, data: Any) -> None:
    from attnscope.train._mlm import pretrain_mlm

    (tokens,) = est._make_inputs(data)
    model: Any = module
    model.positions.copy_(torch.as_tensor(est._encoding_positions(), dtype=torch.float32))
    freq = torch.zeros(len(est.spec_["snp_ids"]), N_TOKENS)
    counts = est.__dict__.pop("_stream_counts", None)
    if counts is not None:  # the streaming QC pass counted genotypes 0/1/2 per SNP
        n = torch.tensor(float(len(data)))
        called = torch.from_numpy(counts).float()
        freq[:, MISSING] = (n - called.sum(0)) / n
        freq[:, GENOTYPE_OFFSET:N_TOKENS] = (called / n).T
    else:
        for t in (MISSING, *range(GENOTYPE_OFFSET, N_TOKENS)):  # a loop over 4 token values
            freq[:, t] = (tokens == t).float().mean(dim=0)
    model.embed.token_freq.copy_(freq)
    est.pretrain_history_ = None
    if est.init_C is not None:
        if est.pretrain_epochs > 0:
            raise ConfigError(
                "init_C starts the gated path at a logistic regression, which needs the "
                "genotype embeddings of the start; set pretrain_epochs=0 (or init_C=None)."
            )
        if not isinstance(tokens, Tensor):
            raise ConfigError(
                "init_C needs the training cohort in memory: read it with lazy=False "
                "(command line: --no-stream), or set init_C=None."
            )
        gate_probe_init(
            model, tokens, np.asarray(data.y), float(est.init_C), int(est.random_state or 0)
        )
    if est.pretrain_epochs > 0:
        gen = torch.Generator().manual_seed(int(est.random_state) + 1)
        est.pretrain_history_ = pretrain_mlm(
            module,
            tokens,
            mask_token=MASK,
            mask_fraction=est.mask_fraction,
            maskable=range(GENOTYPE_OFFSET, N_TOKENS),
            epochs=int(est.pretrain_epochs),
            batch_size=int(est.batch_size),
            lr=est.pretrain_lr,
            weight_decay=est.weight_decay,
            clip_grad_norm=est.clip_grad_norm,
            device=est.device,
            generator=gen,
            parameters=est._param_groups(module),
            verbose=bool(est.verbose),
        )
        # The frequencies are data, not weights: keep them as set above.


@torch.no_grad()
def gate_probe_init(
    model: Any, tokens: Tensor, y: np.ndarray, C: float, random_state: int = 0
) -> None:
    """Start the gated linear path at an L1 logistic regression on the training dosages.

    With the genotype embeddings on one line, ``e_g = (g - 1) a`` (``HEMERA._additive_start``),
    the linear path's last-class logit is ``sum_j s_j (g_j - 1 - m_j)``, ``m_j`` the
    projection of SNP ``j``'s mean embedding on ``a``. Gates ``s = w`` (the regression's
    coefficients on dosages, missing calls imputed by the training mean), a zero classifier
    head and its last-class bias ``b + sum_j w_j (1 + m_j)`` make the untrained network
    predict as the regression; fine-tuning then grows the attention path from there (a
    linear-probe start, as ``FusionClassifier(init_C=...)``).

    Parameters
    ----------
    model : HEMERA
        Built with ``snp_gate=True``, genotype frequencies set, embeddings on one line.
    tokens : Tensor of shape (n_samples, n_snps)
        Training tokens (:func:`~attnscope.models.hemera.genotype_tokens`).
    y : ndarray of shape (n_samples,)
        Class codes 0 / 1.
    C : float
        Inverse L1 regularisation of the regression.
    random_state : int, default 0
        Seeds liblinear's coordinate order (unseeded, refits differ in the 4th digit).
    """
    from sklearn.linear_model import LogisticRegression

    if model.snp_gate is None or model.gate_head is None:
        raise ConfigError("init_C starts the SNP gate: it needs snp_gate=True.")
    if not C > 0:
        raise ConfigError(f"init_C must be a positive number (or None), got {C}.")
    if len(np.unique(y)) != 2:
        raise ConfigError(
            "init_C (HEMERA) fits a binary logistic regression: it needs 2 classes, the "
            f"training labels have {len(np.unique(y))}; give a binary trait (e.g. one class "
            "against the rest) or init_C=None."
        )
    called = (tokens >= GENOTYPE_OFFSET) & (tokens < N_TOKENS)
    dosage = torch.where(called, tokens.long() - GENOTYPE_OFFSET, 0).double()
    mean = dosage.sum(0) / called.sum(0).clamp_min(1)
    x = torch.where(called, dosage, mean).numpy()
    lr = LogisticRegression(
        l1_ratio=1.0, C=C, solver="liblinear", max_iter=1000, random_state=random_state
    ).fit(x, y)
    w = torch.as_tensor(lr.coef_[0], dtype=torch.float32)
    table = model.embed.table.weight
    a = table[GENOTYPE_OFFSET + 2] - table[GENOTYPE_OFFSET + 1]  # e_g = (g - 1) a
    proj = (model.embed.token_freq @ table[:N_TOKENS]) @ a / a.square().sum()  # m_j
    model.snp_gate.copy_(w)
    model.head.weight.zero_()
    model.head.bias.zero_()
    model.head.bias[-1] = float(lr.intercept_[0]) + float((w * (1 + proj)).sum())

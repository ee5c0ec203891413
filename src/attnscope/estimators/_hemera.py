"""HEMERA classifier: genotype QC, MLM pre-training, fine-tuning, per-SNP LIG.

Token vocabulary (see :mod:`attnscope.models.hemera`): 0 PAD, 1 MASK, 2 CLS, 3 MISSING,
4/5/6 genotype 0/1/2 copies of the counted allele, and 7 MEAN, a baseline-only token that
embeds to the mean training embedding of its SNP. Allele identity is not tokenised (the
paper's 33-token vocabulary also encodes alleles); SNP identity comes from the position.

The arrays-to-dataset conversion, optimiser groups, loss, positional encoding and
pre-training live in ``_hemera_fit``; streamed cohorts in ``_hemera_stream``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec
from attnscope.data import GenotypeDataset, LazyGenotypes
from attnscope.errors import ConfigError, DataError
from attnscope.estimators._base import BaseClassifier
from attnscope.estimators._hemera_fit import (
    dataset_from_arrays,
    encoding_positions,
    init_from_data,
    make_loss_fn,
    param_groups,
)
from attnscope.estimators._hemera_stream import streaming_counts, token_stream
from attnscope.models.hemera import HEMERA, MEAN, uint8_tokens
from attnscope.train import RowStream

__all__ = [
    "HEMERAClassifier",
]


class HEMERAClassifier(BaseClassifier):
    """Linformer over SNP genotype tokens with MLM pre-training (HEMERA).

    ``fit`` runs QC on the training individuals (MAF and missingness; the kept SNP ids,
    chromosomes and positions are stored in ``spec_``), stage 1 masked-genotype pre-training
    on the training split (``pretrain_epochs``), then stage 2 fine-tuning of the whole network
    with AdamW (``amsgrad=True``) and early stopping.

    Parameters
    ----------
    dim : int, default 36
        Embedding width.
    n_layers : int, default 1
    heads : int, default 1
    k : int, default 36
        Linformer projected length.
    ff_mult : int, default 2
    dropout : float, default 0.1
    attention : {"linformer", "full"}, default "linformer"
    proj_init : float, default 0.01
        Initial standard deviation of the Linformer projections E and F, times
        ``1/sqrt(n_snps)`` (1 is the Linformer's own initialisation).
    proj_eps : float or None, default 1e-3
        ``eps`` of the AdamW parameter group holding E and F (in MLM pre-training and
        fine-tuning); None puts them in the single group of every other weight. Not in the
        paper; see Notes.
    proj_l1 : float, default 1e-4
        Fine-tuning adds ``proj_l1`` times the summed absolute values of every E and F to
        the loss (sparse per-SNP weights; not in the paper; the benchmarks' value, chosen on
        validation splits; 0 turns it off).
    snp_gate : bool, default False
        Per-SNP gating (not in the paper; see :class:`attnscope.models.hemera.HEMERA`): a
        gate per SNP, starting at 0, scales each SNP's deviation from its mean embedding
        before the Linformer, and a linear path reads the gated deviations into the logits.
        The gate is trained by gradient-proportional steps (its own AdamW group, ``eps=1``,
        learning rate ``gate_lr``, no weight decay). False: the paper's network.
    gate_l1 : float, default 0.0
        Fine-tuning adds ``gate_l1`` times the summed absolute gate values to the loss
        (only with ``snp_gate``; ``snp_gate=False`` is the paper's loss whatever its value).
    gate_lr : float, default 1.0
        Learning rate of the gate (only with ``snp_gate``).
    init_C : float or None, default None
        With ``snp_gate`` (binary labels, no pre-training): start the gates at the
        coefficients of an L1 logistic regression (inverse regularisation ``C``) fitted on
        the training dosages, and the classifier head at zero with the regression's
        intercept, so that the untrained network predicts as that regression; fine-tuning
        then grows the attention path from this start (a linear-probe start, as
        :class:`FusionClassifier`'s ``init_C``). Not in the paper. None: gates start at 0.
    position : {"index", "genomic"}, default "index"
        Positional encoding from the SNP index, or from the genomic position
        (chromosomes laid end to end, divided by ``position_scale``).
    position_scale : float, default 1e5
    maf : float, default 0.01
    max_missing : float, default 0.1
    pretrain_epochs : int, default 1
        0 skips MLM pre-training.
    mask_fraction : float, default 0.4
    pretrain_lr : float, default 1e-3
    stream_workers : int, default 1
        For a cohort left on disk (``read_plink(lazy=True)``): DataLoader processes reading
        the next block of individuals while the model trains (0: read in this process).
    stream_chunk_mb : float, default 256
        Individuals read per block of a cohort on disk, as megabytes of tokens (one byte
        per SNP and individual); peak memory is about ``(stream_workers + 2)`` blocks.
    min_epochs : int, default 3
        Fine-tuning epochs always run and never discarded by early stopping: only epochs
        ``min_epochs``, ``min_epochs + 1``, ... (counted from 1) can be kept (0 or 1: any).
        See Notes.
    **train_params
        Fine-tuning options of :class:`BaseClassifier` (defaults here: ``optimizer="adamw"``,
        ``amsgrad=True``, ``weight_decay=0.01``, ``monitor="loss"``, ``batch_size=32``,
        ``epochs=10``, ``patience=3``). The defaults are the benchmarks' reproduction
        setting (named ``paper``: ``benchmarks/genotype_protocol.py``, ``benchmarks/hemera.py``).

    Notes
    -----
    SNP identity reaches the [CLS] output only through the rows of E and F (the genotype
    embedding is shared by all SNPs and the positional encoding is constant per SNP), so
    the [CLS] output is a weighted sum of genotype embeddings with one weight per SNP,
    ``attention @ F[snp]``. With a few hundred individuals and thousands of SNPs, AdamW's
    per-coordinate normalisation moves every entry of E and F by about ``lr`` each step,
    whatever its gradient (sign descent): non-causal SNPs are fitted as fast as causal ones
    and a random 1/sqrt(n) initialisation adds a random polygenic score of unit variance. On
    HapMap3 genotypes with simulated traits (``benchmarks/hemera.py``) that left the causal
    SNPs at ranks in the thousands for LIG. A small initialisation and a large ``eps`` for
    E and F (AdamW then takes gradient-proportional steps there, ``lr / eps`` times the
    gradient, like SGD with momentum: SNPs move in proportion to their association with the
    residual) moved the best causal SNP of the LIG ranking from rank ~300-2,000 to the top
    ~20 on validation splits, when early stopping let fine-tuning run a few epochs (an
    epoch-0 model has not learned E and F yet); the other weights keep AdamW's usual
    ``eps``. ``proj_l1`` adds a sparsity penalty on E and F (the benchmark uses 1e-4).
    Settings were chosen on validation splits of training data.

    Model selection: early stopping watches the validation LOSS, and only from epoch
    ``min_epochs`` on. In ``benchmarks/hemera.py`` (HapMap3, 3-fold CV) the early-stopping
    split holds 22 people (``val_size=0.1``). Fine-tuning 10 epochs without stopping on two
    training folds (early-stopping split of 22 and of 44 people; test folds unused) gave:
    training loss 0.77 -> ~0.15; validation AUROC jumping between 0.41 and 0.76 (22 people)
    or 0.46 and 0.55 (44 people) without a trend (22 people: the epoch-1 value, 0.74, first
    beaten at epoch 5, past patience 3). The earlier ``monitor="auroc"`` kept the epoch-1
    model, whose E and F have barely left their small initialisation (no per-SNP signal
    for LIG), in 3 of the 6 benchmark folds. The validation loss was smooth: 0.70, 0.68,
    0.63, 0.62 then 0.83, 0.82, 1.86 (22 people); 0.69, 0.73, 0.73 then 1.07, 1.81 (44
    people): flat or falling over the first 3-4 epochs, then a sharp overfitting onset.
    Monitoring it keeps epoch 4 and epoch 1 there; ``min_epochs=3`` (E and F trained for
    at least three epochs, inside the flat stretch of both curves) makes the second epoch
    3 instead of the untrained epoch 1.

    Examples
    --------
    >>> est = HEMERAClassifier(epochs=5, pretrain_epochs=1).fit(data)  # doctest: +SKIP
    >>> att = attribute(est, data, method="lig")  # doctest: +SKIP
    >>> imp = snp_importance(att, data)  # doctest: +SKIP
    """

    name: ClassVar[str] = "hemera"
    dataset_type = GenotypeDataset

    def __init__(
        self,
        *,
        dim: int = 36,
        n_layers: int = 1,
        heads: int = 1,
        k: int = 36,
        ff_mult: int = 2,
        dropout: float = 0.1,
        attention: str = "linformer",
        proj_init: float = 0.01,
        proj_eps: float | None = 1e-3,
        proj_l1: float = 1e-4,
        snp_gate: bool = False,
        gate_l1: float = 0.0,
        gate_lr: float = 1.0,
        init_C: float | None = None,
        position: str = "index",
        position_scale: float = 1e5,
        maf: float = 0.01,
        max_missing: float = 0.1,
        pretrain_epochs: int = 1,
        mask_fraction: float = 0.4,
        pretrain_lr: float = 1e-3,
        stream_workers: int = 1,
        stream_chunk_mb: float = 256.0,
        optimizer: str = "adamw",
        amsgrad: bool = True,
        weight_decay: float = 0.01,
        monitor: str = "loss",
        min_epochs: int = 3,
        batch_size: int = 32,
        epochs: int = 10,
        patience: int = 3,
        **train_params: Any,
    ) -> None:
        super().__init__(
            epochs=epochs,
            patience=patience,
            optimizer=optimizer,
            amsgrad=amsgrad,
            weight_decay=weight_decay,
            monitor=monitor,
            min_epochs=min_epochs,
            batch_size=batch_size,
            **train_params,
        )
        self.dim = dim
        self.n_layers = n_layers
        self.heads = heads
        self.k = k
        self.ff_mult = ff_mult
        self.dropout = dropout
        self.attention = attention
        self.proj_init = proj_init
        self.proj_eps = proj_eps
        self.proj_l1 = proj_l1
        self.snp_gate = snp_gate
        self.gate_l1 = gate_l1
        self.gate_lr = gate_lr
        self.init_C = init_C
        self.position = position
        self.position_scale = position_scale
        self.maf = maf
        self.max_missing = max_missing
        self.pretrain_epochs = pretrain_epochs
        self.mask_fraction = mask_fraction
        self.pretrain_lr = pretrain_lr
        self.stream_workers = stream_workers
        self.stream_chunk_mb = stream_chunk_mb

    # -- data -------------------------------------------------------------------------
    def _dataset_from_arrays(
        self, X: Any, y: Any | None, *, reset: bool = False
    ) -> GenotypeDataset:
        return dataset_from_arrays(self, X, y, reset=reset)

    def _snp_index(self, data: GenotypeDataset) -> np.ndarray | None:
        """Columns of ``data`` holding the model's SNPs (None: already in order)."""
        ids = np.asarray(self.spec_["snp_ids"])
        if data.snp_ids.shape == ids.shape and np.array_equal(data.snp_ids, ids):
            return None
        idx = pd.Index(data.snp_ids).get_indexer(ids)
        if (idx < 0).any():
            lost = ids[idx < 0]
            raise DataError(
                f"{lost.size} of the model's {ids.size} SNPs are missing from the data "
                f"(first: {lost[:3].tolist()}); genotype the same SNPs (same ids) as in training."
            )
        return idx

    def _check_data(self, data: Any) -> None:
        if not isinstance(data, GenotypeDataset):
            raise DataError(f"HEMERA takes genotype data, got {type(data).__name__}.")

    def _make_inputs(self, data: Any) -> tuple[Any, ...]:
        """Tokens (n, n_snps) uint8; a cohort on disk gives a RowStream read by blocks."""
        idx = self._snp_index(data)
        g = data.genotypes if idx is None else data.genotypes[:, idx]
        if isinstance(g, LazyGenotypes):
            return (
                token_stream(g, self.stream_chunk_mb, int(self.batch_size), self.stream_workers),
            )
        # uint8 keeps 379K-SNP cohorts small in memory; the model casts to long per batch.
        return (uint8_tokens(np.asarray(g)),)

    def _tokens_in_memory(self, data: Any) -> Tensor:
        """Tokens of ``data`` as one tensor (a cohort on disk is read whole: small subsets)."""
        idx = self._snp_index(data)
        g = data.genotypes if idx is None else data.genotypes[:, idx]
        return uint8_tokens(np.asarray(g))  # np.asarray refuses a view over the budget

    def _inference_batch(self, inputs: tuple[Any, ...]) -> int:
        # a streamed cohort is probed on its first two individuals
        probe = tuple(t[:2] if isinstance(t, RowStream) else t for t in inputs)
        return super()._inference_batch(probe)

    # -- network ----------------------------------------------------------------------
    def _module_spec(self, data: Any) -> dict[str, Any]:
        if self.attention not in ("linformer", "full"):
            raise ConfigError(f"attention must be 'linformer' or 'full', got {self.attention!r}.")
        if self.position not in ("index", "genomic"):
            raise ConfigError(f"position must be 'index' or 'genomic', got {self.position!r}.")
        if self.dim % self.heads:
            raise ConfigError(f"heads ({self.heads}) must divide dim ({self.dim}).")
        from attnscope.io import snp_qc_mask

        if isinstance(data.genotypes, LazyGenotypes):  # one pass over blocks of individuals
            counts = streaming_counts(data.genotypes, self.stream_chunk_mb)
            keep, _, _ = counts.mask(maf=self.maf, max_missing=self.max_missing)
            self._stream_counts = counts.counts[:, keep]  # genotype frequencies, for init
        else:
            keep, _, _ = snp_qc_mask(data.genotypes, maf=self.maf, max_missing=self.max_missing)
        if not keep.any():
            source = data.meta.get("source", "the data")
            raise DataError(
                f"{source}: none of its {keep.size} SNPs passes QC (maf >= {self.maf}, "
                f"missing <= {self.max_missing}); lower maf or raise max_missing "
                "(e.g. --set max_missing=0.5)."
            )
        return {
            "n_classes": len(self.classes_),
            "n_snps": int(keep.sum()),
            "n_snps_input": int(keep.size),
            "dim": self.dim,
            "n_layers": self.n_layers,
            "heads": self.heads,
            "k": self.k,
            "ff_mult": self.ff_mult,
            "dropout": self.dropout,
            "attention": self.attention,
            "proj_init": self.proj_init,
            "snp_gate": bool(self.snp_gate),
            "snp_ids": data.snp_ids[keep].tolist(),
            "chromosomes": data.chromosomes[keep].tolist(),
            "positions": data.positions[keep].tolist(),
        }

    def _build_module(self, spec: dict[str, Any]) -> nn.Module:
        return HEMERA(
            spec["n_snps"],
            spec["n_classes"],
            dim=spec["dim"],
            n_layers=spec["n_layers"],
            heads=spec["heads"],
            k=spec["k"],
            ff_mult=spec["ff_mult"],
            dropout=spec["dropout"],
            attention=spec["attention"],
            proj_init=spec.get("proj_init", 1.0),
            snp_gate=bool(spec.get("snp_gate", False)),
        )

    def _param_groups(self, module: nn.Module) -> list[dict[str, Any]] | None:
        """E and F in an AdamW group with ``eps = proj_eps``; the SNP gate in one of its own.

        The gate's group has ``eps = 1`` (its gradients are far below 1, so AdamW takes
        gradient-proportional steps, SGD with momentum at ``gate_lr``) and no weight decay
        (``gate_l1`` regularises it). Without a gate and with ``proj_eps=None``: None (one
        group).
        """
        return param_groups(self, module)

    def _loss_fn(self):  # type: ignore[no-untyped-def]
        """Cross-entropy plus ``proj_l1`` |E, F|_1 plus ``gate_l1`` |gate|_1."""
        return make_loss_fn(self)

    def _encoding_positions(self) -> np.ndarray:
        return encoding_positions(self)

    def _init_from_data(self, module: nn.Module, data: Any) -> None:
        """Positions and baseline frequencies, then stage 1: MLM pre-training."""
        init_from_data(self, module, data)

    # -- explanations -----------------------------------------------------------------
    def attribution_spec(self, data: Any) -> AttributionSpec:
        tokens = self._tokens_in_memory(data)
        module: Any = self.module_

        def forward(t: Tensor) -> Tensor:
            return module(t).logits

        def remove(raw: tuple[Tensor, ...], mask: Tensor) -> tuple[Tensor, ...]:
            # A removed SNP takes the baseline: its mean training embedding.
            return (torch.where(mask, torch.full_like(raw[0], MEAN), raw[0]),)

        mean_tokens = torch.full((1, tokens.shape[1]), MEAN, dtype=tokens.dtype)
        return AttributionSpec(
            inputs=(tokens,),
            forward=forward,
            baselines=(mean_tokens,),
            # Layer attributions are (b, n, d): sum the embedding axis.
            to_features=lambda attrs: attrs[0].sum(dim=-1).detach().cpu().numpy(),
            raw_inputs=(tokens,),
            raw_forward=forward,
            remove=remove,
            feature_names=np.asarray(self.spec_["snp_ids"]),
            layer=module.embed,
            layer_inputs=(tokens,),
            layer_forward=forward,
            # Layer methods start from each SNP's mean training embedding (the MEAN token).
            layer_baselines=(mean_tokens,),
            attention=lambda t: module(t).attention,
            meta={"feature_axis": "snp", "baseline": "MEAN token = mean training embedding"},
        )

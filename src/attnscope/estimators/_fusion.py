"""Multi-omics classifier with self-, cross- and hierarchical attention (FusionNet).

The data checks, network spec and regression start live in ``_fusion_spec``, the
attribution spec and attention read-outs in ``_fusion_explain``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec
from attnscope.data import MultiOmicsDataset
from attnscope.errors import DataError
from attnscope.estimators._base import BaseClassifier
from attnscope.estimators._fusion_explain import (
    _attention_method,
    _cross_attention_method,
    _modality_weights_method,
    attention_packed,
    attribution_spec,
    cross_map,
    subgroup_attention,
    top_features,
    unpack_attention,
)
from attnscope.estimators._fusion_spec import (
    check_data,
    dataset_from_arrays,
    linear_probe_init,
    module_spec,
    pair_index,
)
from attnscope.estimators._mlp import robust_scale
from attnscope.models.fusion import FeatureTokens, FusionNet

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FusionClassifier", "without_modalities"]


def without_modalities(data: MultiOmicsDataset, names: str | list[str]) -> MultiOmicsDataset:
    """Copy of ``data`` with the modalities ``names`` marked absent (values zeroed).

    Parameters
    ----------
    data : MultiOmicsDataset
    names : str or list of str
        Modalities to hide for every sample (e.g. to test robustness to a missing assay).
    """
    names = [names] if isinstance(names, str) else list(names)
    unknown = sorted(set(names) - set(data.modality_names))
    if unknown:
        raise DataError(f"no modality {unknown}; the data have {data.modality_names}.")
    omics = {k: (np.zeros_like(v) if k in names else v) for k, v in data.omics.items()}
    present = data.present.copy()
    present[:, [data.modality_names.index(k) for k in names]] = False
    return replace(data, omics=omics, present=present, feature_names=dict(data.feature_names))


class FusionClassifier(BaseClassifier):
    """Attention-based multi-omics integration.

    Each modality's features become tokens (standardised value x learned feature embedding
    + identity embedding, the value embeddings started at a logistic regression) mixed by
    multi-head self-attention; chosen modality pairs exchange
    cross-attention in both directions; attention pooling gives one vector per modality
    (feature weights ``alpha``), and a modality-level attention (``beta``, renormalised over
    the modalities a sample has) fuses them for the classification head.

    Parameters
    ----------
    dim : int, default 16
        Token dimension (small: multi-omics cohorts have a few hundred samples).
    n_heads : int, default 2
    n_layers : int, default 1
        Self-attention blocks per modality (0: none; the feature and modality attention
        pools remain).
    cross_pairs : "all" or list of (str, str), default "all"
        Modality pairs that exchange cross-attention (both directions).
    use_cross : bool, default True
        False removes cross-attention (ablation).
    use_modality_attention : bool, default True
        False replaces ``beta`` by a uniform mean over present modalities (ablation).
    dropout : float, default 0.3
    feature_dropout : float, default 0.1
        Training-time dropout on the standardised feature values.
    modality_dropout : float, default 0.2
        Training-time probability of hiding each present modality of a sample (never all),
        so the model learns to predict with a modality missing.
    max_features : int or None, default None
        Keep at most this many features per modality, ranked by ANOVA F on the training
        data (attention cost grows with the square of the number of features). On ROSMAP,
        selecting 100 of 200 features per omic cost L2 logistic regression 0.08 inner-CV
        AUROC: the signal is spread over many features, so select only when needed.
    init_C : float or None, default 0.05
        Start the token value embeddings and the head at an L2 logistic regression (inverse
        regularisation ``C``) fitted on the standardised training tokens, so that the untrained
        network (uniform alpha and beta, attention branches at zero) predicts as that
        regression; training then refines it. None: random start. On a few hundred samples
        Adam from a random start reached only the per-feature correlation classifier's
        accuracy before overfitting (see ``benchmarks/fusion.py``). Needs ``dim >= n_classes``
        (otherwise the random start is kept).
    alpha_init : {"uniform", "probe"}, default "uniform"
        "probe" (with ``init_C``) adds a learned per-feature prior to the feature attention
        scores and starts it at ``log |coefficient|`` of the regression, the value embeddings
        then holding the coefficient's sign only: the untrained network predicts as the
        regression, and alpha starts as its normalised absolute coefficients. With "uniform"
        alpha starts uniform and the importance sits in the value embeddings, where alpha
        never needs to learn it.
    attention_lr : float or None, default None
        Learning rate of the attention pooling (the feature-level ``alpha`` and
        modality-level ``beta`` scorers and priors), in its own AdamW group without weight
        decay (decay pulls the scores back to zero, i.e. alpha to uniform). None: ``lr``,
        the published setting. Why it matters: the scorers start at zero (uniform alpha),
        and with ``lr=1e-4`` the 10 Adam epochs move each score weight by at most about
        ``steps * lr`` (0.008 on ROSMAP), so alpha stays within 2% of 1/n on unseen data.
        A larger ``attention_lr`` alone does not help from the uniform start: there every
        token points along the head's class direction, so a token's score is an odd
        function of its contribution to the logit and the score gradient cancels between
        the two classes (alpha's max/min ratio stayed <= 1.1 after 20 epochs at 0.05 on a
        ROSMAP inner fold). Use it with ``alpha_init="probe"``.
    finetune : {"all", "attention"}, default "all"
        What training updates. "attention": the attention pools only (with ``init_C``
        everything else stays at the logistic-regression start), so the trained model
        differs from its start through alpha and beta alone, and any gain over the start
        is the attention's.
    epochs, batch_size, lr, weight_decay, optimizer, patience, monitor, val_size
        As in :class:`~attnscope.estimators.BaseClassifier`, with defaults for cohorts of a
        few hundred samples chosen by inner cross-validation on the ROSMAP training split: a
        short, gentle fine-tuning of the regression start (10 epochs at lr 1e-4) on all the
        training data (``val_size=0``). For larger cohorts set ``val_size=0.1`` and more
        ``epochs`` to stop early on validation AUROC.
    **train_params
        Other training options of :class:`~attnscope.estimators.BaseClassifier`.

    Examples
    --------
    >>> est = FusionClassifier(max_features=200).fit(train)  # doctest: +SKIP
    >>> est.predict_proba(without_modalities(test, "mirna"))  # doctest: +SKIP
    >>> attribute(est, test, method="modality_weights").values  # (n_samples, n_modalities)
    """

    name: ClassVar[str] = "fusion"
    dataset_type = MultiOmicsDataset

    def __init__(
        self,
        *,
        dim: int = 16,
        n_heads: int = 2,
        n_layers: int = 1,
        cross_pairs: str | list[tuple[str, str]] = "all",
        use_cross: bool = True,
        use_modality_attention: bool = True,
        dropout: float = 0.3,
        feature_dropout: float = 0.1,
        modality_dropout: float = 0.2,
        max_features: int | None = None,
        init_C: float | None = 0.05,
        alpha_init: str = "uniform",
        attention_lr: float | None = None,
        finetune: str = "all",
        epochs: int = 10,
        batch_size: int = 32,
        lr: float = 1e-4,
        weight_decay: float = 0.1,
        optimizer: str = "adamw",
        patience: int = 15,
        monitor: str = "auroc",
        val_size: float = 0.0,
        **train_params: Any,
    ) -> None:
        super().__init__(
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            weight_decay=weight_decay,
            optimizer=optimizer,
            patience=patience,
            monitor=monitor,
            val_size=val_size,
            **train_params,
        )
        self.dim = dim
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.cross_pairs = cross_pairs
        self.use_cross = use_cross
        self.use_modality_attention = use_modality_attention
        self.dropout = dropout
        self.feature_dropout = feature_dropout
        self.modality_dropout = modality_dropout
        self.max_features = max_features
        self.init_C = init_C
        self.alpha_init = alpha_init
        self.attention_lr = attention_lr
        self.finetune = finetune

    # -- data -------------------------------------------------------------------
    def _dataset_from_arrays(
        self, X: Any, y: Any | None, *, reset: bool = False
    ) -> MultiOmicsDataset:
        return dataset_from_arrays(self, X, y, reset=reset)

    def _check_data(self, data: Any) -> None:
        check_data(self, data)

    def _pairs(self, modalities: list[str]) -> list[list[int]]:
        return pair_index(self, modalities)

    def _module_spec(self, data: Any) -> dict[str, Any]:
        return module_spec(self, data)

    def _build_module(self, spec: dict[str, Any]) -> nn.Module:
        return FusionNet(
            spec["n_features"],
            spec["n_classes"],
            modalities=spec["modalities"],
            index=spec["index"],
            dim=spec["dim"],
            n_heads=spec["n_heads"],
            n_layers=spec["n_layers"],
            cross_pairs=[(int(a), int(b)) for a, b in spec["cross_pairs"]],
            use_cross=spec["use_cross"],
            use_modality_attention=spec["use_modality_attention"],
            dropout=spec["dropout"],
            feature_dropout=spec.get("feature_dropout", 0.0),
            modality_dropout=spec["modality_dropout"],
            feature_prior=spec.get("feature_prior", False),
        )

    def _param_groups(self, module: nn.Module) -> list[dict[str, Any]] | None:
        """The attention pools in their own group at ``attention_lr``, without weight decay;
        the rest in the default group unless ``finetune="attention"`` (None: one group)."""
        if self.attention_lr is None and self.finetune == "all":
            return None
        named = list(module.named_parameters())
        pools = ("feature_pool.", "modality_pool.")
        attn = [p for n, p in named if n.startswith(pools)]
        rest = [p for n, p in named if not n.startswith(pools)]
        lr = self.lr if self.attention_lr is None else self.attention_lr
        groups: list[dict[str, Any]] = [{"params": attn, "lr": lr, "weight_decay": 0.0}]
        # "attention": the rest is left out of the optimiser, so it keeps its start.
        return groups if self.finetune == "attention" else [{"params": rest}, *groups]

    def _init_from_data(self, module: nn.Module, data: Any) -> None:
        tokens = [cast(FeatureTokens, tok) for tok in cast(FusionNet, module).tokens]
        for j, (m, tok) in enumerate(zip(data.modality_names, tokens)):
            rows = data.present[:, j]
            if not rows.any():
                raise DataError(f"modality {m!r} is absent from every training sample.")
            x = torch.as_tensor(data.omics[m][rows]).index_select(1, tok.index)
            tok.mean.copy_(x.mean(dim=0))
            tok.scale.copy_(robust_scale(x))
        if self.init_C is not None:
            self._linear_probe_init(cast(FusionNet, module), tokens, data, float(self.init_C))

    def _linear_probe_init(
        self, net: FusionNet, tokens: list[FeatureTokens], data: MultiOmicsDataset, C: float
    ) -> None:
        """Start at an L2 logistic regression (:func:`._fusion_spec.linear_probe_init`)."""
        linear_probe_init(self, net, tokens, data, C)

    def _make_inputs(self, data: Any) -> tuple[Tensor, ...]:
        xs = tuple(torch.as_tensor(data.omics[m]) for m in data.modality_names)
        return (*xs, torch.as_tensor(data.present))

    # -- explanations -------------------------------------------------------------
    def _token_index(self) -> list[np.ndarray]:
        return [tok.index.numpy() for tok in self._tokens()]

    def _net(self) -> FusionNet:
        return cast(FusionNet, self.module_)

    def _tokens(self) -> list[FeatureTokens]:
        return [cast(FeatureTokens, tok) for tok in self._net().tokens]

    def attribution_spec(self, data: Any) -> AttributionSpec:
        return attribution_spec(self, data)

    def _attention_packed(self, raw: tuple[Tensor, ...]) -> Tensor:
        return attention_packed(self, raw)

    def _unpack_attention(self, packed: Tensor, n: int) -> dict[str, Tensor]:
        """Split packed (alpha..., beta) into full-width alpha per modality and beta."""
        return unpack_attention(self, packed, n)

    def attention_weights(self, X: Any) -> dict[str, np.ndarray]:
        """The model's own attention for ``X``.

        Returns
        -------
        dict of str -> ndarray
            ``<modality>``: alpha of shape (n_samples, n_features_m), zero on features not
            selected and on samples lacking the modality; ``"modality"``: beta of shape
            (n_samples, n_modalities), zero on absent modalities.
        """
        from attnscope.core import check_is_fitted

        check_is_fitted(self)
        data: MultiOmicsDataset = self.as_dataset(X)  # type: ignore[assignment]
        self._check_data(data)
        raw = self._make_inputs(data)
        return {
            k: v.numpy()
            for k, v in self._unpack_attention(self._attention_packed(raw), len(data)).items()
        }

    def cross_attention(
        self, X: Any, *, pair: str | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cross-attention map of ``pair`` ("A->B": A's features attending to B's).

        Returns
        -------
        weights : ndarray of shape (n_samples, n_tokens_A, n_tokens_B)
            Averaged over heads; rows sum to one (zero where B is absent).
        row_names, col_names : ndarray of str
            Features of A and of B (the selected ones when ``max_features`` is set).
        """
        from attnscope.core import check_is_fitted

        check_is_fitted(self)
        data: MultiOmicsDataset = self.as_dataset(X)  # type: ignore[assignment]
        self._check_data(data)
        return self._cross_map(self._make_inputs(data), pair)[1:]

    def _cross_map(
        self, raw: tuple[Tensor, ...], pair: str | None
    ) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
        return cross_map(self, raw, pair)

    def top_features(self, X: Any, *, k: int = 10) -> pd.DataFrame:
        """The ``k`` features with the largest alpha per modality and sample.

        Returns
        -------
        DataFrame
            Long format: ``sample_id, modality, rank, feature, alpha, beta`` (modalities a
            sample lacks are left out).
        """
        return top_features(self, X, k=k)

    def subgroup_attention(
        self, X: Any, by: Any = None, *, level: str = "both", alpha: float = 0.05
    ) -> pd.DataFrame:
        """Compare attention between groups of samples (bias and subgroup checks).

        Parameters
        ----------
        X : MultiOmicsDataset or dict of arrays
        by : array-like of shape (n_samples,), optional
            Group of each sample (sex, batch, site, ...); default the class labels of ``X``.
        level : {"both", "modality", "feature"}, default "both"
            Compare beta (one test per modality), alpha (one test per selected feature),
            or both. Samples lacking a modality are left out of its tests.
        alpha : float, default 0.05
            FDR level for the ``significant`` column.

        Returns
        -------
        DataFrame
            One row per test: ``level, modality, feature, test`` (Mann-Whitney U for two
            groups, Kruskal-Wallis for more), ``statistic, p_value, q_value`` (Benjamini-
            Hochberg within each level), ``significant``, and ``mean_<group>`` columns.
        """
        return subgroup_attention(self, X, by, level=level, alpha=alpha)


FusionClassifier.attribution_methods = {
    "attention": _attention_method,
    "modality_weights": _modality_weights_method,
    "cross_attention": _cross_attention_method,
}

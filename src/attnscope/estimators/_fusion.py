"""Multi-omics classifier with self-, cross- and hierarchical attention (FusionNet)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec
from attnscope.data import MultiOmicsDataset, encode_labels
from attnscope.errors import ConfigError, DataError
from attnscope.estimators._base import BaseClassifier
from attnscope.estimators._mlp import robust_scale
from attnscope.models.fusion import AttentionPool, FeatureTokens, FusionNet

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
        Self-attention blocks per modality.
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
        if not isinstance(X, dict) or not X:
            raise DataError(
                "FusionClassifier takes a MultiOmicsDataset or a dict modality -> "
                "(n_samples, n_features) array."
            )
        omics = {str(k): np.asarray(v, dtype=np.float32) for k, v in X.items()}
        n = next(iter(omics.values())).shape[0]
        labels, class_names = (None, list(getattr(self, "classes_", [])))
        if y is not None:
            labels, class_names = encode_labels(np.asarray(y))
        spec = getattr(self, "spec_", None)
        names = {
            k: np.asarray(spec["feature_names"][k])
            if spec is not None and k in spec["feature_names"]
            else np.array([f"{k}_{j}" for j in range(v.shape[1])])
            for k, v in omics.items()
        }
        return MultiOmicsDataset(
            labels=labels,
            sample_ids=np.arange(n).astype(str),
            class_names=class_names,
            truth=None,
            meta={},
            omics=omics,
            feature_names=names,
        )

    def _check_data(self, data: Any) -> None:
        empty = ~data.present.any(axis=1)
        if empty.any():
            raise DataError(
                f"{int(empty.sum())} sample(s) have no modality present (first: "
                f"{data.sample_ids[np.argmax(empty)]}); drop them or give at least one modality."
            )
        spec = getattr(self, "spec_", None)
        if spec is None:
            return
        if data.modality_names != spec["modalities"]:
            raise DataError(
                f"the model was trained on modalities {spec['modalities']} (in this order), "
                f"the data have {data.modality_names}; mark a missing modality absent with "
                "present[:, j] = False (see without_modalities) instead of dropping it."
            )
        for m, n in zip(spec["modalities"], spec["n_features"]):
            if data.omics[m].shape[1] != n:
                raise DataError(
                    f"modality {m!r} had {n} features in training, this data has "
                    f"{data.omics[m].shape[1]}; use the same feature columns."
                )

    def _pairs(self, modalities: list[str]) -> list[list[int]]:
        if self.cross_pairs == "all":
            return [list(p) for p in itertools.combinations(range(len(modalities)), 2)]
        if isinstance(self.cross_pairs, str):
            raise ConfigError(
                f"cross_pairs must be 'all' or a list of pairs, got {self.cross_pairs!r}."
            )
        pairs = []
        for pair in self.cross_pairs:
            a, b = (str(x) for x in pair)
            if a not in modalities or b not in modalities or a == b:
                raise ConfigError(
                    f"cross pair ({a!r}, {b!r}) must name two different modalities of {modalities}."
                )
            pairs.append([modalities.index(a), modalities.index(b)])
        return pairs

    def _module_spec(self, data: Any) -> dict[str, Any]:
        from sklearn.feature_selection import f_classif

        if self.max_features is not None and self.max_features < 1:
            raise ConfigError(f"max_features must be >= 1 or None, got {self.max_features}.")
        if self.alpha_init not in ("uniform", "probe"):
            raise ConfigError(f"alpha_init must be 'uniform' or 'probe', got {self.alpha_init!r}.")
        if self.init_C is not None and not self.init_C > 0:
            raise ConfigError(f"init_C must be positive or None, got {self.init_C}.")
        if self.attention_lr is not None and not self.attention_lr > 0:
            raise ConfigError(f"attention_lr must be positive or None, got {self.attention_lr}.")
        if self.finetune not in ("all", "attention"):
            raise ConfigError(f"finetune must be 'all' or 'attention', got {self.finetune!r}.")
        if not 0 <= self.modality_dropout < 1:
            raise ConfigError(f"modality_dropout must lie in [0, 1), got {self.modality_dropout}.")
        modalities = data.modality_names
        index: list[list[int] | None] = []
        for j, m in enumerate(modalities):
            x = data.omics[m][data.present[:, j]]
            if self.max_features is None or x.shape[1] <= self.max_features:
                index.append(None)
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                f, _ = f_classif(x, data.y[data.present[:, j]])
            top = np.argsort(-np.nan_to_num(f, nan=0.0), kind="stable")[: self.max_features]
            index.append(sorted(int(i) for i in top))
        return {
            "modalities": modalities,
            "n_features": [int(data.omics[m].shape[1]) for m in modalities],
            "feature_names": {m: data.feature_names[m].tolist() for m in modalities},
            "index": index,
            "n_classes": len(self.classes_),
            "dim": int(self.dim),
            "n_heads": int(self.n_heads),
            "n_layers": int(self.n_layers),
            "cross_pairs": self._pairs(modalities),
            "use_cross": bool(self.use_cross),
            "use_modality_attention": bool(self.use_modality_attention),
            "dropout": float(self.dropout),
            "feature_dropout": float(self.feature_dropout),
            "modality_dropout": float(self.modality_dropout),
            "feature_prior": self.alpha_init == "probe" and self.init_C is not None,
        }

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
        """Start the network at an L2 logistic regression on the standardised tokens.

        At initialisation the attention branches are zero (zero output projections), alpha
        and beta are uniform, so the logits are linear in the standardised values:
        ``W sum_i (1/k) sum_j (1/n_i) (z_ij v_ij + e_ij)``. Setting ``v_ij`` along the class
        directions of the head to ``k n_i / s`` times the regression coefficient of feature
        ``(i, j)`` (head rows ``s`` times unit vectors) makes these logits the regression's.
        Adam then refines this start instead of the random one: on a few hundred samples
        with hundreds of diffuse features, Adam from a random start lands near the
        per-feature correlation classifier and overfits before reaching the regression
        (see ``benchmarks/fusion.py``).
        """
        from sklearn.linear_model import LogisticRegression

        z = [
            ((torch.as_tensor(data.omics[m]).index_select(1, t.index) - t.mean) / t.scale)
            * torch.as_tensor(data.present[:, [j]])  # absent modality: z = 0 (the mean)
            for j, (m, t) in enumerate(zip(data.modality_names, tokens))
        ]
        x = torch.cat(z, dim=1).numpy().astype(np.float64)
        n_classes = len(self.classes_)
        dim = tokens[0].value.shape[1]
        if n_classes > dim:
            return  # too few token dimensions for one head direction per class
        lr = LogisticRegression(C=C, max_iter=2000).fit(x, data.y)
        coef = np.asarray(lr.coef_, dtype=np.float64)  # (1 or n_classes, p)
        intercept = np.asarray(lr.intercept_, dtype=np.float64)
        if coef.shape[0] == 1:  # binary: split the log-odds between the two classes
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        k = len(tokens)
        sizes = [t.n_tokens for t in tokens]
        s = float(np.sqrt(k * np.mean(sizes)))
        head = cast(nn.Linear, net.head[-1])
        gen = torch.Generator().manual_seed(int(self.random_state))
        with torch.no_grad():
            head.weight.zero_()
            head.weight[:, :n_classes] = s * torch.eye(n_classes)
            head.bias.copy_(torch.as_tensor(intercept, dtype=head.bias.dtype))
            parts = np.split(coef, np.cumsum(sizes)[:-1], axis=1)
            for t, pool, c, n in zip(tokens, net.feature_pool, parts, sizes):
                # alpha at the start: uniform, or the normalised |coefficients| ("probe").
                alpha = np.full(n, 1.0 / n)
                bias = cast(AttentionPool, pool).bias
                if bias is not None:
                    size = np.linalg.norm(c, axis=0)
                    size = size + 1e-3 * size.mean() + 1e-12
                    alpha = size / size.sum()
                    bias.copy_(torch.as_tensor(np.log(alpha), dtype=bias.dtype))
                v = torch.randn(n, dim, generator=gen) * 0.02
                v[:, :n_classes] = torch.as_tensor(c.T * k / (s * alpha[:, None]), dtype=v.dtype)
                t.value.copy_(v)

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
        *xs, present = self._make_inputs(data)
        module = self._net()
        modalities = self.spec_["modalities"]
        widths = [int(x.shape[1]) for x in xs]
        baselines = []
        for x, tok in zip(xs, self._tokens()):
            base = torch.zeros(1, x.shape[1])
            base[0, tok.index] = tok.mean  # unselected columns never reach the network
            baselines.append(base)

        def forward(*args: Tensor) -> Tensor:
            return module(*args).logits

        def remove(raw: tuple[Tensor, ...], mask: Tensor) -> tuple[Tensor, ...]:
            # A removed feature takes its training mean (zero after standardising).
            parts = torch.split(mask, widths, dim=1)
            out = [torch.where(p, b.expand_as(x), x) for x, p, b in zip(raw[:-1], parts, baselines)]
            return (*out, raw[-1])

        def attention(*raw: Tensor) -> dict[str, Tensor]:
            levels = self._unpack_attention(self._attention_packed(raw), int(raw[0].shape[0]))
            beta = levels["modality"]
            # "feature": beta_i * alpha_ij over all features (the spec's feature axis).
            combined = torch.cat([levels[m] * beta[:, [j]] for j, m in enumerate(modalities)], 1)
            return {"feature": combined, **levels}

        starts = np.cumsum([0, *widths])
        return AttributionSpec(
            inputs=tuple(xs),
            forward=forward,
            baselines=tuple(baselines),
            to_features=lambda attrs: torch.cat(list(attrs), dim=1).detach().cpu().numpy(),
            raw_inputs=(*xs, present),
            raw_forward=forward,
            remove=remove,
            feature_names=np.concatenate(
                [[f"{m}:{f}" for f in self.spec_["feature_names"][m]] for m in modalities]
            ),
            additional_args=(present,),
            attention=attention,
            meta={
                "feature_axis": "feature",
                "modalities": modalities,
                "slices": {
                    m: [int(starts[i]), int(starts[i + 1])] for i, m in enumerate(modalities)
                },
            },
        )

    def _attention_packed(self, raw: tuple[Tensor, ...]) -> Tensor:
        from attnscope.core import batched_forward

        modalities = self.spec_["modalities"]

        def collect(out: Any) -> Tensor:
            return torch.cat(
                [*(out.attention[m] for m in modalities), out.attention["modality"]], 1
            )

        return batched_forward(
            self.module_, raw, batch_size=self._inference_batch(raw), collect=collect
        )

    def _unpack_attention(self, packed: Tensor, n: int) -> dict[str, Tensor]:
        """Split packed (alpha..., beta) into full-width alpha per modality and beta."""
        out: dict[str, Tensor] = {}
        sizes = [len(i) for i in self._token_index()]
        parts = torch.split(packed, [*sizes, len(sizes)], dim=1)
        for m, idx, width, part in zip(
            self.spec_["modalities"], self._token_index(), self.spec_["n_features"], parts
        ):
            full = torch.zeros(n, width)
            full[:, torch.as_tensor(idx)] = part
            out[m] = full
        out["modality"] = parts[-1]
        return out

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
        from attnscope.core import batched_forward

        module = self._net()
        keys = [f"{module.modalities[i]}->{module.modalities[j]}" for i, j in module.directions]
        if not keys:
            raise ConfigError(
                "this model has no cross-attention (use_cross=False or one modality)."
            )
        key = keys[0] if pair is None else pair
        if key not in keys:
            raise ConfigError(f"no cross-attention {key!r}; choose from {keys}.")
        weights = batched_forward(
            module, raw, batch_size=64, collect=lambda out: out.extras[f"cross:{key}"]
        )
        a, b = key.split("->")
        idx = dict(zip(self.spec_["modalities"], self._token_index()))
        names = self.spec_["feature_names"]
        return key, weights.numpy(), np.asarray(names[a])[idx[a]], np.asarray(names[b])[idx[b]]

    def top_features(self, X: Any, *, k: int = 10) -> pd.DataFrame:
        """The ``k`` features with the largest alpha per modality and sample.

        Returns
        -------
        DataFrame
            Long format: ``sample_id, modality, rank, feature, alpha, beta`` (modalities a
            sample lacks are left out).
        """
        import pandas as pd

        data: MultiOmicsDataset = self.as_dataset(X)  # type: ignore[assignment]
        att = self.attention_weights(data)
        frames = []
        for j, m in enumerate(self.spec_["modalities"]):
            alpha = att[m]
            kk = min(k, alpha.shape[1])
            top = np.argsort(-alpha, axis=1, kind="stable")[:, :kk]  # n x kk
            rows = np.flatnonzero(data.present[:, j])
            frames.append(
                pd.DataFrame(
                    {
                        "sample_id": np.repeat(data.sample_ids[rows], kk),
                        "modality": m,
                        "rank": np.tile(np.arange(1, kk + 1), rows.size),
                        "feature": np.asarray(self.spec_["feature_names"][m])[top[rows]].ravel(),
                        "alpha": np.take_along_axis(alpha, top, axis=1)[rows].ravel(),
                        "beta": np.repeat(att["modality"][rows, j], kk),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

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
        import pandas as pd
        from scipy import stats

        if level not in ("both", "modality", "feature"):
            raise ConfigError(f"level must be 'both', 'modality' or 'feature', got {level!r}.")
        data: MultiOmicsDataset = self.as_dataset(X)  # type: ignore[assignment]
        groups = np.asarray(data.class_names)[data.y] if by is None else np.asarray(by).astype(str)
        if groups.shape != (len(data),):
            raise DataError(f"by must have one entry per sample ({len(data)}), got {groups.shape}.")
        names = np.unique(groups)
        if names.size < 2:
            raise DataError(f"by holds one group only ({names.tolist()}); give at least two.")
        att = self.attention_weights(data)
        blocks: list[tuple[str, str, np.ndarray, np.ndarray]] = []  # level, modality, names, values
        if level in ("both", "modality"):
            for j, m in enumerate(self.spec_["modalities"]):
                blocks.append(("modality", m, np.array([m]), att["modality"][:, [j]]))
        if level in ("both", "feature"):
            for m, idx in zip(self.spec_["modalities"], self._token_index()):
                feat = np.asarray(self.spec_["feature_names"][m])[idx]
                blocks.append(("feature", m, feat, att[m][:, idx]))
        frames = []
        for lev, m, feat, values in blocks:
            rows = data.present[:, self.spec_["modalities"].index(m)]
            samples = [values[rows & (groups == g)] for g in names]
            if sum(len(s) > 0 for s in samples) < 2:
                continue
            samples = [s for s in samples if len(s)]
            if len(samples) == 2:
                res = stats.mannwhitneyu(samples[0], samples[1], axis=0, alternative="two-sided")
                test = "mann-whitney"
            else:
                res = stats.kruskal(*samples, axis=0)
                test = "kruskal-wallis"
            frame = pd.DataFrame(
                {
                    "level": lev,
                    "modality": m,
                    "feature": feat,
                    "test": test,
                    "statistic": np.asarray(res.statistic, dtype=float),
                    "p_value": np.nan_to_num(np.asarray(res.pvalue, dtype=float), nan=1.0),
                }
            )
            for g in names:
                sel = rows & (groups == g)
                frame[f"mean_{g}"] = values[sel].mean(axis=0) if sel.any() else np.nan
            frames.append(frame)
        if not frames:
            raise DataError("no modality has samples in two groups; nothing to compare.")
        out = pd.concat(frames, ignore_index=True)
        out["q_value"] = np.nan
        for lev in out["level"].unique():
            sel = out["level"] == lev
            out.loc[sel, "q_value"] = stats.false_discovery_control(
                out.loc[sel, "p_value"].to_numpy()
            )
        out["significant"] = out["q_value"] < alpha
        cols = [
            "level",
            "modality",
            "feature",
            "test",
            "statistic",
            "p_value",
            "q_value",
            "significant",
        ]
        return out[cols + [c for c in out.columns if c.startswith("mean_")]]


# -- model-specific attribution methods (found by attnscope.explain.attribute) ---------
def _attention_method(
    estimator: FusionClassifier,
    spec: AttributionSpec,
    target: np.ndarray,
    *,
    level: str | None = None,
    **_: Any,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Attention per feature: ``beta_i * alpha_ij`` (``level="feature"``, default) or
    ``alpha_ij`` alone (``level="alpha"``), shape (n_samples, n_features_total)."""
    level = level or "feature"
    if level not in ("feature", "alpha"):
        raise ConfigError(
            f"level must be 'feature' or 'alpha', got {level!r}; modality weights come from "
            "method='modality_weights', cross-attention from method='cross_attention'."
        )
    if spec.attention is None:
        raise ConfigError("the attribution spec has no attention view.")
    att = spec.attention(*spec.raw_inputs)
    modalities = estimator.spec_["modalities"]
    values = att["feature"] if level == "feature" else torch.cat([att[m] for m in modalities], 1)
    return values.numpy(), {"level": level, "modalities": modalities}


def _modality_weights_method(
    estimator: FusionClassifier, spec: AttributionSpec, target: np.ndarray
) -> tuple[np.ndarray, dict[str, Any]]:
    """beta: values of shape (n_samples, n_modalities); names in ``meta["feature_names"]``."""
    if spec.attention is None:
        raise ConfigError("the attribution spec has no attention view.")
    beta = spec.attention(*spec.raw_inputs)["modality"].numpy()
    modalities = list(estimator.spec_["modalities"])
    return beta, {"modalities": modalities, "feature_names": modalities, "level": "modality"}


def _cross_attention_method(
    estimator: FusionClassifier,
    spec: AttributionSpec,
    target: np.ndarray,
    *,
    pair: str | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Cross-attention map (n_samples, n_A, n_B) of ``pair`` = "A->B" (default the first)."""
    key, weights, rows, cols = estimator._cross_map(spec.raw_inputs, pair)
    return weights, {"pair": key, "row_names": rows.tolist(), "col_names": cols.tolist()}


FusionClassifier.attribution_methods = {
    "attention": _attention_method,
    "modality_weights": _modality_weights_method,
    "cross_attention": _cross_attention_method,
}

"""Attention-LSTM and GRU classifiers for clinical time series."""

from __future__ import annotations

from typing import Any, ClassVar, cast

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec
from attnscope.data import TimeSeriesDataset
from attnscope.errors import ConfigError, DataError
from attnscope.estimators._base import BaseClassifier
from attnscope.models._ensemble import MemberEnsemble
from attnscope.models.attn_lstm import AttentionLSTM
from attnscope.models.baselines import TimeSeriesGRU
from attnscope.train import History

__all__ = ["AttnLSTMClassifier", "GRUClassifier"]


class _TimeSeriesClassifier(BaseClassifier):
    """Shared data handling: inputs are (values, mask, static) of a TimeSeriesDataset.

    Raw data (``meta["normalized"]`` false) is standardised by a
    :class:`attnscope.io.TimeSeriesNormalizer` fitted in :meth:`fit` on the training data
    only; its state is saved in ``model.json`` (``spec["normalizer"]``, plain JSON) and
    applied to every later input (predict, explain, trust, evaluate). Data normalised
    before ``fit`` is used as given. Unobserved cells carry the reader's fill value and a
    False mask.
    """

    dataset_type = TimeSeriesDataset

    def fit(
        self,
        X: Any,
        y: Any | None = None,
        *,
        sample_weight: Any = None,
        validation_data: Any = None,
        layer: str | None = None,
    ) -> _TimeSeriesClassifier:
        from attnscope.io import TimeSeriesNormalizer

        data = BaseClassifier._as_dataset(self, X, y, reset=True)
        norm = None
        if not data.meta.get("normalized"):
            norm = TimeSeriesNormalizer().fit(data)
            data = norm.transform(data)
            if validation_data is not None and not validation_data.meta.get("normalized"):
                validation_data = norm.transform(validation_data)
        super().fit(data, sample_weight=sample_weight, validation_data=validation_data)
        self.spec_["normalizer"] = norm.to_dict() if norm is not None else None
        return self

    def _normalised(self, data: Any) -> Any:
        """``data`` standardised with the training normaliser (as given if none/already)."""
        state = (getattr(self, "spec_", None) or {}).get("normalizer")
        if state is None or data.meta.get("normalized"):
            return data
        from attnscope.io import TimeSeriesNormalizer

        return TimeSeriesNormalizer.from_dict(state).transform(data)

    def _dataset_from_arrays(
        self, X: Any, y: Any | None, *, reset: bool = False
    ) -> TimeSeriesDataset:
        raise DataError(
            "time-series models take a TimeSeriesDataset (attnscope.io.read_physionet2012, "
            "read_long_timeseries or attnscope.sim.simulate_timeseries)."
        )

    def _check_data(self, data: Any) -> None:
        spec = getattr(self, "spec_", None)
        if spec is None:
            return
        _, _, v = data.values.shape
        if v != spec["n_variables"] or data.static.shape[1] != spec["n_static"]:
            raise DataError(
                f"the model was trained on {spec['n_variables']} variables and "
                f"{spec['n_static']} static descriptors; this data has {v} and "
                f"{data.static.shape[1]}."
            )

    def _make_inputs(self, data: Any) -> tuple[Tensor, ...]:
        data = self._normalised(data)
        return (
            torch.as_tensor(data.values),
            torch.as_tensor(data.mask).float(),
            torch.as_tensor(data.static),
        )

    def _base_spec(self, data: Any) -> dict[str, Any]:
        return {
            "n_variables": int(data.values.shape[2]),
            "n_times": int(data.values.shape[1]),
            "n_static": int(data.static.shape[1]),
            "n_classes": len(self.classes_),
            "variable_names": data.variable_names.tolist(),
        }

    def attribution_spec(self, data: Any) -> AttributionSpec:
        module = self.module_

        def forward(v: Tensor, m: Tensor, s: Tensor) -> Tensor:
            return module(v, m, s).logits

        attention = None
        if isinstance(module, AttentionLSTM | MemberEnsemble):

            def attention(v: Tensor, m: Tensor, s: Tensor) -> dict[str, Tensor]:
                return dict(module(v, m, s).attention)

        return series_spec(
            self._make_inputs(data), forward, attention, self.spec_["variable_names"]
        )


def series_spec(
    inputs: tuple[Tensor, ...],
    forward: Any,
    attention: Any,
    variable_names: Any,
    **meta: Any,
) -> AttributionSpec:
    """Spec of a network on (values, mask, static): attributions per (time x variable) cell.

    The baseline and a removed cell are "unobserved at the normalised mean" (value 0,
    mask 0); the mask and the static descriptors ride along as extra forward arguments.
    """
    values, mask, static = inputs

    def remove(raw: tuple[Tensor, ...], drop: Tensor) -> tuple[Tensor, ...]:
        v, m, s = raw
        return (v.masked_fill(drop, 0.0), m.masked_fill(drop, 0.0), s)

    return AttributionSpec(
        inputs=(values,),
        forward=forward,
        baselines=(torch.zeros(1, *values.shape[1:]),),
        to_features=lambda attrs: attrs[0].detach().cpu().numpy(),
        raw_inputs=(values, mask, static),
        raw_forward=forward,
        remove=remove,
        additional_args=(mask, static),
        feature_names=np.asarray(variable_names),
        attention=attention,
        meta={"feature_axis": "time x variable", **meta},
    )


class AttnLSTMClassifier(_TimeSeriesClassifier):
    """Attention-LSTM with a (time x variable) attention map per sample.

    Parameters
    ----------
    hidden : int, default 16
        LSTM units.
    attention_dim : int, default 16
        Units of the time attention and of the variable-attention convolution.
    window : int, default 1
        Steps the (causal) variable attention looks back over.
    dropout : float, default 0.2
    delta : bool, default True
        Add a time-since-last-observation channel per variable (from the mask).
    static_to_lstm : bool, default False
        Feed the static descriptors into every LSTM step as well as into the head.
    clip : float, optional
        Clamp normalised values to ``[-clip, clip]``.
    summary_branch : bool, default False
        The head also reads each variable's mean, min, max, last value and observed share
        (the gradient-boosting baseline's summaries) beside the attention context. The
        attention map then covers only the recurrent path; gradient methods see both.
    summary_hidden : int, default 0
        With ``summary_branch``: pass the summaries through a tanh layer of this many
        units before the head (0: a linear wide path).
    n_members : int, default 1
        A seed ensemble: members start from the weights (and draw the batch orders) of
        standalone fits with ``random_state``, ``random_state + 1``, ...; they train at
        once as one batched network, each early-stopping on the validation share. The
        prediction is the members' mean probability; the attention maps are the
        members' mean maps; gradient methods explain the ensemble's log mean
        probability. ``history_.members`` keeps each member's training record.
    epochs, patience, lr : int, int, float, default 30, 6, 3e-3
    **train_params
        Training options of :class:`~attnscope.estimators.BaseClassifier`
        (default ``monitor="auroc"`` here: mortality is imbalanced).

    Notes
    -----
    The defaults are the settings the consistency benchmark chose on the validation share
    of PhysioNet 2012 (``benchmarks/consistency.py`` builds its parameters from them), so
    ``attnscope fit --model attn_lstm`` trains the benchmarked model.
    """

    name: ClassVar[str] = "attn_lstm"

    def __init__(
        self,
        *,
        hidden: int = 16,
        attention_dim: int = 16,
        window: int = 1,
        dropout: float = 0.2,
        delta: bool = True,
        static_to_lstm: bool = False,
        clip: float | None = None,
        summary_branch: bool = False,
        summary_hidden: int = 0,
        n_members: int = 1,
        monitor: str = "auroc",
        epochs: int = 30,
        patience: int = 6,
        lr: float = 3e-3,
        **train_params: Any,
    ) -> None:
        super().__init__(monitor=monitor, epochs=epochs, patience=patience, lr=lr, **train_params)
        self.hidden = hidden
        self.attention_dim = attention_dim
        self.window = window
        self.dropout = dropout
        self.delta = delta
        self.static_to_lstm = static_to_lstm
        self.clip = clip
        self.summary_branch = summary_branch
        self.summary_hidden = summary_hidden
        self.n_members = n_members

    def _module_spec(self, data: Any) -> dict[str, Any]:
        return {
            **self._base_spec(data),
            "hidden": self.hidden,
            "attention_dim": self.attention_dim,
            "window": self.window,
            "dropout": self.dropout,
            "delta": bool(self.delta),
            "static_to_lstm": bool(self.static_to_lstm),
            "clip": None if self.clip is None else float(self.clip),
            "summary_branch": bool(self.summary_branch),
            "summary_hidden": int(self.summary_hidden),
            "n_members": int(self.n_members),
            "seed": int(self.random_state),
        }

    def _build_module(self, spec: dict[str, Any], seeds: list[int] | None = None) -> nn.Module:
        """The network of ``spec``; with ``seeds``, the raw member-axis network of them."""
        if seeds is None:
            n_members = int(spec.get("n_members", 1))
            seeds = [int(spec["seed"]) + k for k in range(n_members)]
            if n_members > 1:
                return MemberEnsemble(self._build_module(spec, seeds=seeds))
        seeds = [int(s) for s in seeds]
        return AttentionLSTM(
            spec["n_variables"],
            spec["n_static"],
            spec["n_classes"],
            hidden=spec["hidden"],
            attention_dim=spec["attention_dim"],
            window=spec.get("window", 3),
            dropout=spec["dropout"],
            n_members=len(seeds),
            seeds=seeds,
            **_options(spec),
        )

    def _fit_network(self, module: nn.Module, *args: Any, **kwargs: Any) -> History:
        """A seed ensemble trains its members at once (:func:`~attnscope.train.fit_members`)."""
        if not isinstance(module, MemberEnsemble):
            return super()._fit_network(module, *args, **kwargs)
        from attnscope.train import ensemble_history, fit_members

        if kwargs.get("sample_weight") is not None:
            raise ConfigError(
                "sample_weight is not supported with n_members > 1; use class_weight, or "
                "n_members=1."
            )
        members = cast(AttentionLSTM, module.members)
        inputs, y = args
        histories = fit_members(
            members,
            inputs,
            y,
            seeds=list(members.seeds),
            config=kwargs["config"],
            val_inputs=kwargs["val_inputs"],
            val_y=kwargs["val_y"],
            class_weight=kwargs["class_weight"],
        )
        return ensemble_history(histories)

    # -- seed ensembles (the consistency study) ---------------------------------------
    def build_members(self, data: Any, seeds: list[int]) -> AttentionLSTM:
        """An untrained network with one member per seed, shaped for ``data``.

        Member ``i`` starts from the weights a standalone fit with
        ``random_state=seeds[i]`` would start from; train all of them at once with
        :func:`attnscope.train.fit_members`.
        """
        if int(self.n_members) != 1:  # run_consistency refuses it first
            raise ConfigError(f"n_members={self.n_members}: a seed study trains single models.")
        self.classes_ = np.asarray(data.class_names)
        return cast(AttentionLSTM, self._build_module(self._module_spec(data), seeds=seeds))

    def members_spec(self, members: AttentionLSTM, data: Any) -> AttributionSpec:
        """Every member's view of ``data`` as one spec, members folded into the sample axis.

        Rows are sample-major: row ``r`` is sample ``r // M`` seen by member ``r % M``, so
        a chunk of whole groups of M rows is evaluated by one batched forward of the
        ensemble. Gradient methods (saliency, input x gradient, integrated gradients,
        gradient norm) and attention keep that grouping; pass ``batch_size`` as a multiple
        of M.
        """
        n_members = int(members.n_members)
        values, mask, static = (
            t.repeat_interleave(n_members, dim=0) for t in self._make_inputs(data)
        )

        def grouped(t: Tensor) -> Tensor:  # (R, ...) -> (M, R // M, ...)
            # explicit sizes: -1 is ambiguous for an empty tensor (no static descriptors)
            return t.reshape(t.shape[0] // n_members, n_members, *t.shape[1:]).transpose(0, 1)

        def ungrouped(t: Tensor) -> Tensor:  # (M, R // M, ...) -> (R, ...)
            return t.transpose(0, 1).reshape(-1, *t.shape[2:])

        def forward(v: Tensor, m: Tensor, s: Tensor) -> Tensor:
            return ungrouped(members(grouped(v), grouped(m), grouped(s)).logits)

        def attention(v: Tensor, m: Tensor, s: Tensor) -> dict[str, Tensor]:
            out = members(grouped(v), grouped(m), grouped(s)).attention
            return {k: ungrouped(a) for k, a in out.items()}

        return series_spec(
            (values, mask, static),
            forward,
            attention,
            data.variable_names,
            members=n_members,
        )


def _options(spec: dict[str, Any]) -> dict[str, Any]:
    """Input options of :class:`AttentionLSTM` in a spec (absent in older checkpoints)."""
    return {
        "delta": bool(spec.get("delta", False)),
        "static_to_lstm": bool(spec.get("static_to_lstm", False)),
        "clip": spec.get("clip"),
        "summary_branch": bool(spec.get("summary_branch", False)),
        "summary_hidden": int(spec.get("summary_hidden", 0)),
    }


class GRUClassifier(_TimeSeriesClassifier):
    """Plain GRU baseline (no attention) on the same inputs."""

    name: ClassVar[str] = "gru"

    def __init__(
        self, *, hidden: int = 32, dropout: float = 0.2, monitor: str = "auroc", **train_params: Any
    ) -> None:
        super().__init__(monitor=monitor, **train_params)
        self.hidden = hidden
        self.dropout = dropout

    def _module_spec(self, data: Any) -> dict[str, Any]:
        return {**self._base_spec(data), "hidden": self.hidden, "dropout": self.dropout}

    def _build_module(self, spec: dict[str, Any]) -> nn.Module:
        return TimeSeriesGRU(
            spec["n_variables"],
            spec["n_static"],
            spec["n_classes"],
            hidden=spec["hidden"],
            dropout=spec["dropout"],
        )

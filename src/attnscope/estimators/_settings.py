"""Named settings: the parameter sets the benchmarks ran, one name each.

A setting is a partial parameter dict laid under the user's own values
(``make_estimator(name, params, setting=...)``; ``attnscope fit --setting NAME``; ``setting =
"NAME"`` in a config), so ``--setting gated --set epochs=20`` is the gated setting trained
longer. Each setting is exactly what a benchmark row of ``docs/benchmarks.md`` used; the
tests compare every one with the parameters its results file records (or, where the file
records none, with the benchmark's own grid), so the command line and the published figure
cannot drift apart.

Every model also has the setting ``"defaults"``: its own defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from attnscope.errors import ConfigError

__all__ = ["SETTINGS", "Setting", "other_settings", "setting_params"]


@dataclass(frozen=True)
class Setting:
    """One named parameter set of a model.

    Attributes
    ----------
    params : mapping
        Parameter values laid under the user's own (``--set`` and ``[params]`` win).
    summary : str
        What the setting is, in one line.
    source : str
        The benchmark that ran it and how it was chosen (validation data only).
    """

    params: Mapping[str, Any] = field(default_factory=dict)
    summary: str = ""
    source: str = ""

    def __post_init__(self) -> None:  # read-only: every caller gets setting_params' copy
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


_HEMERA_PAPER: dict[str, Any] = {
    "epochs": 10,
    "pretrain_epochs": 1,
    "patience": 3,
    "monitor": "loss",
    "min_epochs": 3,
    "lr": 1e-3,
    "batch_size": 32,
    "proj_init": 0.01,
    "proj_eps": 1e-3,
    "proj_l1": 1e-4,
}
_FUSION_COMMON: dict[str, Any] = {
    "dim": 16,
    "n_heads": 2,
    "max_features": 200,
    "init_C": 0.05,
    "weight_decay": 0.1,
    "dropout": 0.3,
    "feature_dropout": 0.1,
    "modality_dropout": 0.2,
    "epochs": 10,
    "val_size": 0.0,
}

#: model name -> setting name -> :class:`Setting`.
SETTINGS: dict[str, dict[str, Setting]] = {
    "attn_lstm": {
        "raindrop": Setting(
            {
                "epochs": 20,
                "patience": 4,
                "batch_size": 256,
                "lr": 0.01,
                "summary_branch": True,
                "summary_hidden": 64,
                "n_members": 3,
            },
            "a 3-seed ensemble with the summary branch, larger batches and learning rate",
            "benchmarks/physionet_raindrop.py: the last selection round's choice (best mean "
            "validation AUROC of its seed ensemble over the splits; test parts not read)",
        ),
    },
    "hain": {
        "long": Setting(
            {"epochs": 200, "patience": 200, "val_size": 0.0},
            "200 epochs without early stopping (on ~50 samples a 10% validation share is a "
            "handful)",
            "benchmarks/hain.py: per outer fold, this or the defaults, whichever scores "
            "higher on an inner split of the training fold",
        ),
    },
    "hemera": {
        "paper": Setting(
            _HEMERA_PAPER,
            "the paper's network as the benchmarks ran it: 1 MLM pre-training and 10 "
            "fine-tuning epochs, projection L1 1e-4 (the defaults)",
            "benchmarks/genotype_protocol.py and benchmarks/hemera.py: hemera_paper",
        ),
        "gated": Setting(
            {
                **_HEMERA_PAPER,
                "epochs": 8,
                "pretrain_epochs": 0,
                "min_epochs": 1,
                "batch_size": 64,
                "snp_gate": True,
                "gate_l1": 0.0,
                "gate_lr": 0.1,
                "init_C": 0.1,
            },
            "per-SNP gates started at an L1 logistic regression (binary labels), no pre-training",
            "benchmarks/genotype_protocol.py: hemera_gated, chosen among 6 candidates on "
            "validation phenotype seeds the protocol never scores",
        ),
    },
    "fusion": {
        "paper": Setting(
            {**_FUSION_COMMON, "lr": 1e-4},
            "the published configuration, started at a logistic regression",
            "benchmarks/fusion.py: fusion_paper (ROSMAP)",
        ),
        "attention": Setting(
            {
                **_FUSION_COMMON,
                "n_layers": 0,
                "use_cross": False,
                "finetune": "attention",
                "alpha_init": "probe",
                "attention_lr": 0.01,
            },
            "feature attention started at the regression's |coefficients|; only the "
            "attention trains",
            "benchmarks/fusion.py: fusion_attn, chosen by inner 3-fold CV on ROSMAP's "
            "training split",
        ),
    },
}


def setting_params(model: str, name: str) -> dict[str, Any]:
    """The parameters of setting ``name`` of ``model``.

    Parameters
    ----------
    model : str
        A registered model name (``--model``).
    name : str
        A key of ``SETTINGS[model]``; ``"defaults"`` is every model's own defaults.

    Returns
    -------
    dict
        A fresh copy, safe to update.

    Raises
    ------
    ConfigError
        When the model has no such setting (the message lists those it has).
    """
    known = SETTINGS.get(model, {})
    if name == "defaults":
        return {}
    if name not in known:
        choices = ", ".join(["defaults", *known])
        raise ConfigError(
            f"model {model!r} has no setting {name!r}; its settings: {choices} "
            "(docs/cli.md, 'Named settings')."
        )
    return dict(known[name].params)


def other_settings(model: str, used: str | None) -> dict[str, Setting]:
    """The named settings of ``model`` other than ``used`` (empty when it has none).

    What ``fit`` and the report list under a verdict that says the model does not earn
    its place.
    """
    return {k: s for k, s in SETTINGS.get(model, {}).items() if k != used}

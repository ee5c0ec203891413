"""Protocol constants and HEMERA settings of ``benchmarks/genotype_protocol.py``.

``genotype_protocol.main`` shortens ``PAPER`` and ``GATED`` in place for ``--quick``.
"""

from __future__ import annotations

from typing import Any

TOP = 0.01
LD_WINDOW, LD_R2 = 10, 0.5
#: The reproduction setting (``benchmarks/hemera.py`` reads it from here; its E/F settings
#: were chosen on validation splits there) and the gated option's fixed part.
PAPER: dict[str, Any] = {
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
GATED: dict[str, Any] = {**PAPER, "epochs": 8, "snp_gate": True, "pretrain_epochs": 0,
                         "batch_size": 64, "min_epochs": 1}  # fmt: skip
#: Phenotype seeds of the validation phase (never used by the protocol).
VAL_SEEDS = (100, 101)
#: Validation grid of the gated option: gates from 0 (the first two, the earlier grid),
#: or from an L1 logistic regression on the training dosages (``init_C``, a linear-probe
#: start: the untrained network predicts as that regression).
GRID: list[dict[str, Any]] = [
    {"gate_l1": 0.03, "gate_lr": 0.3, "init_C": None},
    {"gate_l1": 0.03, "gate_lr": 1.0, "init_C": None},
    {"gate_l1": 0.0, "gate_lr": 0.1, "init_C": 0.1},
    {"gate_l1": 0.0, "gate_lr": 0.1, "init_C": 1.0},
    {"gate_l1": 0.01, "gate_lr": 0.3, "init_C": 0.1},
    {"gate_l1": 0.01, "gate_lr": 0.3, "init_C": 1.0},
]

"""Protocol constants and HEMERA settings of ``benchmarks/genotype_protocol.py``.

``genotype_protocol.main`` shortens ``PAPER`` and ``GATED`` in place for ``--quick``.
"""

from __future__ import annotations

from typing import Any

from attnscope.estimators import setting_params

TOP = 0.01
LD_WINDOW, LD_R2 = 10, 0.5
#: The reproduction setting: the library's named setting ``hemera`` ``paper``
#: (``benchmarks/hemera.py`` reads it from here; its E/F settings were chosen on validation
#: splits there), so ``attnscope fit --setting paper`` is what these rows ran.
PAPER: dict[str, Any] = setting_params("hemera", "paper")
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
#: The gated option's fixed part: the library's ``gated`` setting without what ``GRID``
#: chooses (the validation's choice is that setting's; tests/test_settings.py checks it).
GATED: dict[str, Any] = {
    k: v for k, v in setting_params("hemera", "gated").items() if k not in GRID[0]
}

"""Simulated data with planted ground truth, deterministic by ``random_state``.

One simulator per modality; :data:`SIMULATORS` maps the modality names the CLI uses
(``attnscope simulate MODALITY``) to them. :func:`simulate_phenotype` adds a case-control
trait with known causal SNPs to any genotypes, real ones included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attnscope.sim._dna import simulate_dna
from attnscope.sim._expression import simulate_expression
from attnscope.sim._genotypes import simulate_genotypes
from attnscope.sim._multiomics import simulate_multiomics
from attnscope.sim._phenotype import simulate_phenotype
from attnscope.sim._timeseries import simulate_timeseries

__all__ = [
    "SIMULATORS",
    "simulate_dna",
    "simulate_expression",
    "simulate_genotypes",
    "simulate_multiomics",
    "simulate_phenotype",
    "simulate_timeseries",
]

#: Modality name -> simulator; each takes ``n_samples`` first and keyword-only options.
SIMULATORS: dict[str, Callable[..., Any]] = {
    "dna": simulate_dna,
    "expression": simulate_expression,
    "genotypes": simulate_genotypes,
    "timeseries": simulate_timeseries,
    "multiomics": simulate_multiomics,
}

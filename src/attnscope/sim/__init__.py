"""Simulated data with planted ground truth, deterministic by ``random_state``."""

from attnscope.sim._dna import simulate_dna

__all__ = ["simulate_dna"]

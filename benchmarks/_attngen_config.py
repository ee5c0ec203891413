"""Constants, model variants, tiers and per-tier settings of ``benchmarks/attngen.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CACHE = Path(__file__).resolve().parent / "cache" / "attngen"
ALPHAS = (0.0, 0.10, 0.20, 0.50, 0.75)
CURVE_M = (0, 1, 2, 5, 10, 20, 50)
METHODS = ("attention", "gradient", "input_x_gradient", "ig", "random")
LABEL_TO_METHOD = {"gradient": "gradient_norm"}
REAL = ("splice", "ctcf", "human_nontata_promoters", "arabidopsis_promoters")


def variant_name(alpha: float) -> str:
    return "cnn" if alpha == 0 else f"attngen_mask{alpha:.2f}"


# AttnGen parameters per variant (None: the foundation's CNNClassifier)
VARIANTS: dict[str, dict[str, Any] | None] = {
    **{variant_name(a): {"mask_ratio": a} for a in ALPHAS},
    "attngen_random_kl": {"mask_ratio": 0.1, "masking": "random"},
    "attngen_attn_nokl": {"mask_ratio": 0.1, "use_kl": False},
    "foundation_cnn": None,
}
# Two tiers: "main" compares the plain CNN, AttnGen alpha 0.10 and the baselines on more
# data and epochs (and carries every explanation figure); "sweep" is Table I / III over all
# variants on a smaller nucleotide budget.
TIERS: dict[str, dict[str, Any]] = {
    "main": {
        "variants": ["cnn", "attngen_mask0.10", "foundation_cnn"],
        "epochs": 15,
        "nt_budget": 400_000,
        "sim_samples": 6000,
        "analysis": "explain",
    },
    "sweep": {
        "variants": [v for v in VARIANTS if VARIANTS[v] is not None],
        "epochs": 5,
        "nt_budget": 128_000,
        "sim_samples": 1280,
        "analysis": "motifs",
    },
    "quick": {
        "variants": ["cnn", "attngen_mask0.10", "foundation_cnn"],
        "epochs": 3,
        "nt_budget": 120_000,
        "sim_samples": 600,
        "analysis": "explain",
    },
}


#: Motif analysis per variant (sweep tier): the explained class and what its pattern should be.
MOTIF_SITES = {"ctcf": ("bound", "MA0139.1"), "splice": ("EI", "GT")}


# -- data -------------------------------------------------------------------------------------
LOADERS = {
    "splice": ("load_splice", {}),
    "ctcf": ("load_ctcf", {"split": "test"}),
    "human_nontata_promoters": ("load_nontata_promoters", {}),
    "arabidopsis_promoters": ("load_arabidopsis_promoters", {}),
}


def tier_config(
    tier: str,
    n_seeds: int | None,
    epochs: int | None,
    nt_budget: int | None = None,
    n_motif: int = 500,
    leiden: int = 3,
) -> dict[str, Any]:
    base = TIERS[tier]
    n = n_seeds or (1 if tier == "quick" else 3)
    return {
        **base,
        "epochs": epochs or base["epochs"],
        "nt_budget": nt_budget or base["nt_budget"],
        "n_motif": n_motif,
        "leiden": leiden,
        "seeds": list(range(42, 42 + n)),
        "patience": 10,
        "n_explain": 100 if tier == "quick" else 200,
        "pwm_relative_threshold": 0.85,
        "subsample_rule": "real sets: at most nt_budget / length sequences (stratified, seed "
        "123); simulated: sim_samples sequences of 100 bp",
        "split": "stratified 70/10/20 (train_val_test_split, random_state=0) of the subsample",
    }

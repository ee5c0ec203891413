"""Results rows of ``benchmarks/attngen.py``: per-tier summaries over seeds, kept rows."""

from __future__ import annotations

from typing import Any

from _attngen_config import CURVE_M, METHODS, MOTIF_SITES, VARIANTS
from _common import load_results, row
from _motifs_patterns import CTCF_IDS


def val_chosen_rows(ds: str, recs: list[dict[str, Any]], tier: str) -> list[dict[str, Any]]:
    """AttnGen at its best documented setting, chosen per seed on the validation share.

    Among the AttnGen variants a unit trained, the one with the highest validation
    accuracy (ties: the first in VARIANTS order) gives that seed's test accuracy; the test
    share plays no part in the choice. Units written before validation accuracy was
    recorded give no row.
    """
    names = [v for v in VARIANTS if v.startswith("attngen") and v in recs[0]]
    if len(names) < 2 or not all("val_accuracy" in r[v] for r in recs for v in names):
        return []
    chosen = [max(names, key=lambda v, r=r: r[v]["val_accuracy"]) for r in recs]
    acc = [r[v]["accuracy"] for r, v in zip(recs, chosen)]
    val = [r[v]["val_accuracy"] for r, v in zip(recs, chosen)]
    return [
        row(
            ds,
            "attngen_val_chosen",
            "accuracy",
            acc,
            0.0,
            tier=tier,
            chosen=chosen,
            val_accuracy=val,
            rule="per seed, the AttnGen variant with the best validation accuracy",
        )
    ]


def summarise(per_dataset: dict[str, dict[int, dict[str, Any]]], tier: str) -> list[dict[str, Any]]:
    """Rows (mean/std over seeds) of one tier; curves and explanations of the main tier only."""
    rows: list[dict[str, Any]] = []
    for ds, units in per_dataset.items():
        recs = list(units.values())
        for v in [v for v in VARIANTS if v in recs[0]]:
            acc = [r[v]["accuracy"] for r in recs]
            secs = sum(r[v]["seconds"] for r in recs)
            epochs = [r[v]["epochs_run"] for r in recs]
            rows.append(row(ds, v, "accuracy", acc, secs, tier=tier, epochs_run=epochs))
            speed = [r[v]["train_seq_per_s"] for r in recs]
            rows.append(row(ds, v, "train_seq_per_s", speed, secs, tier=tier))
        rows += val_chosen_rows(ds, recs, tier)
        km = [r["kmer_lr"] for r in recs if "kmer_lr" in r]
        if km:
            acc = [k["accuracy"] for k in km]
            rows.append(row(ds, "kmer_lr", "accuracy", acc, km[0]["seconds"], tier=tier))
        if "motifs" in recs[0]:
            rows += motif_rows(ds, recs, tier)
        if tier == "sweep":
            continue
        for key in recs[0]["curves"]:
            model, ranking = key.split("|")
            for order in ("top", "random", "bottom"):
                for j, m in enumerate(CURVE_M):
                    vals = [r["curves"][key][order][j] for r in recs]
                    extra = {"ranking": ranking, "order": order, "m": m}
                    rows.append(row(ds, model, "masked_accuracy", vals, 0.0, tier=tier, **extra))
        for method in METHODS:
            ex = [r["explain"][method] for r in recs]
            for metric in ex[0]:
                name = f"explain_{method}"
                if metric == "jaspar_best":
                    # share of seeds whose best JASPAR match is CTCF (MA0139.1) or CTCFL
                    best = [e[metric] for e in ex]
                    is_ctcf = [float(b.split()[0] in CTCF_IDS) for b in best]
                    rows.append(
                        row(
                            ds,
                            name,
                            "jaspar_best_is_ctcf",
                            is_ctcf,
                            0.0,
                            tier=tier,
                            best_matches=best,
                        )
                    )
                    continue
                rows.append(row(ds, name, metric, [e[metric] for e in ex], 0.0, tier=tier))
    return rows


def motif_rows(ds: str, recs: list[dict[str, Any]], tier: str) -> list[dict[str, Any]]:
    """Per variant, over seeds: did the top pattern hit the site (CTCF: MA0139.1 or CTCFL
    with q < 0.05; splice: GT in the consensus), with the matches, q-values and seqlets."""
    rows = []
    for v in recs[0]["motifs"]:
        per = [r["motifs"][v] for r in recs if v in r.get("motifs", {})]
        secs = sum(m["seconds"] for m in per)
        common = {
            "tier": tier,
            "best": [m["best"] for m in per],
            "q": [m["q"] for m in per],
            "seqlets": [m["seqlets"] for m in per],
            "consensus": [m["consensus"] for m in per],
            "strongest": [m["strongest"] for m in per],
            "n_explained": per[0]["n_explained"],
        }
        if ds == "ctcf":
            hit = [float(m["best"].startswith(CTCF_IDS) and m["q"] < 0.05) for m in per]
            rows.append(row(ds, v, "top_pattern_is_ctcf_q05", hit, secs, **common))
            anyq = [float(m["ctcf_q"] < 0.05) for m in per]
            rows.append(
                row(
                    ds,
                    v,
                    "any_pattern_ctcf_q05",
                    anyq,
                    0.0,
                    tier=tier,
                    ctcf_q=[m["ctcf_q"] for m in per],
                    rank_ctcf=[m["rank_ctcf"] for m in per],
                )
            )
        else:
            site = MOTIF_SITES[ds][1]
            hit = [float(site in m["consensus"]) for m in per]
            rows.append(row(ds, v, f"top_pattern_has_{site}", hit, secs, **common))
    return rows


def keep_earlier(
    rows: list[dict[str, Any]], config: dict[str, Any], plans: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Add the earlier file's rows of (tier, data set) pairs this run has no unit of.

    They keep their own provenance (or the 'unrecorded' mark); the tier's config records
    them under ``kept_from_earlier`` with that run's budget.
    """
    try:
        old = load_results("attngen")
    except (OSError, ValueError):
        return rows, config
    done = {(r.get("tier"), r["dataset"]) for r in rows}
    kept = [r for r in old["rows"] if (r.get("tier"), r["dataset"]) not in done]
    config = dict(config)
    for tier, cfg in old.get("config", {}).items():
        names = sorted({r["dataset"] for r in kept if r.get("tier") == tier})
        if not names:
            continue
        if tier not in config:
            config[tier] = cfg
            continue
        earlier = cfg.get("kept_from_earlier") or {}
        if set(names) <= set(earlier.get("datasets", [])):
            cfg = earlier  # rows the old file itself kept: their own run's budget, not its own
        budget = {k: cfg.get(k) for k in ("epochs", "nt_budget", "sim_samples", "seeds")}
        config[tier] = {
            **config[tier],
            "kept_from_earlier": {
                "datasets": names,
                **budget,
                "data_sources": {n: cfg.get("data_sources", {}).get(n) for n in names},
                "seeds_run": {n: cfg.get("seeds_run", {}).get(n) for n in names},
                "provenance": cfg.get("provenance", "see the rows' commit/run_id or origin"),
            },
        }
    return kept + rows, config

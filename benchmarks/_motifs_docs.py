"""Docs section of ``benchmarks/motifs.py`` (rendered by ``benchmarks/readme.py``)."""

from __future__ import annotations

from typing import Any

from _motifs_patterns import METHODS

__all__ = ["markdown"]


def markdown(results: dict[str, Any]) -> str:
    """README section: the top pattern per seed and method (CTCF) and per class (splice)."""
    cfg = results.get("config", {})
    detail = results.get("detail", {})
    ctcf_d = detail.get("ctcf", {})
    seeds = ctcf_d.get("seeds", {})
    out = [
        "## Motifs from attributions: TF-MoDISco + Tomtom vs JASPAR (issue 17)",
        "",
        f"CTCF: per seed ({len(seeds)} seeds), a CNN trained on {ctcf_d.get('n_train', '?')} "
        f"sequences ({cfg.get('epochs', '?')} epochs); {ctcf_d.get('n_explain', '?')} unseen "
        "bound sequences explained by hypothetical contributions; `discover_motifs` "
        f"(modisco-lite, {cfg.get('leiden', '?')} Leiden restarts) names each pattern by "
        "Tomtom against 746 JASPAR 2020 vertebrate matrices (q: Benjamini-Hochberg). "
        "Target: the top pattern is MA0139.1 (CTCF) with q < 0.05 for every gradient method "
        "and seed; random scores give no pattern matching CTCF/CTCFL with q < 0.05. "
        "Splice: one CNN; all EI (donor) and IE (acceptor) sequences explained for their own "
        "class; target: the top pattern holds GT (EI) and AG (IE); 'strongest' is the "
        "dinucleotide of the two adjacent positions with the largest |CWM|.",
        "",
        "| data | seed / class | method | test acc | patterns | top seqlets | top consensus "
        "| strongest | best match | q-value | best CTCF q (any pattern) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for seed, rec in seeds.items():
        for method in METHODS:
            m = rec.get(method)
            if m is None:
                continue
            out.append(
                f"| CTCF | {seed} | {method} | {rec['accuracy']:.3f} | {m['n_patterns']} | "
                f"{m['top_seqlets']} | {m['top_consensus'] or '-'} | "
                f"{m.get('top_strongest_dinucleotide') or '-'} | {m['best_match']} | "
                f"{m['best_q']:.2g} | {m['ctcf_q']:.2g} |"
            )
    spl = detail.get("splice", {})
    for cls in ("EI", "IE"):
        m = spl.get(cls)
        if m is None:
            continue
        out.append(
            f"| splice | {cls} ({m['site']}) | hypothetical_gradient | {spl['accuracy']:.3f} | "
            f"{m['n_patterns']} | {m['top_seqlets']} | {m['top_consensus'] or '-'} | "
            f"{m.get('top_strongest_dinucleotide') or '-'} | {m['best_match']} | "
            f"{m['best_q']:.2g} | - |"
        )
    hits = [
        r
        for r in results.get("rows", [])
        if r["metric"] in ("top_pattern_is_ctcf_q05", "any_pattern_ctcf_q05")
    ]
    if hits:
        out += ["", "Share of seeds meeting the CTCF criteria:", ""]
        out += [f"- {r['variant']}: {r['metric']} = {r['mean']:.2f} (n = {r['n']})" for r in hits]
    timing = ctcf_d.get("attnscope_motifs")
    if timing:
        load_txt = (
            f" (machine load average {timing['load_average']:.1f} on 2 cores)"
            if "load_average" in timing
            else ""
        )
        origin = timing.get("origin")
        origin_txt = (
            f" Measured by an earlier run (`{origin['command']}`, commit "
            f"{str(origin['commit'])[:7]}), not re-timed by this one."
            if origin
            else ""
        )
        out += [
            "",
            f"`attnscope motifs` path (attribution + discovery + table and logos) on "
            f"{timing['n_sequences']} CTCF sequences: {timing['seconds_total']:.0f} s on 2 "
            f"CPU threads{load_txt}; top pattern {timing['best_match']} "
            f"(q = {timing['best_q']:.2g}, {timing['top_seqlets']} seqlets).{origin_txt}",
        ]
    out += ["", "Sources: " + "; ".join(results.get("sources", [])) + "."]
    return "\n".join(out) + "\n"

"""Model-specific views: optional hooks into ``attnscope.pl`` and PNGs in ``RUN/plots``.

Plot functions are looked up by name in :mod:`attnscope.pl` (``getattr`` with a
fallback), so the report works whether or not a model's plot module is installed;
a view whose inputs are missing (no data, no attribution file) is left out.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.errors import AttnscopeWarning, ConfigError, DataError
from attnscope.report._context import RunContext
from attnscope.report._html import Section, esc, figure_html, png_html, table_html
from attnscope.report._motifs import motif_views

__all__ = ["VIEWS", "model_views_section", "pl_function"]

#: Methods that are not per-feature attributions (drawn by their own views).
_NOT_FEATURES = ("random", "prototypes", "cross_attention")


def pl_function(name: str) -> Callable[..., Any] | None:
    """``attnscope.pl.<name>``, or None when the plot module has no such function."""
    from attnscope import pl

    fn = getattr(pl, name, None)
    return fn if callable(fn) else None


def _feature_attrs(ctx: RunContext, n_features: int) -> dict[str, Any]:
    """Attributions with one value per feature (flat) and sample ids."""
    return {
        k: a
        for k, a in ctx.attributions.items()
        if a.method not in _NOT_FEATURES
        and a.sample_ids is not None
        and int(np.prod(np.asarray(a.values).shape[1:])) == n_features
    }


def sequence_views(ctx: RunContext) -> list[str]:
    """Interactive saliency tracks (every saved method, one sequence per class) and a logo."""
    from attnscope.pl._interactive import tracks_figure
    from attnscope.report._html import plotly_html

    logo = pl_function("attribution_logo")
    # the explained sequences are saved with each attribution (``inputs["tokens"]``)
    attrs = {
        k: a
        for k, a in ctx.attributions.items()
        if "tokens" in a.inputs
        and a.method not in _NOT_FEATURES
        and np.asarray(a.values).shape == np.asarray(a.inputs["tokens"]).shape
    }
    if not attrs:
        return []
    order = ctx.view_attributions(list(attrs))[:4]
    lead = attrs[order[0]]
    tokens = np.asarray(lead.inputs["tokens"])
    lut = np.array(list("-ACGTN"))
    truth = lead.inputs.get("truth")
    out: list[str] = []
    ids = np.asarray(lead.sample_ids).astype(str)
    for c in np.unique(lead.target)[:3]:
        i = int(np.flatnonzero(lead.target == c)[0])
        tracks = {}
        for key in order:
            rows = np.flatnonzero(np.asarray(attrs[key].sample_ids).astype(str) == ids[i])
            if rows.size:
                tracks[key] = np.asarray(attrs[key].values[rows[0]], dtype=float)
        name = ctx.classes[int(c)] if int(c) < len(ctx.classes) else str(c)
        seq = "".join(lut[np.clip(tokens[i].astype(np.int64), 0, 5)])
        fig = tracks_figure(
            tracks,
            sequence=seq,
            truth=truth[i] if truth is not None and np.asarray(truth).ndim == 2 else None,
            title=f"{ids[i]} · explained class {name}",
        )
        note = " (grey: planted motif)" if truth is not None else ""
        out.append(
            plotly_html(
                fig,
                f"{ids[i]}: attribution along the sequence, {', '.join(tracks)}{note}; "
                "drag to zoom, hover for the base",
            )
        )
    if logo is not None and lead.method != "attention":  # flat weights make no logo
        i = int(np.flatnonzero(lead.target == lead.target[0])[0])
        vals = np.asarray(lead.values[i], dtype=float)
        centre = int(np.argmax(np.abs(vals)))
        start = max(0, min(centre - 15, vals.size - 30))
        try:
            ax = logo(lead, tokens[i], index=i, start=start, stop=min(vals.size, start + 30))
        except (DataError, ValueError) as exc:
            warnings.warn(f"logo not drawn: {exc}", AttnscopeWarning, stacklevel=2)
        else:
            ax.set_title(f"{order[0]}: {ids[i]}, positions {start}-{start + 29}", fontsize=9)
            out.append(
                figure_html(
                    ax, f"{order[0]}: logo of the strongest window (letter height = attribution)"
                )
            )
    return out


def _known(attr: Any, n: int) -> np.ndarray | None:
    """Known loci of a genotype attribution: ``meta["known_loci"]`` (SNP ids or indices)
    or planted causal SNPs (``inputs["truth"]``, per SNP or per sample x SNP)."""
    known = attr.meta.get("known_loci")
    if known:
        ids = np.asarray(attr.inputs.get("snp_ids", np.arange(n).astype(str))).astype(str)
        wanted = np.asarray(known).astype(str)
        return np.flatnonzero(np.isin(ids, wanted) | np.isin(np.arange(n).astype(str), wanted))
    truth = attr.inputs.get("truth")
    if truth is not None and np.asarray(truth).shape[-1] == n:
        t = np.asarray(truth).astype(bool)
        return np.flatnonzero(t if t.ndim == 1 else t.any(axis=0))
    return None


def genotype_views(ctx: RunContext) -> list[str]:
    """Interactive Manhattan plot (known loci marked) and the top-SNP table (genotypes)."""
    from attnscope.pl._attribution import class_importance
    from attnscope.pl._interactive import manhattan_figure
    from attnscope.report._html import plotly_html

    # SNP coordinates are saved with each attribution (``inputs["chromosomes"]`` ...)
    attrs = {
        k: a
        for k, a in ctx.attributions.items()
        if "chromosomes" in a.inputs and a.method not in _NOT_FEATURES
    }
    out: list[str] = []
    for key in ctx.view_attributions(list(attrs))[:2]:
        attr = attrs[key]
        chrom = np.asarray(attr.inputs["chromosomes"]).astype(str)
        positions = np.asarray(attr.inputs["positions"])
        n = int(chrom.size)
        if int(np.prod(np.asarray(attr.values).shape[1:])) != n:
            continue
        imp = np.abs(np.asarray(attr.values, dtype=float).reshape(attr.n_samples, -1)).mean(axis=0)
        top = np.argsort(-imp, kind="stable")[:20]
        ids = np.asarray(attr.inputs.get("snp_ids", np.arange(n).astype(str))).astype(str)
        known = _known(attr, n)
        fig = manhattan_figure(imp, chrom, positions, labels=ids, known=known, highlight=top)
        cap = f"{key}: mean |attribution| per SNP along the genome (red: top 20"
        cap += f"; diamonds: {known.size} known loci)" if known is not None else ")"
        out.append(plotly_html(fig, cap + "; zoom into a chromosome, hover for the SNP"))
        per_class = class_importance(attr, n_classes=max(len(ctx.classes), 1))
        rows = [
            (
                r,
                ids[j],
                str(chrom[j]),
                int(positions[j]),
                float(imp[j]),
                *(float(per_class[c, j]) for c in range(per_class.shape[0])),
            )
            for r, j in enumerate(top, start=1)
        ]
        cols = [
            "rank",
            "SNP",
            "chromosome",
            "position",
            "mean |attribution|",
            *(f"class {c}" for c in ctx.classes[: per_class.shape[0]]),
        ]
        out.append(table_html(cols[: len(rows[0])], rows, caption=f"{key}: top 20 SNPs"))
    return out


#: Gene sets listed per enrichment table (the rest are in enrichment/<method>.json).
ENRICHED_SHOWN = 25


def _genes(value: list[str]) -> str:
    return ", ".join(value[:12]) + (f" … (+{len(value) - 12})" if len(value) > 12 else "")


def expression_views(ctx: RunContext) -> list[str]:
    """Gene-set enrichment of each table attribution's top genes (``enrichment/*.json``)."""
    from attnscope.report._heat import is_tabular

    if (ctx.metrics.get("data") or {}).get("modality", "tabular") != "tabular":
        return []  # multi-omics: explain computes no enrichment (features are not genes)
    keys = ctx.view_attributions(
        [k for k, a in ctx.attributions.items() if a.method not in _NOT_FEATURES and is_tabular(a)]
    )
    if not keys:
        return []
    out: list[str] = []
    for key in keys:
        result = ctx.enrichment.get(key)
        if not result:
            continue
        source = Path(str(result.get("gene_sets", "gene sets"))).name
        if not result.get("rows"):
            note = result.get("note", "no gene set was tested")
            out.append(f'<p class="note">{esc(key)}: {esc(note)}</p>')
            continue
        rows = [
            (
                r["set"],
                int(r["size"]),
                int(r["overlap"]),
                float(r["expected"]),
                float(r["p_value"]),
                float(r["fdr"]),
                _genes(list(r["genes"])),
            )
            for r in result["rows"][:ENRICHED_SHOWN]
        ]
        note = (
            f"{key}: are the top {result['k']} genes (by mean |attribution|) enriched in any "
            f"of the {result['n_tested']} gene sets of {source} that have 3 or more of the "
            f"model's {result['universe']} genes (the universe)? p: one-sided Fisher exact / "
            "hypergeometric test; q: Benjamini-Hochberg over the sets tested"
        )
        shown = min(ENRICHED_SHOWN, len(result["rows"]))
        caption = f"{key}: the {shown} sets with the smallest p"
        out.append(f'<p class="note">{esc(note)}.</p>')
        out.append(
            table_html(
                ["gene set", "size", "overlap", "expected", "p", "q", "genes"],
                rows,
                caption=caption,
                table_id=f"enrichment-{key}",
                cell_class=lambda col, _v: "genes" if col == "genes" else "",
            )
        )
    if not out:
        out.append(
            '<p class="note" id="no-gene-sets">No gene sets: this run was explained without '
            "a gene-set file, so the top genes were not tested for enrichment (attnscope "
            "explain RUN DATA --gene-sets FILE.gmt adds it).</p>"
        )
    return out


def hain_views(ctx: RunContext) -> list[str]:
    """Pathway attention heat map and prototype similarities (HAIN)."""
    out: list[str] = []
    heat, proto = pl_function("pathway_attention_heatmap"), pl_function("prototype_view")
    for key, attr in ctx.attributions.items():
        meta = attr.meta
        if heat is not None and meta.get("pathway_attention") and meta.get("pathway_names"):
            names = [ctx.classes[t] if t < len(ctx.classes) else str(t) for t in attr.target]
            ax = heat(
                np.asarray(meta["pathway_attention"], dtype=float),
                pathway_names=meta["pathway_names"],
                labels=names,
            )
            out.append(figure_html(ax, f"{key}: pathway attention β per sample (top pathways)"))
        if proto is not None and meta.get("prototype_ids") and meta.get("prototype_classes"):
            ax = proto(
                attr.values,
                prototype_ids=meta["prototype_ids"],
                prototype_classes=meta["prototype_classes"],
                sample_ids=attr.sample_ids,
            )
            out.append(figure_html(ax, f"{key}: similarity of each sample to each prototype"))
    return out


def fusion_views(ctx: RunContext) -> list[str]:
    """Cross-attention maps (fusion); modality weights appear with the attributions."""
    from attnscope.pl._attribution import attention_matrix

    out: list[str] = []
    for key, attr in ctx.attributions.items():
        if attr.method != "cross_attention" and "row_names" not in attr.meta:
            continue
        values = np.asarray(attr.values, dtype=float)
        if values.ndim != 3:
            continue
        rows, cols = attr.meta.get("row_names"), attr.meta.get("col_names")
        ax = attention_matrix(
            values,
            row_names=rows if rows and len(rows) == values.shape[1] else None,
            col_names=cols if cols and len(cols) == values.shape[2] else None,
            title=f"{key}: {attr.meta.get('pair', '')}",
        )
        out.append(
            figure_html(ax, f"{key}: cross-attention averaged over {attr.n_samples} samples")
        )
    return out


def saved_plots(ctx: RunContext) -> list[str]:
    """PNG files already in ``RUN/plots`` (e.g. from a consistency study), by file name."""
    from attnscope.report._consistency import CONSISTENCY_PLOTS

    # a study in the run itself is drawn interactively (section "consistency")
    replaced = CONSISTENCY_PLOTS if ctx.consistency.get("_folder") == str(ctx.run) else ()
    out = []
    for png in sorted((ctx.run / "plots").glob("*.png")):
        if png.name in replaced:
            continue
        data = png.read_bytes()
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            out.append(png_html(data, png.name))
    return out


#: (title, builder) for every model-specific view.
VIEWS: tuple[tuple[str, Callable[[RunContext], list[str]]], ...] = (
    ("Motifs (RUN/motifs/patterns.json)", motif_views),
    ("Sequence saliency and logos", sequence_views),
    ("Genome-wide SNP attribution", genotype_views),
    ("Gene-set enrichment of the top genes", expression_views),
    ("Pathways and prototypes", hain_views),
    ("Cross-attention between modalities", fusion_views),
    ("Saved plots (RUN/plots)", saved_plots),
)


def model_views_section(ctx: RunContext) -> Section | None:
    """Every view that has its inputs; a failing view is noted, never fatal."""
    parts: list[str] = []
    for title, build in VIEWS:
        try:
            items = build(ctx)
        except (DataError, ConfigError, ValueError, KeyError, IndexError, OSError) as exc:
            warnings.warn(f"report view {title!r} failed: {exc}", AttnscopeWarning, stacklevel=2)
            ctx.notes.append(f"view {title!r} could not be drawn ({type(exc).__name__}: {exc}).")
            continue
        if items:
            figs = [i for i in items if i.startswith("<figure") and "plotly" not in i[:30]]
            other = [i for i in items if i not in figs]
            parts.append(f"<h3>{esc(title)}</h3>")
            parts.append(f'<div class="grid">{"".join(figs)}</div>' + "".join(other))
    if not parts:
        return None
    return Section("views", f"Model views ({ctx.model_name})", "".join(parts))

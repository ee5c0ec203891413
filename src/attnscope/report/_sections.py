"""The report's sections that every model has; each returns None when it has no data."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from attnscope.report._context import RunContext
from attnscope.report._html import Section, esc, figure_html, fmt, table_html
from attnscope.trust._table import TRUST_COLUMNS

__all__ = [
    "attention_section",
    "attributions_section",
    "config_section",
    "data_section",
    "overview_section",
    "performance_section",
    "trust_section",
]

#: Attribution files drawn as model views, not as per-feature attributions.
VIEW_METHODS = ("prototypes", "cross_attention")

#: A method beats random on deletion when its AUC is lower by more than this.
DELETION_MARGIN = 0.01

_METRIC_ORDER = ("accuracy", "balanced_accuracy", "auroc", "auprc", "f1_macro", "f1_weighted")


def _test_metrics(ctx: RunContext) -> dict[str, Any]:
    return dict(ctx.metrics.get("test") or {})


def overview_section(ctx: RunContext) -> Section:
    """Key figures as tiles and one sentence on what the run is."""
    test = _test_metrics(ctx) or dict(ctx.metrics.get("evaluate") or {})
    tiles = []
    for key in ("accuracy", "auroc", "auprc"):
        if isinstance(test.get(key), int | float):
            tiles.append((fmt(float(test[key])), f"test {key}"))
    if ctx.summary.get("precision_at_k") is not None:
        tiles.append(
            (
                fmt(float(ctx.summary["precision_at_k"])),
                f"precision@{ctx.summary.get('k', 'k')} of the explanation "
                f"(random {fmt(float(ctx.summary.get('random_precision_at_k', math.nan)))})",
            )
        )
    tiles.append((str(len(ctx.attributions)), "attribution files"))
    if ctx.trust.get("rows"):
        tiles.append((str(len(ctx.trust["rows"])), "methods in the trust table"))
    html = "".join(
        f'<div class="tile"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for v, k in tiles
    )
    classes = ", ".join(ctx.classes) or "unknown classes"
    lead = (
        f"A <b>{esc(ctx.model_name)}</b> model classifying {esc(classes)}; run directory "
        f"<code>{esc(ctx.run.resolve())}</code>."
    )
    return Section(
        "overview", "Overview", f'<p class="lead">{lead}</p><div class="tiles">{html}</div>'
    )


def data_section(ctx: RunContext) -> Section | None:
    """Samples, features, classes (with counts) and the split."""
    rows: list[tuple[str, Any]] = []
    described = dict(ctx.metrics.get("data") or {})
    if described.get("modality"):
        rows.append(("modality", described["modality"]))
    n_samples = described.get("n_samples")
    if n_samples is not None:
        rows.append(("samples", int(n_samples)))
    n_features = None
    for key in ("n_features", "length", "n_snps"):
        if isinstance(described.get(key), int):
            n_features = int(described[key])
            break
    if n_features is None and ctx.attributions:
        first = next(iter(ctx.attributions.values()))
        n_features = int(np.prod(np.asarray(first.values).shape[1:]))
    if n_features is not None:
        rows.append(("features", n_features))
    if ctx.classes:
        rows.append(("classes", len(ctx.classes)))
    split = {k: len(v) for k, v in ctx.split.items() if isinstance(v, list) and v}
    for key in ("n_train", "n_test"):
        value = ctx.metrics.get(key, ctx.summary.get(key))
        if value is not None and key[2:] not in split:
            split[key[2:]] = int(value)
    if split:
        rows.append(("split", ", ".join(f"{k} {v}" for k, v in split.items())))
    if "has_truth" in described:
        rows.append(("ground truth", "planted (simulated)" if described["has_truth"] else "none"))
    if not rows:
        return None
    body = '<div class="grid">' + table_html(["", "value"], rows, sortable=False)
    counts = described.get("class_counts") or {}
    if counts:
        total = sum(counts.values()) or 1
        body += table_html(
            ["class", "samples", "share"],
            [(c, int(n), n / total) for c, n in counts.items()],
            caption="samples per class (whole data set)",
        )
    return Section("data", "Data", body + "</div>")


def performance_section(ctx: RunContext) -> Section | None:
    """Metric table, confusion matrix, ROC/PR curves and the training history."""
    from attnscope.pl._metrics import confusion_heatmap, pr_curve, roc_curve, training_history

    parts: list[str] = []
    tables = {k: dict(ctx.metrics.get(k) or {}) for k in ("test", "evaluate")}
    tables = {k: v for k, v in tables.items() if v}
    if tables:
        names = [m for m in _METRIC_ORDER if any(m in t for t in tables.values())]
        rows = [
            (
                m,
                *(
                    float(t[m]) if isinstance(t.get(m), int | float) else None
                    for t in tables.values()
                ),
            )
            for m in names
        ]
        cols = ["metric", *(f"{k} ({t.get('n_samples', '?')} samples)" for k, t in tables.items())]
        parts.append(table_html(cols, rows, caption="predictive metrics"))
        parts.append(
            '<p class="note">AUROC and AUPRC are one-vs-rest macro averages when there are '
            "more than two classes.</p>"
        )
    figs: list[str] = []
    for key, table in tables.items():
        cm = table.get("confusion_matrix")
        if cm:
            classes = table.get("classes") or ctx.classes or None
            ax = confusion_heatmap(cm, class_names=classes)
            figs.append(figure_html(ax, f"confusion matrix ({key}): rows true, columns predicted"))
    scores = ctx.test_scores
    if scores is not None:
        classes = ctx.classes or None
        ax = roc_curve(scores.y_true, scores.proba, class_names=classes)
        figs.append(figure_html(ax, f"ROC curve: {scores.source}"))
        ax = pr_curve(scores.y_true, scores.proba, class_names=classes)
        figs.append(figure_html(ax, f"precision-recall curve: {scores.source}"))
    if figs:
        parts.append(f'<div class="grid three">{"".join(figs)}</div>')
        figs = []
    if ctx.history.get("epochs"):
        ax = training_history(ctx.history)
        best = ctx.history.get("best_epoch")
        cap = "losses and validation metrics per epoch"
        if isinstance(best, int):
            cap += f"; the weights of epoch {best + 1} were kept"
        figs.append(figure_html(ax, cap))
    if figs:
        parts.append(f'<div class="grid">{"".join(figs)}</div>')
    if not parts:
        return None
    return Section("performance", "Predictive performance", "".join(parts))


def _class_names(ctx: RunContext, n: int) -> list[str]:
    names = list(ctx.classes)
    return names if len(names) >= n else [*names, *(str(i) for i in range(len(names), n))]


def _top_table(ctx: RunContext, attrs: dict[str, Any], k: int = 10) -> str:
    from attnscope.pl._attribution import class_importance, feature_labels

    rows = []
    for method, attr in attrs.items():
        n = max(len(ctx.classes), int(np.asarray(attr.target).max(initial=-1)) + 1)
        imp = class_importance(attr, n_classes=n)
        labels = feature_labels(attr)
        names = _class_names(ctx, n)
        for c in range(n):
            if not np.isfinite(imp[c]).any():
                continue
            order = np.argsort(-np.nan_to_num(imp[c], nan=-np.inf), kind="stable")[:k]
            for rank, j in enumerate(order, start=1):
                rows.append((method, names[c], rank, str(labels[j]), float(imp[c, j])))
    return table_html(
        ["method", "class", "rank", "feature", "mean |attribution|"],
        rows,
        caption=f"top {k} features per class and method (click a header to sort)",
    )


def attention_section(ctx: RunContext) -> Section | None:
    """The model's own attention at each level saved in attributions/ (method attention)."""
    from attnscope.pl._attribution import attribution_heatmap, top_features_per_class

    attrs = {k: a for k, a in ctx.attributions.items() if a.method == "attention"}
    if not attrs:
        return None
    parts = []
    for stem, attr in attrs.items():
        level = attr.meta.get("level") or stem
        levels = attr.meta.get("levels") or []
        parts.append(f"<h3>attention level: {esc(level)}</h3>")
        if levels:
            parts.append(f'<p class="note">levels the model exposes: {esc(", ".join(levels))}</p>')
        names = _class_names(ctx, int(np.asarray(attr.target).max(initial=-1)) + 1)
        heat = attribution_heatmap(attr, class_names=names)
        bars = top_features_per_class({f"attention ({level})": attr}, class_names=names)
        parts.append(
            '<div class="grid">'
            + figure_html(heat, f"attention weights ({level}), samples x features")
            + figure_html(bars, f"features with the most attention ({level}) per predicted class")
            + "</div>"
        )
    return Section("attention", "Attention", "".join(parts))


def attributions_section(ctx: RunContext) -> Section | None:
    """Top features per class for every attribution method, and a samples x features map."""
    from attnscope.pl._attribution import attribution_heatmap, top_features_per_class

    attrs = {k: a for k, a in ctx.attributions.items() if a.method not in VIEW_METHODS}
    if not attrs:
        return None
    n = max(int(np.asarray(a.target).max(initial=-1)) + 1 for a in attrs.values())
    names = _class_names(ctx, n)
    intro = (
        '<p class="note">Each bar is the mean absolute attribution of a feature over the '
        "samples explained for that class. Methods: "
        + esc(
            ", ".join(f"{k} ({a.n_samples} samples, {a.seconds:.1f} s)" for k, a in attrs.items())
        )
        + ".</p>"
    )
    shown = dict(list(attrs.items())[:6])
    fig = top_features_per_class(shown, class_names=names)
    caption = "top features per class (rows: methods)"
    if len(shown) < len(attrs):
        caption += f"; the first {len(shown)} of {len(attrs)} methods, all are in the table"
    parts = [intro, figure_html(fig, caption)]
    heat = [
        figure_html(attribution_heatmap(a, class_names=names), f"{k}: samples x features")
        for k, a in attrs.items()
        if a.method != "attention"
    ][:4]
    if heat:
        parts.append(f'<div class="grid">{"".join(heat)}</div>')
    parts.append(
        "<details><summary>table of the top features per class and method (sortable)"
        f"</summary>{_top_table(ctx, attrs)}</details>"
    )
    return Section("attributions", "Attributions", "".join(parts))


# Every trust-table column except bookkeeping, so a new metric reaches the report by itself.
_TRUST_SHOWN = tuple(c for c in TRUST_COLUMNS if c not in ("status", "seconds"))


def trust_sentences(rows: list[dict[str, Any]]) -> list[str]:
    """Plain sentences on what a trust table says (which methods pass which check)."""
    ok = [r for r in rows if str(r.get("status", "ok")) == "ok"]
    out: list[str] = []
    real = [r for r in ok if r.get("method") != "random"]
    passed = [r["method"] for r in real if r.get("sanity_pass") is True]
    failed = [r["method"] for r in real if r.get("sanity_pass") is False]
    if passed or failed:
        out.append(
            "Sanity check (explanations must change when the model's weights are randomised): "
            + (f"passed by {', '.join(passed)}" if passed else "passed by no method")
            + (
                f"; failed by {', '.join(failed)}, whose maps may reflect the input rather than "
                "what the model learned"
                if failed
                else ""
            )
            + "."
        )
    lab_pass = [r["method"] for r in real if r.get("label_pass") is True]
    lab_fail = [r["method"] for r in real if r.get("label_pass") is False]
    if lab_pass or lab_fail:
        out.append(
            "Label randomisation (a model trained on shuffled labels must give different "
            "maps): "
            + (f"passed by {', '.join(lab_pass)}" if lab_pass else "passed by no method")
            + (f"; failed by {', '.join(lab_fail)}" if lab_fail else "")
            + "."
        )
    base = next((r for r in ok if r.get("method") == "random"), None)
    if base is not None and _num(base.get("deletion_auc")) is not None:
        floor = float(base["deletion_auc"])
        scored = [(r["method"], _num(r.get("deletion_auc"))) for r in real]
        better = [m for m, d in scored if d is not None and d < floor - DELETION_MARGIN]
        worse = [m for m, d in scored if d is not None and d >= floor - DELETION_MARGIN]
        out.append(
            f"Deletion (removing the top-ranked features first should drop the score faster "
            f"than removing random ones, whose area is {floor:.3f}; lower is better): "
            + (f"{', '.join(better)} beat random" if better else "no method beats random")
            + (f"; {', '.join(worse)} do no better than random" if worse else "")
            + f" (margin {DELETION_MARGIN})."
        )
    truth = [r for r in real if _num(r.get("precision_at_k")) is not None]
    if truth:
        best = max(truth, key=lambda r: float(r["precision_at_k"]))
        rnd = _num(best.get("random_precision"))
        out.append(
            f"Ground truth: {best['method']} recovers the planted signal best "
            f"(precision@k {float(best['precision_at_k']):.3f}"
            + (f" against {rnd:.3f} for a random ranking" if rnd is not None else "")
            + ")."
        )
    timed = [r for r in real if _num(r.get("seconds_per_sample")) is not None]
    if timed:
        fast = min(timed, key=lambda r: float(r["seconds_per_sample"]))
        slow = max(timed, key=lambda r: float(r["seconds_per_sample"]))
        out.append(
            f"Cost: from {float(fast['seconds_per_sample']) * 1e3:.2f} ms per sample "
            f"({fast['method']}) to {float(slow['seconds_per_sample']) * 1e3:.2f} ms "
            f"({slow['method']})."
        )
    return out


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if math.isnan(float(value)) else float(value)


def trust_section(ctx: RunContext) -> Section | None:
    """The trust table of ``trust.json`` with a plain reading of it."""
    rows = [r for r in ctx.trust.get("rows") or [] if isinstance(r, dict)]
    if not rows:
        return None
    ok = [r for r in rows if str(r.get("status", "ok")) == "ok"]
    skipped = [r for r in rows if str(r.get("status", "ok")) != "ok"]
    cols = [c for c in _TRUST_SHOWN if any(c in r for r in ok)]
    sentences = trust_sentences(rows)
    body = "".join(f'<p class="lead">{esc(s)}</p>' for s in sentences[:1])
    if len(sentences) > 1:
        body += "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences[1:]) + "</ul>"

    def _cls(col: str, value: Any) -> str:
        if col in ("sanity_pass", "label_pass") and isinstance(value, bool):
            return "pass" if value else "fail"
        return ""

    n = ctx.trust.get("n_samples")
    body += (
        '<p class="note">Deletion AUC and sufficiency: lower is better. Insertion AUC, '
        "comprehensiveness and truth recovery (precision_at_k, auroc, auprc): higher is "
        "better. A sanity or label correlation below the threshold passes. Click a header "
        "to sort.</p>"
    )
    body += table_html(
        cols,
        [[r.get(c) for c in cols] for r in ok],
        caption=f"explanation trust per method{f' on {n} samples' if n else ''}",
        table_id="trust-table",
        cell_class=_cls,
    )
    if skipped:
        body += (
            '<p class="note">not applicable: '
            + esc("; ".join(f"{r.get('method')}: {r.get('status')}" for r in skipped))
            + "</p>"
        )
    return Section("trust", "Explanation trust", body)


def config_section(ctx: RunContext) -> Section | None:
    """``config.toml`` verbatim and the command that reproduces the run."""
    if ctx.config_text is None:
        return None
    body = (
        '<p class="note">Everything needed to reproduce this run (config.toml, verbatim):</p>'
        f"<pre>{esc(ctx.config_text)}</pre>"
    )
    return Section("config", "Configuration", body)

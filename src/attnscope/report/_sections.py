"""The report's sections that every model has; each returns None when it has no data."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from attnscope.report._context import RunContext
from attnscope.report._html import Section, esc, figure_html, fmt, table_html

__all__ = [
    "attention_section",
    "attributions_section",
    "config_section",
    "data_section",
    "overview_section",
    "performance_section",
]

#: Attribution files drawn as model views, not as per-feature attributions.
VIEW_METHODS = ("prototypes", "cross_attention")


_METRIC_ORDER = ("accuracy", "balanced_accuracy", "auroc", "auprc", "f1_macro", "f1_weighted")


def _test_metrics(ctx: RunContext) -> dict[str, Any]:
    return dict(ctx.metrics.get("test") or {})


def overview_section(ctx: RunContext) -> Section:
    """Key figures as tiles and one sentence on what the run is."""
    fitted = _test_metrics(ctx)
    test = fitted or dict(ctx.metrics.get("evaluate") or {})
    where = "test" if fitted else "evaluate"
    tiles = []
    for key in ("accuracy", "auroc", "auprc"):
        if isinstance(test.get(key), int | float):
            tiles.append((fmt(float(test[key])), f"{where} {key}"))
    if ctx.summary.get("precision_at_k") is not None:
        tiles.append(
            (
                fmt(float(ctx.summary["precision_at_k"])),
                f"precision@{ctx.summary.get('k', 'k')} of the explanation "
                f"(random {fmt(float(ctx.summary.get('random_precision_at_k', math.nan)))})",
            )
        )
    tiles.append((str(len(ctx.attributions)), "attribution files"))
    scored = [r for r in ctx.trust.get("rows") or [] if r.get("status", "ok") == "ok"]
    if scored:  # the rows of methods that do not apply to the model score nothing
        tiles.append((str(len(scored)), "methods scored in the trust table"))
    html = "".join(
        f'<div class="tile"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for v, k in tiles
    )
    classes = ", ".join(ctx.classes) or "unknown classes"
    lead = (
        f"A <b>{esc(ctx.model_name)}</b> model classifying {esc(classes)}; run directory "
        f"<code>{esc(ctx.run.resolve())}</code>."
    )
    body = f'<p class="lead">{lead}</p><div class="tiles">{html}</div>'
    return Section("overview", "Overview", body + _trust_first(ctx) + _baselines(ctx))


def _trust_first(ctx: RunContext) -> str:
    """The trust table's recommendation and which samples every number is about."""
    parts = []
    rec = ctx.recommended
    if rec is not None:
        saved = {a.method for a in ctx.attributions.values()}
        if rec.method is None:
            use = " Model views show the saved attributions; read them with care."
        elif rec.method in saved:
            use = f" The model views and the sample browser below show {rec.method} first."
        else:
            use = (
                f" Its attribution is not saved in this run (attnscope explain RUN DATA "
                f"--method {rec.method} adds it); the views show the saved methods."
            )
        parts.append(
            f'<p class="lead" id="recommendation"><b>Trust table:</b> {esc(rec.reason)}'
            f'{esc(use)} <a href="#trust">See the table.</a></p>'
        )
    n_test = _test_metrics(ctx).get("n_samples")
    scopes = [
        (
            "test figures above, baselines and verdict",
            f"the {n_test} samples fit held out" if isinstance(n_test, int) else None,
        ),
        ("predictive metrics", (ctx.metrics.get("evaluate") or {}).get("scope")),
        ("trust table", ctx.trust.get("scope")),
        *(
            (f"attributions ({k})", a.meta.get("scope"))
            for k, a in list(ctx.attributions.items())[:1]
        ),
    ]
    items = "".join(f"<li>{esc(k)}: {esc(v)}</li>" for k, v in scopes if isinstance(v, str) and v)
    if items:
        parts.append(f'<ul class="scope">{items}</ul>')
    return "".join(parts)


def _baselines(ctx: RunContext) -> str:
    """The model beside simple baselines on the same held-out samples, and the verdict."""
    baselines = ctx.metrics.get("baselines")
    verdict = ctx.metrics.get("verdict")
    parts = []
    if isinstance(verdict, str) and verdict:
        parts.append(f'<p class="lead" id="verdict"><b>Verdict:</b> {esc(verdict)}</p>')
    parts.append(_settings_note(ctx))
    if isinstance(baselines, dict) and baselines:
        keys = ("accuracy", "auroc", "auprc", "seconds")
        test = _test_metrics(ctx)
        rows = [(f"{ctx.model_name} (this run)", *(test.get(k) for k in keys))]
        rows += [
            (str(name), *(v.get(k) for k in keys))
            for name, v in baselines.items()
            if isinstance(v, dict)
        ]
        parts.append(
            table_html(
                ["model", *keys],
                rows,
                caption="the model beside baselines on the same held-out samples",
                table_id="baselines",
            )
        )
    return "".join(parts)


def _settings_note(ctx: RunContext) -> str:
    """The named setting the run trained with; the model's others when it lost."""
    from attnscope.estimators import other_settings

    used = ctx.metrics.get("setting")
    used = used if isinstance(used, str) else None
    parts = [f'<p id="setting">Setting: <b>{esc(used)}</b></p>'] if used else []
    if ctx.metrics.get("earns_place") is False:
        items = "".join(
            f"<li><b>{esc(k)}</b>: {esc(s.summary)} ({esc(s.source)})</li>"
            for k, s in other_settings(ctx.model_name, used).items()
        )
        if items:
            parts.append(
                f"<p>Other settings of {esc(ctx.model_name)} (<code>attnscope fit ... "
                f'--setting NAME</code>):</p><ul id="other-settings">{items}</ul>'
            )
    return "".join(parts)


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
    split = {  # sample ids per part ('train_digests': the training samples' content digests)
        k: len(v)
        for k, v in ctx.split.items()
        if isinstance(v, list) and v and not k.endswith("_digests")
    }
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
        trained = described.get("train_class_counts") or {}
        n_trained = sum(trained.values()) or 1
        head = ["class", "samples", "share"]
        head += ["training samples", "training share"] if trained else []
        body += table_html(
            head,
            [
                (c, int(n), n / total)
                + ((int(trained.get(c, 0)), trained.get(c, 0) / n_trained) if trained else ())
                for c, n in counts.items()
            ],
            caption="samples per class (whole data set"
            + (", and those the model trained on)" if trained else ")"),
        )
    return Section("data", "Data", body + "</div>")


def performance_section(ctx: RunContext) -> Section | None:
    """Metric table, confusion matrix, ROC/PR curves and the training history."""
    from attnscope.pl._interactive import roc_pr_figure
    from attnscope.pl._metrics import confusion_heatmap, kept_epochs, training_history
    from attnscope.report._html import plotly_html

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
    if figs:
        parts.append(f'<div class="grid three">{"".join(figs)}</div>')
        figs = []
    scores = ctx.test_scores
    if scores is not None:
        classes = ctx.classes or None
        fig = roc_pr_figure(scores.y_true, scores.proba, class_names=classes)
        parts.append(
            plotly_html(fig, f"ROC curve and precision-recall curve: {scores.source} (zoom, hover)")
        )
    if ctx.history.get("epochs"):
        ax = training_history(ctx.history)
        kept = ", ".join(str(e + 1) for e in kept_epochs(ctx.history))
        cap = "losses and validation metrics per epoch"
        if ctx.history.get("members"):
            cap += (
                f" (mean over the {len(ctx.history['members'])} seed-ensemble members still "
                f"training); the members kept the weights of epochs {kept}"
            )
        elif kept:
            cap += f"; the weights of epoch {kept} were kept"
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
    from attnscope.pl._attribution import top_features_per_class
    from attnscope.report._heat import attribution_heat

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
        bars = top_features_per_class({f"attention ({level})": attr}, class_names=names)
        parts.append(attribution_heat(stem, attr, names, what=f"attention weights ({level})"))
        parts.append(
            figure_html(bars, f"features with the most attention ({level}) per predicted class")
        )
    return Section("attention", "Attention", "".join(parts))


def attributions_section(ctx: RunContext) -> Section | None:
    """Top features per class for every attribution method, and a samples x features map."""
    from attnscope.pl._attribution import top_features_per_class
    from attnscope.report._heat import attribution_heat

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
    links = ", ".join(
        f'<a href="attributions/{esc(k)}.npz" download>{esc(k)}.npz</a>' for k in attrs
    )
    intro += (
        f'<p class="note">Raw files (numpy .npz: values, target, sample_ids, inputs; links '
        f"relative to the run directory): {links}.</p>"
    )
    shown = dict(list(attrs.items())[:6])
    fig = top_features_per_class(shown, class_names=names)
    caption = "top features per class (rows: methods)"
    if len(shown) < len(attrs):
        caption += f"; the first {len(shown)} of {len(attrs)} methods, all are in the table"
    parts = [intro, figure_html(fig, caption)]
    keys = [k for k in ctx.view_attributions(list(attrs)) if attrs[k].method != "attention"]
    parts.extend(attribution_heat(k, attrs[k], names) for k in keys[:3])
    parts.append(
        "<details><summary>table of the top features per class and method (sortable)"
        f"</summary>{_top_table(ctx, attrs)}</details>"
    )
    return Section("attributions", "Attributions", "".join(parts))


def config_section(ctx: RunContext) -> Section | None:
    """``config.toml`` verbatim and the command that reproduces the run."""
    if ctx.config_text is None:
        return None
    body = (
        '<p class="note">Everything needed to reproduce this run (config.toml, verbatim):</p>'
        f"<pre>{esc(ctx.config_text)}</pre>"
    )
    return Section("config", "Configuration", body)

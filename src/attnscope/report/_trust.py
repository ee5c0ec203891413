"""The trust section: the table of ``trust.json`` (fits the page, one format per column,
a legend line per column), a plain reading of it and the method it recommends.

Recommendation rule (:func:`recommend`): among the rows with status ``ok`` other than
``random``, keep the methods that passed every sanity check that was run (weight
randomisation ``sanity_pass``, label randomisation ``label_pass``; at least one must have
been run); rank them by insertion AUC minus deletion AUC (higher is better; deletion AUC
alone, lower is better, when insertion was not measured); ties go to the faster method.
No method is recommended when none passes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from attnscope.report._context import RunContext
from attnscope.report._html import Section, esc, table_html
from attnscope.trust._table import TRUST_COLUMNS

__all__ = ["Recommendation", "column_formatter", "recommend", "trust_section", "trust_sentences"]

#: A method beats random on deletion when its AUC is lower by more than this.
DELETION_MARGIN = 0.01

#: Header text and one-line legend per trust-table column.
TRUST_LEGEND: dict[str, tuple[str, str]] = {
    "method": ("method", "attribution method; random is the floor every method should beat"),
    "n_samples": ("samples", "held-out samples scored"),
    "seconds_per_sample": ("ms / sample", "time to explain one sample, milliseconds"),
    "deletion_auc": ("deletion AUC ↓", "model score while the top features are removed first"),
    "insertion_auc": ("insertion AUC ↑", "model score while the top features are added first"),
    "comprehensiveness": ("compre­hensiveness ↑", "score drop when the top features are removed"),
    "sufficiency": ("sufficiency ↓", "score drop when only the top features are kept"),
    "sanity_corr": (
        "sanity corr ↓",
        "rank correlation with maps of a weight-randomised model; ✓ below the threshold",
    ),
    "sanity_pass": (
        "sanity pass",
        "sanity corr below the threshold (✓): the map depends on weights",
    ),
    "label_corr": (
        "label corr ↓",
        "rank correlation with a model trained on shuffled labels; ✓ below the threshold",
    ),
    "label_pass": ("label pass", "label corr below the threshold (✓): the map depends on labels"),
    "noise_sensitivity": ("noise sens. ↓", "change of the map under small input noise"),
    "precision_at_k": ("precision @k ↑", "share of the top-k features inside the planted signal"),
    "auroc": ("truth AUROC ↑", "|attribution| ranking planted against other features"),
    "auprc": ("truth AUPRC ↑", "precision-recall area of that ranking"),
    "random_precision": ("random precision", "precision@k of a random ranking (the floor)"),
}

# Every trust-table column except bookkeeping, so a new metric reaches the report by itself.
_TRUST_SHOWN = tuple(c for c in TRUST_COLUMNS if c not in ("status", "seconds"))


def column_formatter(values: list[Any]) -> Any:
    """One fixed-point format for a column: 3 significant digits of its largest magnitude.

    ``[1.964e-05, -8.423e-04, 0.02186]`` become ``0.0000, -0.0008, 0.0219``: one format, no
    exponent, the small values readable as "about zero" at the column's scale.
    """
    nums = [abs(float(v)) for v in values if _num(v) is not None and float(v) != 0]
    top = max(nums, default=1.0)
    decimals = int(min(6, max(0, 2 - math.floor(math.log10(top)))))

    def _fmt(value: Any) -> str:
        if isinstance(value, tuple):  # (correlation, passed)
            return f"{_fmt(value[0])} {'✓' if value[1] else '✗'}"
        if value is None:
            return ""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if _num(value) is None:
            return "–" if isinstance(value, float) else str(value)
        text = f"{float(value):.{decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text

    return _fmt


@dataclass
class Recommendation:
    """The method the trust table recommends (None when none qualifies) and why."""

    method: str | None
    reason: str


def recommend(rows: list[dict[str, Any]]) -> Recommendation:
    """Apply the module's recommendation rule to ``trust.json["rows"]``.

    Returns
    -------
    Recommendation
        ``method`` is never ``random``; ``reason`` is one plain sentence.
    """
    ok = [r for r in rows if str(r.get("status", "ok")) == "ok" and r.get("method") != "random"]

    def _checks(r: dict[str, Any]) -> list[bool]:
        return [r[k] for k in ("sanity_pass", "label_pass") if isinstance(r.get(k), bool)]

    passing = [r for r in ok if _checks(r) and all(_checks(r))]
    if not passing:
        return Recommendation(
            None,
            "No method is recommended: none passed the sanity checks"
            + ("" if any(_checks(r) for r in ok) else " (none were run)")
            + ".",
        )

    def _score(r: dict[str, Any]) -> tuple[float, float]:
        ins, dele = _num(r.get("insertion_auc")), _num(r.get("deletion_auc"))
        if ins is not None and dele is not None:
            s = ins - dele
        elif dele is not None:
            s = -dele
        else:
            s = ins if ins is not None else -math.inf
        return s, -(_num(r.get("seconds_per_sample")) or 0.0)

    best = max(passing, key=_score)
    checks = [
        name
        for key, name in (("sanity_pass", "weight"), ("label_pass", "label"))
        if isinstance(best.get(key), bool)
    ]
    both = (
        _num(best.get("insertion_auc")) is not None and _num(best.get("deletion_auc")) is not None
    )
    measure = "insertion minus deletion AUC" if both else "deletion AUC"
    value = _score(best)[0]
    return Recommendation(
        str(best["method"]),
        f"{best['method']} passes the {' and '.join(checks)} randomisation check"
        f"{'s' if len(checks) > 1 else ''} and has the best {measure} "
        f"({abs(value) if not both else value:.3f}) of the {len(passing)} method"
        f"{'s' if len(passing) > 1 else ''} that pass.",
    )


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

    n = ctx.trust.get("n_samples")
    rec = recommend(rows)
    body = (
        f'<p class="lead"><b>Recommended for this run:</b> {esc(rec.reason)}</p>'
        if rec.method
        else f'<p class="lead">{esc(rec.reason)}</p>'
    ) + body
    if ctx.trust.get("scope"):
        body += f'<p class="note">Scope: {esc(ctx.trust["scope"])}</p>'
    # pass/fail flags join their correlation (one column each), constant columns the caption
    merged = {"sanity_corr": "sanity_pass", "label_corr": "label_pass"}
    cols = [c for c in cols if c not in ("random_precision", *merged.values())]
    if len({r.get("n_samples") for r in ok}) == 1:
        cols = [c for c in cols if c != "n_samples"]

    def _cell(r: dict[str, Any], c: str) -> Any:
        v = r.get(c)
        seconds = _num(v) if c == "seconds_per_sample" else None
        if seconds is not None:
            return seconds * 1e3
        if c in merged and isinstance(r.get(merged[c]), bool):
            return (v, r[merged[c]])
        return v

    table_rows = [[_cell(r, c) for c in cols] for r in ok]
    formats = {
        c: column_formatter(
            [row[i][0] if isinstance(row[i], tuple) else row[i] for row in table_rows]
        )
        for i, c in enumerate(cols)
    }

    def _cls(col: str, value: Any) -> str:
        if isinstance(value, tuple):
            return "pass" if value[1] else "fail"
        return ""

    labels = {c: TRUST_LEGEND.get(c, (c.replace("_", " "), ""))[0] for c in cols}
    labels.update({c: f"{labels[c]} (pass)" for c in merged if c in cols})
    body += table_html(
        cols,
        table_rows,
        caption=f"explanation trust per method{f' on {n} samples' if n else ''}",
        table_id="trust-table",
        cell_class=_cls,
        labels=labels,
        formats=formats,
        classes="fit",
    )
    legend = "".join(
        f"<li><b>{esc(labels[c])}</b>: {esc(TRUST_LEGEND[c][1])}</li>"
        for c in cols
        if c in TRUST_LEGEND
    )
    body += (
        f'<ul class="legend">{legend}</ul><p class="note">↓ lower is better, ↑ higher is '
        "better; a correlation below the threshold passes. Click a header to sort.</p>"
    )
    if skipped:
        body += (
            '<p class="note">not applicable: '
            + esc("; ".join(f"{r.get('method')}: {r.get('status')}" for r in skipped))
            + "</p>"
        )
    return Section("trust", "Explanation trust", body)

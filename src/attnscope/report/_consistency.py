"""The seed-consistency study in the report: interactive views of ``consistency.json``.

``attnscope consistency --out DIR`` writes ``consistency.json`` (summary, per-variant
agreement and AUROC, example samples' top cells across variants) and ``per_sample.tsv``
(one row per explained sample); the report finds them in the run directory or in its
``consistency/`` folder (:attr:`RunContext.consistency`) and draws them with plotly.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.report._context import RunContext
from attnscope.report._html import Section, esc, plotly_html, table_html

__all__ = ["CONSISTENCY_PLOTS", "consistency_section", "read_per_sample"]

#: PNGs ``attnscope consistency`` writes that the interactive views replace in the report.
CONSISTENCY_PLOTS = (
    "overview.png",
    "spearman.png",
    "kendall.png",
    "jaccard.png",
    "top_agreement.png",
    "cv_top.png",
)


def read_per_sample(path: Path) -> tuple[list[str], dict[str, dict[str, np.ndarray]]]:
    """``per_sample.tsv``: sample ids and method -> metric -> values (NaN where blank).

    Returns
    -------
    ids : list of str
    per_sample : dict of str -> dict of str -> ndarray of shape (n_samples,)

    Raises
    ------
    DataError
        A row of another length than the header or a value that is not a number (a file
        cut short or edited), naming the line.
    """
    from attnscope.errors import DataError

    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    if not rows or rows[0][:2] != ["sample_id", "target"]:
        return [], {}
    header, body = rows[0], rows[1:]
    for line, row in enumerate(body, start=2):
        problem = f"{len(row)} fields where the header has {len(header)}"
        if len(row) == len(header):
            try:
                [float(v) for v in row[2:] if v != ""]
                continue
            except ValueError as exc:
                problem = str(exc)
        raise DataError(f"{path.name}, line {line}: {problem} (cut short or edited?)")
    ids = [r[0] for r in body]
    out: dict[str, dict[str, np.ndarray]] = {}
    for c, name in enumerate(header[2:], start=2):
        method, _, metric = name.rpartition(".")
        values = np.array([float(r[c]) if r[c] not in ("", "nan") else np.nan for r in body])
        out.setdefault(method, {})[metric] = values
    return ids, out


def _summary_table(study: dict[str, Any]) -> str:
    summary = {k: v for k, v in (study.get("summary") or {}).items() if isinstance(v, dict)}
    relation = study.get("relation") or {}
    metrics = list(dict.fromkeys(m for values in summary.values() for m in values))
    rows = [
        (method, *((values.get(m) or {}).get("mean") for m in metrics), relation.get(method))
        for method, values in summary.items()
    ]
    return table_html(
        ["method", *metrics, "Spearman(AUROC, agreement)"],
        rows,
        caption="mean over the explained samples of each per-sample consistency metric",
        table_id="consistency-table",
    )


#: Parameters that do not change the model a study describes: the seed varies by design,
#: and a study's variants are single models (an ensemble run's members are its variants).
_NOT_THE_MODEL = ("random_state", "verbose", "device", "n_members")


def _other_model(ctx: RunContext, study: dict[str, Any]) -> str:
    """A sentence when the study's variants are not this run's model ('' when they are).

    ``attnscope consistency`` trains its variants with its own ``--model``, ``--setting``
    and ``--set``, not the run's: a study written into a run of the raindrop ensemble with
    the defaults says nothing about that ensemble's explanations, and the page must say so.
    """
    run_model = ctx.model_meta.get("estimator") or ctx.config.get("model")
    run_params = ctx.model_meta.get("params")
    study_params = study.get("params")
    if not run_model:
        return ""  # a study folder on its own: nothing to compare with
    if study.get("model") != run_model:
        return (
            f"These variants are {study.get('model')} models, not this run's "
            f"{run_model}: the study does not describe this run's explanations."
        )
    if not isinstance(run_params, dict) or not isinstance(study_params, dict):
        return ""
    differ = [
        f"{k} {study_params.get(k)!r} (this run: {run_params.get(k)!r})"
        for k in sorted(set(run_params) | set(study_params))
        if k not in _NOT_THE_MODEL and study_params.get(k) != run_params.get(k)
    ]
    if not differ:
        return ""
    more = f" and {len(differ) - 5} more" if len(differ) > 5 else ""
    setting = study.get("setting") or "the defaults"
    return (
        f"The variants were trained with other parameters than this run's model "
        f"(setting: {setting}; {', '.join(differ[:5])}{more}): their agreement describes "
        "that configuration, not this run's model. attnscope consistency DATA --model "
        f"{run_model} with the run's --setting / --set studies the run's configuration."
    )


def consistency_section(ctx: RunContext) -> Section | None:
    """Summary, per-sample violins, top-cell spreads and AUROC against agreement."""
    from attnscope.pl._consistency_interactive import (
        agreement_auroc_figure,
        cell_spread_figure,
        consistency_violins_figure,
    )

    study = ctx.consistency
    if not study:
        return None
    folder = Path(study["_folder"])
    pred = study.get("predictive") or {}
    split = study.get("split") or {}
    seeds = list(study.get("seeds") or [])
    lead = (
        f"{study.get('n_variants', len(seeds))} variants of {study.get('model', 'the model')} "
        "differing only in their random seed"
        + (f" (seeds {seeds[0]}-{seeds[-1]})" if seeds else "")
        + f", trained on one stratified split (seed {split.get('split_seed', '?')}); "
        f"{split.get('n_explained', '?')} test samples explained by each variant."
    )
    if isinstance(pred.get("auroc_mean"), int | float):
        lead += f" Test AUROC {pred['auroc_mean']:.3f} ± {pred.get('auroc_std') or 0:.3f}"
        if isinstance(pred.get("ensemble_auroc"), int | float):  # absent in older runs
            ensemble = pred["ensemble_auroc"]
            lead += f"; the variants' mean probability (a seed ensemble): {ensemble:.3f}"
        lead += "."
    parts = [f'<p class="lead" id="consistency-lead">{esc(lead)}</p>']
    other = _other_model(ctx, study)
    if other:
        parts.append(f'<p class="note" id="consistency-other-model">{esc(other)}</p>')
    parts.append(_summary_table(study))
    per_tsv = folder / "per_sample.tsv"
    if per_tsv.is_file():
        from attnscope.errors import DataError

        try:
            ids, per_sample = read_per_sample(per_tsv)
        except (DataError, OSError, UnicodeDecodeError) as exc:  # the other views still draw
            ctx.notes.append(f"{exc}; the per-sample violins are left out.")
            ids, per_sample = [], {}
        if per_sample:
            fig = consistency_violins_figure(per_sample, sample_ids=ids)
            parts.append(
                plotly_html(
                    fig,
                    "per-sample consistency across variants, one violin per method "
                    "(hover a point for its sample)",
                    div_id="consistency-violins",
                )
            )
    examples = study.get("examples") or {}
    for method, ex in (examples.get("methods") or {}).items():
        weights = np.asarray(ex.get("weights") or [], dtype=float)
        shown = min(3, weights.shape[0]) if weights.ndim == 3 else 0
        if shown:
            fig = cell_spread_figure(
                weights[:shown], ex["cells"][:shown], examples["sample_ids"][:shown], method=method
            )
            parts.append(
                plotly_html(
                    fig,
                    f"{method}: the weight each example sample's top cells get in every "
                    "variant (a tight box: the variants agree)",
                )
            )
    per_variant = study.get("per_variant") or {}
    auroc = pred.get("auroc")
    if per_variant and auroc is not None:
        fig = agreement_auroc_figure(auroc, per_variant, seeds=seeds or None)
        parts.append(
            plotly_html(
                fig,
                "each variant's test AUROC against the mean agreement of its maps with the "
                "other variants' (hover for the seed)",
            )
        )
    return Section("consistency", "Seed consistency", "".join(parts))

"""The sample browser: every explained sample, its prediction and each saved attribution.

The data travel as one embedded JSON block (``<script type="application/json">``) read by
a small inline script (:mod:`attnscope.report._browser_js`) that draws with the page's
plotly.js: pick a sample in the list (or type its id and press Enter) and its prediction,
its attribution under each saved method (side by side, one x axis), the DNA sequence
under the track, the (time x variable) map of a time series, or its strongest SNPs and
its genotype at the run's top SNPs beside their attribution appear. Bounded: at most
:data:`MAX_SAMPLES` samples x :data:`MAX_METHODS` methods, values as base64 float32;
samples with more than :data:`DENSE_FEATURES` features keep their :data:`TOP_K`
strongest per method; genotypes list :data:`CARRIER_SNPS` SNPs.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

from attnscope.report._context import RunContext
from attnscope.report._html import PLOTLY_MARK, Section, esc

__all__ = ["browser_data", "browser_section"]

MAX_SAMPLES = 500
MAX_METHODS = 4
DENSE_FEATURES = 2_000
TOP_K = 40
#: Top SNPs whose genotype (and attribution) the browser lists per sample.
CARRIER_SNPS = 20
#: Methods that are no per-sample feature attribution.
_SKIP = ("random", "prototypes", "cross_attention")


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _kind(attr: Any, shape: tuple[int, ...]) -> str:
    if "tokens" in attr.inputs and np.asarray(attr.inputs["tokens"]).shape[1:] == shape:
        return "sequence"
    if "chromosomes" in attr.inputs:
        return "genome"
    if len(shape) == 2:
        return "grid"
    return "features"


def _labels(attr: Any, n: int) -> list[str]:
    from attnscope.pl._attribution import feature_labels

    if "snp_ids" in attr.inputs and np.asarray(attr.inputs["snp_ids"]).size == n:
        return [str(s) for s in np.asarray(attr.inputs["snp_ids"]).astype(str)]
    return [str(s) for s in feature_labels(attr)]


def browser_data(ctx: RunContext) -> dict[str, Any] | None:
    """The JSON-ready content of the sample browser, or None when nothing was explained.

    Returns
    -------
    dict or None
        ``samples`` (id, explained class ``t``, true class ``y``, predicted class ``p``,
        confidence ``c``; -1 / None when unknown), ``methods``, ``kind`` (sequence,
        genome, grid or features), ``shape``, base64 float32 ``values`` per method
        (NaN where a method did not explain a sample) or ``top`` indices and values,
        ``labels`` and the per-kind extras (``tokens``, ``truth``; for genotypes
        ``carriers``: the sample's dosage at the :data:`CARRIER_SNPS` top SNPs that
        ``explain`` saved, with ``carrier_values``, each method's attribution there).
    """
    attrs = {
        k: a
        for k, a in ctx.attributions.items()
        if a.method not in _SKIP and a.sample_ids is not None and a.n_samples > 0
    }
    if not attrs:
        return None
    keys = ctx.view_attributions(list(attrs))
    shape = tuple(np.asarray(attrs[keys[0]].values).shape[1:])
    keys = [k for k in keys if tuple(np.asarray(attrs[k].values).shape[1:]) == shape]
    keys = keys[:MAX_METHODS]
    lead = attrs[keys[0]]
    all_ids = np.asarray(lead.sample_ids).astype(str)
    ids = all_ids[:MAX_SAMPLES]
    n_feat = int(np.prod(shape))
    kind = _kind(lead, shape)
    classes = list(ctx.classes) or [
        str(c) for c in range(int(np.asarray(lead.target).max(initial=0)) + 1)
    ]
    pred: dict[str, tuple[int, int, float]] = {}
    scores = ctx.test_scores
    if scores is not None and scores.sample_ids is not None:
        best = scores.proba.argmax(axis=1)
        for sid, y, p, c in zip(
            scores.sample_ids, scores.y_true, best, scores.proba.max(axis=1), strict=True
        ):
            pred[str(sid)] = (int(y), int(p), round(float(c), 4))
    samples = []
    for i, sid in enumerate(ids.tolist()):
        y, p, c = pred.get(sid, (-1, -1, None))
        samples.append({"id": sid, "t": int(lead.target[i]), "y": y, "p": p, "c": c})
    out: dict[str, Any] = {
        "classes": classes,
        "methods": keys,
        "kind": kind,
        "shape": list(shape),
        "samples": samples,
        "n_total": int(all_ids.size),
        "dense": n_feat <= DENSE_FEATURES,
        "values": {},
        "top": {},
    }
    carrier_snps = _carrier_snps(lead, n_feat)
    for key in keys:
        attr = attrs[key]
        row = {s: j for j, s in enumerate(np.asarray(attr.sample_ids).astype(str).tolist())}
        flat = np.asarray(attr.values, dtype=np.float32).reshape(attr.n_samples, -1)
        block = np.full((ids.size, n_feat), np.nan, dtype=np.float32)
        have = np.array([row.get(s, -1) for s in ids.tolist()], dtype=np.int64)
        block[have >= 0] = flat[have[have >= 0]]
        if carrier_snps is not None:
            out.setdefault("carrier_values", {})[key] = _b64(block[:, carrier_snps])
        if out["dense"]:
            out["values"][key] = _b64(block)
        else:
            top = np.argsort(-np.nan_to_num(np.abs(block)), axis=1, kind="stable")[:, :TOP_K]
            out["top"][key] = {
                "index": _b64(top.astype(np.int32)),
                "value": _b64(np.take_along_axis(block, top, axis=1)),
            }
    labels = _labels(lead, n_feat)
    if kind == "grid":  # the variables of a (time x variable) map
        names = lead.feature_names
        if names is None or np.asarray(names).size != shape[1]:
            names = np.arange(shape[1])
        out["labels"] = [str(v) for v in np.asarray(names).tolist()]
    elif out["dense"]:
        out["labels"] = labels
    else:
        used = np.unique(
            np.concatenate(
                [np.frombuffer(base64.b64decode(t["index"]), np.int32) for t in out["top"].values()]
            )
        )
        out["labels"] = {str(int(j)): labels[int(j)] for j in used}
        if "chromosomes" in lead.inputs:
            chrom = np.asarray(lead.inputs["chromosomes"]).astype(str)
            pos = np.asarray(lead.inputs.get("positions", np.zeros(n_feat)))
            out["loci"] = {str(int(j)): f"chr{chrom[j]}:{int(pos[j])}" for j in used}
    _extras(out, lead, ids.size, n_feat)
    return out


def _extras(out: dict[str, Any], lead: Any, n: int, n_feat: int) -> None:
    """Sequence letters, planted positions and carriers (genotype dosages) of the samples."""
    if out["kind"] == "sequence":
        lut = np.array(list("-ACGTN"))
        tokens = np.clip(np.asarray(lead.inputs["tokens"])[:n].astype(np.int64), 0, 5)
        out["tokens"] = ["".join(r) for r in lut[tokens].tolist()]
    truth = lead.inputs.get("truth")
    if truth is not None and np.asarray(truth).ndim == 2 and np.asarray(truth).shape[1] == n_feat:
        out["truth"] = [np.flatnonzero(r).tolist() for r in np.asarray(truth)[:n].astype(bool)]
    if "carrier_values" in out:  # dosages saved by explain at the top SNPs (run._biology)
        index = np.asarray(lead.inputs["dosage_index"], dtype=np.int64)[:CARRIER_SNPS]
        dosage = np.asarray(lead.inputs["dosage"], dtype=np.int8)[:n, : index.size]
        labels = _labels(lead, n_feat)
        chrom = np.asarray(lead.inputs.get("chromosomes", np.full(n_feat, "?"))).astype(str)
        pos = np.asarray(lead.inputs.get("positions", np.zeros(n_feat, np.int64)))
        out["carriers"] = {
            "snps": [labels[j] for j in index.tolist()],
            "loci": [f"chr{chrom[j]}:{int(pos[j])}" for j in index.tolist()],
            "dosage": _b64(dosage),
        }


def _carrier_snps(lead: Any, n_feat: int) -> np.ndarray | None:
    """Columns of the top SNPs whose dosages ``explain`` saved (``inputs["dosage_index"]``)."""
    index, dosage = lead.inputs.get("dosage_index"), lead.inputs.get("dosage")
    if index is None or dosage is None:
        return None
    index = np.asarray(index, dtype=np.int64)[:CARRIER_SNPS]
    d = np.asarray(dosage)
    if d.ndim != 2 or d.shape[0] != lead.n_samples or d.shape[1] < index.size:
        return None
    if index.size == 0 or index.min() < 0 or index.max() >= n_feat:
        return None
    return index


def browser_section(ctx: RunContext) -> Section | None:
    """Filters, a sample list and the selected sample's views (see the module docstring)."""
    from attnscope.report._browser_js import SCRIPT

    data = browser_data(ctx)
    if data is None:
        return None
    n, total = len(data["samples"]), data["n_total"]
    size = f"{n} explained samples x {len(data['methods'])} methods ({', '.join(data['methods'])})"
    if n < total:
        size += f"; the first {n} of {total} explained samples are embedded (page size bound)"
    opts = "".join(f'<option value="{i}">{esc(c)}</option>' for i, c in enumerate(data["classes"]))
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    body = f"""<p class="note">{esc(size)}. Click a sample in the list, or type an id and press
Enter. Attribution colours: red raises, blue lowers the explained class's score.</p>
<div class="browser" id="sample-browser"><div class="pick">
<input id="sb-search" type="search" placeholder="search sample id" aria-label="search sample id">
<select id="sb-class" aria-label="class"><option value="">all classes</option>{opts}</select>
<select id="sb-outcome" aria-label="outcome"><option value="">correct and wrong</option>
<option value="1">correct only</option><option value="0">wrong only</option></select>
<label>confidence ≥ <output id="sb-conf-v">0.00</output>
<input id="sb-conf" type="range" min="0" max="1" step="0.05" value="0"></label>
<select id="sb-list" size="14" aria-label="samples"></select>
<span class="note" id="sb-count"></span></div>
<div class="show"><p class="lead" id="sb-head"></p><div id="sb-plot"></div>
<div class="seq" id="sb-seq"></div><div id="sb-extra"></div></div></div>
<!--{PLOTLY_MARK}: drawn with the page's plotly.js-->
<script type="application/json" id="sb-data">{payload}</script>
<script>{SCRIPT}</script>"""
    return Section("samples", "Sample browser", body)

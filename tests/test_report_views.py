"""The report's trust-first overview, sample browser data, motif table and plotly figures."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from attnscope.errors import DataError
from attnscope.explain import Attribution
from attnscope.report import build_report
from attnscope.report._trust import column_formatter, recommend


def _row(method: str, **kw: object) -> dict:
    return {"method": method, "status": "ok", **kw}


def test_recommendation_rule() -> None:
    rows = [
        _row("random", deletion_auc=0.0, insertion_auc=1.0, sanity_pass=True, label_pass=True),
        _row("a", deletion_auc=0.3, insertion_auc=0.6, sanity_pass=True, label_pass=True),
        _row("b", deletion_auc=0.2, insertion_auc=0.6, sanity_pass=True, label_pass=True),
        _row("c", deletion_auc=0.0, insertion_auc=0.9, sanity_pass=True, label_pass=False),
        _row("d", deletion_auc=0.0, insertion_auc=0.9),  # no check run: not eligible
        {"method": "e", "status": "not applicable: needs captum", "sanity_pass": True},
    ]
    rec = recommend(rows)
    assert rec.method == "b"  # random never, c failed the label check, d was never checked
    assert "weight and label randomisation checks" in rec.reason
    assert "insertion minus deletion AUC (0.400) of the 2 methods" in rec.reason
    # deletion only: the lowest wins; ties go to the faster method
    rows = [
        _row("x", deletion_auc=0.3, sanity_pass=True, seconds_per_sample=0.2),
        _row("y", deletion_auc=0.3, sanity_pass=True, seconds_per_sample=0.1),
        _row("z", deletion_auc=0.4, sanity_pass=True),
    ]
    assert recommend(rows).method == "y"
    assert "deletion AUC (0.300)" in recommend(rows).reason
    none = recommend([_row("x", deletion_auc=0.1, sanity_pass=False), _row("random")])
    assert none.method is None and "none passed" in none.reason
    assert "(none were run)" in recommend([_row("x", deletion_auc=0.1)]).reason


def test_column_formatter_is_one_fixed_format() -> None:
    fmt = column_formatter([1.964e-05, -8.423e-04, 0.02186, None, float("nan")])
    assert [fmt(v) for v in (1.964e-05, -8.423e-04, 0.02186)] == ["0.0000", "-0.0008", "0.0219"]
    assert fmt(None) == "" and fmt(float("nan")) == "–" and fmt(-1e-9) == "0.0000"
    big = column_formatter([123.4, 5.0])
    assert big(123.4) == "123" and big(5.0) == "5"
    assert column_formatter([0.5])((0.07, True)) == "0.070 ✓"
    assert column_formatter([3, 30])(30) == "30" and fmt(True) == "yes"


def _run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    metrics = {
        "test": {"accuracy": 0.9, "auroc": 0.95, "auprc": 0.93, "classes": ["a", "b"]},
        "evaluate": {"accuracy": 0.9, "scope": "held-out: 40 samples (160 excluded)"},
        "baselines": {
            "logistic": {"accuracy": 0.7, "auroc": 0.75, "auprc": 0.7, "seconds": 0.01234},
            "kmer_rf": {"accuracy": 0.8, "auroc": 0.85, "auprc": 0.81, "seconds": 1.5},
        },
        "verdict": "The model beats every baseline on AUROC by 0.100.",
    }
    (run / "metrics.json").write_text(json.dumps(metrics))
    rows = [
        _row("random", deletion_auc=0.5, insertion_auc=0.5, sanity_pass=False),
        _row("saliency", deletion_auc=0.3, insertion_auc=0.7, sanity_pass=True),
        _row("occlusion", deletion_auc=0.2, insertion_auc=0.8, sanity_pass=False),
    ]
    (run / "trust.json").write_text(json.dumps({"rows": rows, "scope": "held-out: 40 samples"}))
    return run


def _section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start : html.index("</section>", start)]


def test_overview_leads_with_trust_scope_and_baselines(tmp_path: Path) -> None:
    run = _run(tmp_path)
    rng = np.random.default_rng(0)
    Attribution(
        values=rng.normal(size=(6, 5)),
        method="saliency",
        target=np.array([0, 1] * 3),
        sample_ids=np.array([f"s{i}" for i in range(6)]),
        meta={"scope": "held-out: 6 samples"},
    ).save(run / "attributions" / "saliency.npz")
    overview = _section(build_report(run), "overview")
    assert "saliency passes the weight randomisation check" in overview  # not occlusion
    assert "show saliency first" in overview
    assert "The model beats every baseline on AUROC by 0.100." in overview
    assert "predictive metrics: held-out: 40 samples (160 excluded)" in overview
    assert "trust table: held-out: 40 samples" in overview
    assert "attributions (saliency): held-out: 6 samples" in overview
    table = overview[overview.index('id="baselines"') :]
    assert [m for m in re.findall(r"<tr><td>([^<]+)</td>", table)] == [
        "model (this run)",
        "logistic",
        "kmer_rf",
    ]
    assert "0.0123" in table and "0.85" in table
    # a recommended method that was not saved is named with the command that adds it
    (run / "attributions" / "saliency.npz").unlink()
    rows = json.loads((run / "trust.json").read_text())["rows"]
    rows[1]["method"] = "deeplift"
    (run / "trust.json").write_text(json.dumps({"rows": rows}))
    assert "--method deeplift adds it" in _section(build_report(run), "overview")


def _decode(text: str, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).reshape(shape)


def test_sample_browser_data_is_bounded_and_matches_the_files(tmp_path: Path) -> None:
    from attnscope.report._browser import MAX_SAMPLES, browser_data
    from attnscope.report._context import load_run

    run = _run(tmp_path)
    rng = np.random.default_rng(1)
    n = MAX_SAMPLES + 100
    ids = np.array([f"id{i:04d}" for i in range(n)])
    values = rng.normal(size=(n, 12)).astype(np.float32)
    target = rng.integers(0, 2, n)
    for method, rows in (("saliency", slice(None)), ("occlusion", slice(0, n, 2))):
        Attribution(
            values=values[rows] * (2 if method == "occlusion" else 1),
            method=method,
            target=target[rows],
            sample_ids=ids[rows],
        ).save(run / "attributions" / f"{method}.npz")
    proba = rng.dirichlet([1, 1], size=n)
    np.savez(run / "test_predictions.npz", sample_ids=ids[::-1], y_true=target[::-1], proba=proba)
    data = browser_data(load_run(run))
    assert data is not None
    assert data["methods"] == ["saliency", "occlusion"]  # the recommended method first
    assert len(data["samples"]) == MAX_SAMPLES and data["n_total"] == n and data["dense"]
    got = _decode(data["values"]["saliency"], np.float32, (MAX_SAMPLES, 12))
    np.testing.assert_array_equal(got, values[:MAX_SAMPLES])
    occ = _decode(data["values"]["occlusion"], np.float32, (MAX_SAMPLES, 12))
    np.testing.assert_array_equal(occ[::2], 2 * values[:MAX_SAMPLES:2])
    assert np.isnan(occ[1::2]).all()  # occlusion explained every other sample only
    s = data["samples"][7]
    j = n - 1 - 7  # predictions were saved in reverse order
    assert s["id"] == "id0007" and s["y"] == target[7] and s["p"] == int(proba[j].argmax())
    assert s["c"] == pytest.approx(proba[j].max(), abs=1e-4)
    html = build_report(run)
    assert f"the first {MAX_SAMPLES} of {n} explained samples are embedded" in html
    assert html.count('<script id="plotly-js">') == 1


def test_sample_browser_keeps_the_top_snps_of_large_genotypes(tmp_path: Path) -> None:
    from attnscope.report._browser import CARRIER_SNPS, TOP_K, browser_data
    from attnscope.report._context import load_run

    run = _run(tmp_path)
    rng = np.random.default_rng(2)
    n, m = 8, 3000
    values = rng.normal(size=(n, m))
    dosage = rng.integers(0, 3, size=(n, m))
    strongest = np.argsort(-np.abs(values).mean(axis=0), kind="stable")[:50]
    inputs = {
        "chromosomes": np.repeat(["1", "2", "3"], m // 3),
        "positions": np.tile(np.arange(m // 3) * 100, 3),
        "snp_ids": np.array([f"rs{j}" for j in range(m)]),
        # what explain saves (run._biology.genotype_inputs): dosages at the top 50 SNPs
        "dosage_index": strongest.astype(np.int32),
        "dosage": dosage[:, strongest].astype(np.int8),
    }
    Attribution(
        values=values,
        method="saliency",
        target=np.zeros(n, dtype=int),
        sample_ids=np.array([f"p{i}" for i in range(n)]),
        inputs=inputs,
    ).save(run / "attributions" / "saliency.npz")
    data = browser_data(load_run(run))
    assert data is not None and data["kind"] == "genome" and not data["dense"]
    top = _decode(data["top"]["saliency"]["index"], np.int32, (n, TOP_K))
    np.testing.assert_array_equal(
        top, np.argsort(-np.abs(values), axis=1, kind="stable")[:, :TOP_K]
    )
    c = CARRIER_SNPS
    carriers = _decode(data["carriers"]["dosage"], np.int8, (n, c))
    np.testing.assert_array_equal(carriers, dosage[:, strongest[:c]])
    beside = _decode(data["carrier_values"]["saliency"], np.float32, (n, c))
    np.testing.assert_allclose(beside, values[:, strongest[:c]], rtol=1e-6)
    assert data["carriers"]["snps"] == [f"rs{j}" for j in strongest[:c]]
    j = int(strongest[0])
    assert data["carriers"]["loci"][0] == f"chr{inputs['chromosomes'][j]}:{inputs['positions'][j]}"
    j = int(top[0, 0])
    assert data["labels"][str(j)] == f"rs{j}"
    assert data["loci"][str(j)] == f"chr{inputs['chromosomes'][j]}:{inputs['positions'][j]}"


def test_motif_table_from_patterns_json(tmp_path: Path) -> None:
    import io

    import matplotlib.pyplot as plt

    run = _run(tmp_path)
    (run / "motifs").mkdir()
    fig, _ = plt.subplots(figsize=(1, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    png = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    cwm = np.eye(4)[[0, 1, 2, 3, 0, 0]].tolist()
    patterns = [
        {"pattern": "pos_0", "n_seqlets": 120, "best_match": "MA0139.2 CTCF", "q_value": 1.2e-6,
         "cwm": cwm},
        {"pattern": "pos_1", "n_seqlets": 40, "best_match": None, "q_value": 0.2, "logo": png},
        {"pattern": "neg_0"},
    ]  # fmt: skip
    (run / "motifs" / "patterns.json").write_text(json.dumps({"patterns": patterns}))
    views = _section(build_report(run), "views")
    table = views[views.index('id="motif-table"') :]
    rows = re.findall(r"<tr><td>([^<]*)</td>", table)
    assert rows == ["pos_0", "pos_1", "neg_0"]
    assert "MA0139.2 CTCF" in table and "1.20e-06" in table and ">120<" in table
    assert len(re.findall(r'<img alt="logo of pattern \d"', table)) == 2
    (run / "motifs" / "patterns.json").write_text("{not json")
    html = build_report(run)
    assert 'id="motif-table"' not in html and "patterns.json could not be read" in html


def test_cluster_order_and_heatmap() -> None:
    from scipy.cluster.hierarchy import leaves_list, linkage

    from attnscope.pl._interactive import cluster_order, heatmap_figure

    rng = np.random.default_rng(3)
    m = np.vstack([rng.normal(size=(5, 8)) + 3 * np.arange(8), rng.normal(size=(5, 8))])
    expected = leaves_list(linkage(m, method="average", metric="correlation"))
    np.testing.assert_array_equal(cluster_order(m), expected)
    assert cluster_order(m[:2]).tolist() == [0, 1]
    with pytest.raises(DataError, match="2-D"):
        cluster_order(m[0])
    fig = heatmap_figure(m, x=list("abcdefgh"), y=list("0123456789"), groups=["u"] * 4 + ["v"] * 6)
    strip, heat = fig.data
    np.testing.assert_allclose(np.asarray(heat.z), m.astype(np.float32))
    assert np.asarray(strip.z).ravel().tolist() == [0] * 4 + [1] * 6
    with pytest.raises(DataError, match="labels"):
        heatmap_figure(m, x=list("ab"), y=list("0123456789"))


def test_roc_pr_manhattan_and_tracks_figures() -> None:
    from attnscope.pl._interactive import (
        MANHATTAN_POINTS,
        manhattan_figure,
        roc_pr_figure,
        tracks_figure,
    )

    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 90)
    proba = rng.dirichlet([1, 1, 1], 90)
    fig = roc_pr_figure(y, proba, class_names=["x", "y", "z"])
    roc = [t for t in fig.data if t.name.startswith("ROC")]
    assert len(roc) == 3
    fpr, tpr, _ = skm.roc_curve(y == 2, proba[:, 2])
    np.testing.assert_allclose(roc[2].x, fpr, rtol=1e-6)
    np.testing.assert_allclose(roc[2].y, tpr, rtol=1e-6)
    assert f"AUC {skm.roc_auc_score(y == 2, proba[:, 2]):.3f}" in roc[2].name
    n = MANHATTAN_POINTS + 5000
    scores = rng.random(n)
    chrom = np.repeat(["1", "2"], n // 2)
    pos = np.tile(np.arange(n // 2), 2)
    known = np.array([3, n - 2])  # weak SNPs that thinning would otherwise drop
    scores[known] = 0.0
    fig = manhattan_figure(scores, chrom, pos, known=known, highlight=np.argsort(-scores)[:5])
    drawn = sum(len(t.x) for t in fig.data[:2])
    assert drawn <= MANHATTAN_POINTS + 10
    marked = next(t for t in fig.data if t.name == "known loci")
    assert list(marked.customdata) == ["3", str(n - 2)]
    assert float(marked.x[1]) > float(marked.x[0])  # chromosome 2 is drawn after chromosome 1
    fig = tracks_figure(
        {"a": rng.normal(size=8), "b": rng.normal(size=8)},
        sequence="ACGTACGT",
        truth=np.array([0, 1, 1, 0, 0, 1, 0, 0], bool),
    )
    assert fig.layout.xaxis2.ticktext == tuple("ACGTACGT")
    assert len(fig.layout.shapes) == 2 * 2  # two planted runs, shaded in both tracks
    assert {(s.x0, s.x1) for s in fig.layout.shapes} == {(0.5, 2.5), (4.5, 5.5)}
    with pytest.raises(DataError, match="one length"):
        tracks_figure({"a": np.zeros(3)}, sequence="ACGT")

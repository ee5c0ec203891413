"""The HTML report of a run directory and the plots behind it."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn import metrics as skm

from attnscope import pl
from attnscope.errors import ConfigError, DataError
from attnscope.explain import Attribution
from attnscope.report import build_report, write_report

#: Any attribute or CSS reference that would make the browser fetch something.
_REMOTE = re.compile(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:|ftp:|//)|url\(""")
_IMG = re.compile(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
_BUNDLE = re.compile(r'<script id="plotly-js">.*?</script>', re.S)


def _own(html: str) -> str:
    """The page without plotly.js (third-party code; the browser test proves it fetches
    nothing), after checking the bundle is plotly's own, once."""
    from plotly.offline import get_plotlyjs

    bundles = _BUNDLE.findall(html)
    assert len(bundles) <= 1
    if bundles:
        assert bundles[0] == f'<script id="plotly-js">{get_plotlyjs()}</script>'
    return _BUNDLE.sub("", html)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    from attnscope.cli._demo import run_demo

    out = tmp_path_factory.mktemp("report") / "demo"
    summary = run_demo(out, n_samples=300, length=80, epochs=2)
    return out, summary


@pytest.fixture(scope="module")
def rich_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run without model or data: metrics, attention, trust.json and a saved plot."""
    run = tmp_path_factory.mktemp("rich") / "run"
    run.mkdir()
    metrics = {"test": {"accuracy": 0.9, "classes": ["motif_0", "motif_1"], "n_samples": 60}}
    (run / "metrics.json").write_text(json.dumps(metrics))
    rng = np.random.default_rng(0)
    att = rng.random((20, 30))
    Attribution(
        values=att / att.sum(axis=1, keepdims=True),
        method="attention",
        target=np.repeat([0, 1], 10),
        sample_ids=np.array([f"s{i}" for i in range(20)]),
        meta={"level": "position", "levels": ["position", "block"]},
    ).save(run / "attributions" / "attention.npz")
    rows = [
        {"method": "random", "status": "ok", "n_samples": 60, "deletion_auc": 0.60,
         "sanity_pass": True, "precision_at_k": 0.1, "random_precision": 0.1,
         "seconds_per_sample": 1e-5},
        {"method": "saliency", "status": "ok", "n_samples": 60, "deletion_auc": 0.41,
         "sanity_corr": 0.2, "sanity_pass": True, "precision_at_k": 0.55,
         "random_precision": 0.1, "seconds_per_sample": 2e-3},
        {"method": "attention", "status": "ok", "n_samples": 60, "deletion_auc": 0.72,
         "sanity_corr": 0.9, "sanity_pass": False, "precision_at_k": 0.2,
         "random_precision": 0.1, "seconds_per_sample": 1e-4},
        {"method": "lime", "status": "not applicable: needs captum"},
    ]  # fmt: skip
    (run / "trust.json").write_text(json.dumps({"n_samples": 60, "rows": rows}))
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    (run / "plots").mkdir()
    fig.savefig(run / "plots" / "consistency_hist.png")
    plt.close(fig)
    return run


def _section_ids(html: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', html)


def test_demo_writes_its_report(demo_run: tuple[Path, dict]) -> None:
    run, summary = demo_run
    assert summary["report"] == str(run / "report.html")
    html = (run / "report.html").read_text(encoding="utf-8")
    ids = _section_ids(html)
    for section in ("overview", "data", "performance", "attributions", "trust", "views"):
        assert section in ids
    # the demo's quick trust table is in the report; a CNN has no attention section
    assert "attention" not in ids and "config" in ids
    assert ids.index("performance") < ids.index("attributions") < ids.index("config")
    assert not _REMOTE.search(_own(html))
    assert "default-src 'none'" in html  # the CSP forbids any network request
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', html)
    assert csp and "script-src 'unsafe-inline';" in csp.group(1)  # inline scripts only
    assert not re.search(r"https?:|\*", csp.group(1))  # no remote source allowed
    images = _IMG.findall(html)
    assert len(images) >= 4  # confusion, history, top features, logo (the rest is plotly)
    assert html.count('class="plotly-graph-div"') >= 4  # ROC/PR, heat map, 2 tracks
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    config = (run / "config.toml").read_text(encoding="utf-8")
    assert "n_filters = 64" in config and "n_filters = 64" in html
    assert 'class="sortable"' in html and "addEventListener('click'" in html
    assert "ROC curve" in html and "precision-recall curve" in html
    # per class: every sample of the data set (the counts add up to it) and the training share
    data = html[html.index('id="data"') : html.index('id="performance"')]
    assert "training share" in data and "whole data set" in data
    counts = re.findall(r"<td>motif_\d</td><td[^>]*>(\d+)</td>", data)
    assert len(counts) == 2 and sum(map(int, counts)) == 300  # the fixture's n_samples
    assert '<a href="attributions/input_x_gradient.npz" download>' in html  # the raw file
    assert (run / "attributions" / "input_x_gradient.npz").is_file()


def test_report_with_trust_attention_and_saved_plots(rich_run: Path) -> None:
    path = write_report(rich_run)
    assert path == rich_run / "report.html"
    html = path.read_text(encoding="utf-8")
    ids = _section_ids(html)
    assert ids == [
        "overview",
        "data",
        "performance",
        "attention",
        "attributions",
        "trust",
        "samples",
        "views",
    ]
    trust = html[
        html.index('<section id="trust"') : html.index("</section>", html.index('id="trust"'))
    ]
    assert "passed by saliency" in trust and "failed by attention" in trust
    assert "saliency beat random" in trust and "attention do no better than random" in trust
    assert "recovers the planted signal best" in trust and "0.550" in trust
    assert 'id="trust-table"' in trust and 'pass" data-v="0.2"' in trust
    assert 'fail" data-v="0.9"' in trust and "0.200 ✓" in trust and "0.900 ✗" in trust
    assert "lime: not applicable" in trust
    assert "attention level: position" in html
    assert "consistency_hist.png" in html
    assert not _REMOTE.search(_own(html))


def test_report_of_a_bare_run_omits_missing_parts(tmp_path: Path) -> None:
    run = tmp_path / "bare"
    run.mkdir()
    metrics = {"test": {"accuracy": 0.75, "auroc": 0.8, "confusion_matrix": [[3, 1], [1, 3]],
                        "classes": ["a", "b"], "n_samples": 8}}  # fmt: skip
    (run / "metrics.json").write_text(json.dumps(metrics))
    html = build_report(run)
    ids = _section_ids(html)
    assert ids == ["overview", "data", "performance"]
    for absent in ("trust", "attention", "attributions", "config", "views"):
        assert absent not in ids
    assert len(_IMG.findall(html)) == 1  # the confusion matrix only: no scores for ROC


def test_report_errors_and_cli(tmp_path: Path, demo_run: tuple[Path, dict]) -> None:
    from attnscope.cli import run as main

    with pytest.raises(ConfigError, match="not a run directory"):
        build_report(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"neither model\.json nor metrics\.json"):
        build_report(tmp_path / "empty")
    assert main(["report", str(tmp_path / "empty")]) == 2
    run = tmp_path / "small"
    run.mkdir()
    (run / "metrics.json").write_text(json.dumps({"test": {"accuracy": 0.5}}))
    out = tmp_path / "elsewhere" / "r.html"
    assert main(["report", str(run), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not (run / "report.html").exists()


# ------------------------------------------------------------------------------- plots
@pytest.fixture()
def scores() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=120)
    proba = rng.dirichlet(np.ones(3), size=120)
    proba[np.arange(120), y] += 0.3
    return y, proba / proba.sum(axis=1, keepdims=True)


def test_roc_and_pr_curves_hold_sklearn_data(scores: tuple[np.ndarray, np.ndarray]) -> None:
    y, proba = scores
    ax = pl.roc_curve(y, proba, class_names=["x", "y", "z"])
    curves = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len(curves) == 3
    for c, line in enumerate(curves):
        fpr, tpr, _ = skm.roc_curve(y == c, proba[:, c])
        np.testing.assert_allclose(line.get_xdata(), fpr)
        np.testing.assert_allclose(line.get_ydata(), tpr)
        assert f"AUC {skm.roc_auc_score(y == c, proba[:, c]):.3f}" in line.get_label()
    ax = pl.pr_curve(y, proba)
    curves = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    for c, line in enumerate(curves):
        precision, recall, _ = skm.precision_recall_curve(y == c, proba[:, c])
        np.testing.assert_allclose(line.get_xdata(), recall)
        np.testing.assert_allclose(line.get_ydata(), precision)
    # binary: a single curve, for the positive class, from a 1-D score as well
    yb = (y == 1).astype(int)
    ax = pl.roc_curve(yb, proba[:, 1])
    (line,) = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    np.testing.assert_allclose(line.get_ydata(), skm.roc_curve(yb, proba[:, 1])[1])
    with pytest.raises(DataError, match="shape"):
        pl.roc_curve(y, proba[:10])
    with pytest.raises(DataError, match="integer class codes"):
        pl.pr_curve(np.array(["a"] * 120), proba)
    plt.close("all")


def test_confusion_and_history_plots() -> None:
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 4]])
    ax = pl.confusion_heatmap(cm, class_names=["a", "b", "c"])
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    ax = pl.confusion_heatmap(cm, normalize=True)
    np.testing.assert_allclose(ax.images[0].get_array().sum(axis=1), 1.0)
    with pytest.raises(DataError, match="square"):
        pl.confusion_heatmap(np.ones((2, 3)))
    history = {
        "epochs": [
            {"epoch": e, "train_loss": 1.0 / (e + 1), "val_auroc": 0.5 + e / 10} for e in range(4)
        ],
        "best_epoch": 2,
    }
    ax = pl.training_history(history)
    loss = next(line for line in ax.get_lines() if line.get_label() == "train_loss")
    np.testing.assert_allclose(loss.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(loss.get_ydata(), [1.0, 0.5, 1 / 3, 0.25])
    twin = next(a for a in ax.figure.axes if a is not ax and a.get_lines())
    np.testing.assert_allclose(twin.get_lines()[0].get_ydata(), [0.5, 0.6, 0.7, 0.8])
    assert any(np.allclose(line.get_xdata(), 3) for line in ax.get_lines())  # kept epoch
    with pytest.raises(DataError, match="no epochs"):
        pl.training_history({"epochs": []})
    plt.close("all")


def _attr(rng: np.random.Generator) -> Attribution:
    return Attribution(
        values=rng.normal(size=(30, 12)),
        method="saliency",
        target=np.repeat([0, 1, 2], 10),
        feature_names=np.array([f"g{j}" for j in range(12)]),
    )


def test_class_importance_and_top_features() -> None:
    attr = _attr(np.random.default_rng(1))
    imp = pl.class_importance(attr, n_classes=4)
    np.testing.assert_allclose(imp[1], np.abs(attr.values[10:20]).mean(axis=0))
    assert np.isnan(imp[3]).all()
    fig = pl.top_features_per_class(
        {"saliency": attr, "ig": attr}, class_names=["a", "b", "c"], k=5
    )
    assert len(fig.axes) == 6
    ax = fig.axes[2]  # saliency, class c
    widths = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(widths, np.sort(imp[2])[-5:])
    top = np.argsort(-imp[2])[:5][::-1]
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"g{j}" for j in top]
    with pytest.raises(DataError, match="k must be positive"):
        pl.top_features_per_class(attr, k=0)
    plt.close("all")


def test_attribution_heatmap_and_attention_matrix() -> None:
    attr = _attr(np.random.default_rng(2))
    ax = pl.attribution_heatmap(attr, max_samples=9, max_features=5, class_names=["a", "b", "c"])
    rows, cols = ax.attnscope_rows, ax.attnscope_cols
    assert len(rows) == 9 and sorted(attr.target[rows]) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    expected_cols = np.sort(np.argsort(-np.abs(attr.values).mean(axis=0))[:5])
    np.testing.assert_array_equal(cols, expected_cols)
    np.testing.assert_allclose(ax.images[0].get_array(), attr.values[np.ix_(rows, cols)])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    cube = np.random.default_rng(3).random((4, 3, 5))
    ax = pl.attention_matrix(cube, row_names=list("abc"), col_names=list("vwxyz"))
    np.testing.assert_allclose(ax.images[0].get_array(), cube.mean(axis=0))
    with pytest.raises(DataError, match="row_names"):
        pl.attention_matrix(cube, row_names=["a"])
    labels = pl.feature_labels(
        Attribution(
            values=np.zeros((2, 3, 2)),
            method="m",
            target=np.array([0, 1]),
            feature_names=np.array(["u", "v"]),
        )
    )
    assert labels.tolist() == ["0:u", "0:v", "1:u", "1:v", "2:u", "2:v"]
    plt.close("all")


def test_trust_reading_needs_a_clear_margin_over_random(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.json").write_text(json.dumps({"test": {"accuracy": 0.5}}))
    rows = [
        {"method": "random", "status": "ok", "deletion_auc": 0.5},
        {"method": "close", "status": "ok", "deletion_auc": 0.495, "sanity_pass": False},
        {"method": "clear", "status": "ok", "deletion_auc": 0.3, "sanity_pass": True},
    ]
    (run / "trust.json").write_text(json.dumps({"rows": rows}))
    html = build_report(run)
    assert "clear beat random; close do no better than random" in html
    assert "passed by clear; failed by close" in html


def test_model_views_from_attribution_files(tmp_path: Path) -> None:
    """Genotype, HAIN and fusion views are drawn from the run's files alone (no data file)."""
    from attnscope.sim import simulate_genotypes

    run = tmp_path / "run"
    run.mkdir()
    data = simulate_genotypes(n_samples=60, n_snps=300, random_state=0)
    # explain_run saves the SNP coordinates with the values
    snps = {"chromosomes": data.chromosomes, "positions": data.positions, "snp_ids": data.snp_ids}
    (run / "metrics.json").write_text(json.dumps({"test": {"classes": ["ctrl", "case"]}}))
    rng = np.random.default_rng(0)
    target, ids = rng.integers(0, 2, 20), data.sample_ids[:20]
    beta = rng.random((20, 3)).tolist()
    pathways = {"pathway_names": ["p0", "p1", "p2"], "pathway_attention": beta}
    protos = {"prototype_ids": ["a", "b"], "prototype_classes": ["x", "y"]}
    cross = {"row_names": list("abc"), "col_names": list("wxyz")}
    files = {
        "saliency": (rng.normal(size=(20, 300)), {}),
        "hierarchical": (rng.random((20, 6)), pathways),
        "prototypes": (rng.random((20, 2)), protos),
        "cross_attention": (rng.random((20, 3, 4)), cross),
    }  # fmt: skip
    for method, (values, meta) in files.items():
        Attribution(
            values=values,
            method=method,
            target=target,
            sample_ids=ids,
            meta=meta,
            inputs=snps if method == "saliency" else {},
        ).save(run / "attributions" / f"{method}.npz")
    html = build_report(run)
    assert 'id="notes"' not in html  # no view failed
    captions = re.findall(r"<figcaption>([^<]+)</figcaption>", html)
    assert "cross_attention: cross-attention averaged over 20 samples" in captions
    if hasattr(pl, "manhattan"):
        assert any(c.startswith("saliency: mean |attribution| per SNP") for c in captions)
        top = int(np.argmax(np.abs(files["saliency"][0]).mean(axis=0)))
        assert f"<td>{data.snp_ids[top]}</td>" in html  # first row of the top-SNP table
    if hasattr(pl, "pathway_attention_heatmap"):
        assert "hierarchical: pathway attention β per sample (top pathways)" in captions
        assert "prototypes: similarity of each sample to each prototype" in captions
    # prototypes and cross-attention are views, not per-feature attributions
    assert "prototypes: samples x features" not in captions

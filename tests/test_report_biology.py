"""Biology saved by ``explain`` and shown by the report: gene-set enrichment of the top
genes (expression), carriers' genotypes at the top SNPs (genotypes)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from attnscope.errors import ConfigError
from attnscope.metrics import geneset_enrichment
from attnscope.report import build_report


def _section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start : html.index("</section>", start)]


# -- enrichment: known values ------------------------------------------------------------------
def test_enrichment_equals_fisher_exact_and_hypergeom_for_every_set() -> None:
    from scipy.stats import false_discovery_control, fisher_exact, hypergeom

    rng = np.random.default_rng(3)
    names = np.array([f"G{i}" for i in range(300)])
    scores = rng.permutation(300).astype(float)
    top = names[np.argsort(-scores)[:40]]
    sets = {f"S{j}": rng.choice(names, size=rng.integers(3, 60), replace=False).tolist()
            for j in range(40)}  # fmt: skip
    sets["TOP"] = [*top[:15].tolist(), *names[:5].tolist()]  # enriched on purpose
    sets["tiny"] = names[:2].tolist()  # below min_size: not tested
    sets["LOWER"] = [g.lower() for g in top[:10]]  # symbols match case-insensitively
    rows = geneset_enrichment(scores, sets, k=40, feature_names=names)
    by = {r["set"]: r for r in rows}
    assert "tiny" not in by and len(rows) == 42
    assert rows[0]["set"] in ("TOP", "LOWER") and by["LOWER"]["overlap"] == 10
    for name, r in by.items():
        members = {g.upper() for g in sets[name]}
        a = int(np.isin(top, list(members)).sum())
        n = len(members)
        table = [[a, 40 - a], [n - a, 300 - 40 - (n - a)]]
        assert r["overlap"] == a and r["size"] == n
        assert r["p_value"] == pytest.approx(fisher_exact(table, alternative="greater")[1])
        assert r["p_value"] == pytest.approx(hypergeom.sf(a - 1, 300, n, 40))
        assert r["genes"] == [g for g in top.tolist() if g in members]  # in rank order
    p = np.array([by[s]["p_value"] for s in by])
    np.testing.assert_allclose([by[s]["fdr"] for s in by], false_discovery_control(p))
    assert [r["p_value"] for r in rows] == sorted(r["p_value"] for r in rows)
    assert geneset_enrichment(scores, {"X": ["NOPE1", "NOPE2", "NOPE3"]}, feature_names=names) == []


# -- enrichment in a run: explain writes it, the report shows it --------------------------------
@pytest.fixture(scope="module")
def expression_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, Path]:
    from attnscope.run import fit_run
    from attnscope.sim import simulate_expression

    root = tmp_path_factory.mktemp("expr")
    data = simulate_expression(80, n_genes=120, n_pathways=8, pathway_size=(6, 16), random_state=0)
    gmt = root / "sets.gmt"
    gmt.write_text(
        "".join(f"{k}\tsim\t" + "\t".join(v) + "\n" for k, v in data.meta["gene_sets"].items())
    )
    fit_run(data, model="mlp", out=root / "run", params={"epochs": 2}, baselines=False)
    return root / "run", data, gmt


def test_explain_writes_enrichment_and_the_report_shows_it(expression_run, tmp_path) -> None:
    from attnscope.io import read_gmt
    from attnscope.report._context import load_run
    from attnscope.report._views import expression_views
    from attnscope.run import explain_run

    run, data, gmt = expression_run
    attr, written = explain_run(run, data, method="saliency", gene_sets=gmt, force=True)
    saved = json.loads((run / "enrichment" / "saliency.json").read_text())
    assert run / "enrichment" / "saliency.json" in written
    assert saved["universe"] == 120 and saved["k"] == 30  # a quarter of the genes
    expected = geneset_enrichment(attr, read_gmt(gmt), k=30)
    assert [r["set"] for r in saved["rows"]] == [r["set"] for r in expected]
    np.testing.assert_allclose(
        [r["p_value"] for r in saved["rows"]], [r["p_value"] for r in expected]
    )
    views = _section(build_report(run), "views")
    assert 'id="enrichment-saliency"' in views and "Benjamini-Hochberg" in views
    best = saved["rows"][0]
    assert f"<td>{best['set']}</td>" in views and ", ".join(best["genes"][:3]) in views
    # 'none' skips it (and drops the overwritten attribution's enrichment); the report then
    # says there are no gene sets
    explain_run(run, data, method="saliency", gene_sets="none", force=True)
    assert not (run / "enrichment" / "saliency.json").exists()
    assert 'id="no-gene-sets"' in "".join(expression_views(load_run(run)))


def test_missing_gene_set_file_is_refused_before_writing(expression_run, monkeypatch) -> None:
    from attnscope.run import explain_run

    run, data, _ = expression_run
    with pytest.raises(ConfigError, match=r"gene-set file .* not found"):
        explain_run(run, data, method="occlusion", gene_sets=run / "nope.gmt")
    assert not (run / "attributions" / "occlusion.npz").exists()
    # no file given and no shared Hallmark: no enrichment, no error
    monkeypatch.setattr("attnscope._utils.paths.shared_data_dir", lambda: run / "absent")
    explain_run(run, data, method="occlusion", force=True)
    assert not (run / "enrichment" / "occlusion.json").exists()


# -- genotypes: the explained samples' dosages at the top SNPs ----------------------------------
def test_genotype_inputs_keep_top_snp_dosages_aligned_to_the_attribution() -> None:
    from attnscope.explain import Attribution
    from attnscope.run._biology import genotype_inputs
    from attnscope.sim import simulate_genotypes

    data = simulate_genotypes(n_samples=12, n_snps=200, random_state=0)
    rng = np.random.default_rng(0)
    kept = np.sort(rng.choice(200, size=150, replace=False))  # QC dropped 50 SNPs
    values = rng.normal(size=(12, 150))
    attr = Attribution(values, "saliency", np.zeros(12), feature_names=data.snp_ids[kept])
    saved = genotype_inputs(attr, data, n_snps=30)
    top = np.argsort(-np.abs(values).mean(axis=0), kind="stable")[:30]
    np.testing.assert_array_equal(saved["dosage_index"], top)
    np.testing.assert_array_equal(saved["dosage"], data.genotypes[:, kept[top]])
    assert saved["dosage"].dtype == np.int8 and saved["dosage"].shape == (12, 30)
    # coordinates line up with the attribution's own columns
    np.testing.assert_array_equal(saved["snp_ids"], data.snp_ids[kept])
    np.testing.assert_array_equal(saved["positions"], data.positions[kept])
    # a SNP the data lack: nothing is guessed
    odd = Attribution(values, "saliency", np.zeros(12), feature_names=["x"] * 150)
    assert genotype_inputs(odd, data) == {}


def test_explain_saves_carriers_and_the_browser_embeds_them(tmp_path: Path) -> None:
    import base64

    from attnscope.report._browser import CARRIER_SNPS, browser_data
    from attnscope.report._context import load_run
    from attnscope.run import explain_run, fit_run
    from attnscope.sim import simulate_genotypes, simulate_phenotype

    data = simulate_phenotype(
        simulate_genotypes(n_samples=60, n_snps=40, random_state=0), n_causal=4, random_state=0
    )
    run = tmp_path / "run"
    params = {"epochs": 1, "min_epochs": 1, "pretrain_epochs": 0, "dim": 8, "n_layers": 1}
    fit_run(data, model="hemera", out=run, params=params, baselines=False)
    attr, _ = explain_run(run, data, method="occlusion")
    with np.load(run / "attributions" / "occlusion.npz") as z:
        index, dosage = z["input_dosage_index"], z["input_dosage"]
        values, names = z["values"], z["feature_names"].astype(str)
    assert dosage.shape == (attr.n_samples, index.size) and index.size <= 50
    row = {s: i for i, s in enumerate(data.sample_ids.astype(str))}
    rows = [row[s] for s in attr.sample_ids.astype(str)]
    col = {s: j for j, s in enumerate(data.snp_ids.astype(str))}
    cols = [col[s] for s in names[index]]
    np.testing.assert_array_equal(dosage, data.genotypes[np.ix_(rows, cols)])
    strongest = np.argsort(-np.abs(values).mean(axis=0), kind="stable")[: index.size]
    np.testing.assert_array_equal(index, strongest)
    shown = browser_data(load_run(run))
    assert shown is not None
    c = min(CARRIER_SNPS, index.size)
    embedded = np.frombuffer(base64.b64decode(shown["carriers"]["dosage"]), np.int8)
    np.testing.assert_array_equal(embedded.reshape(-1, c), dosage[:, :c])

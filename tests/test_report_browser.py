"""The report in a real browser: headless Chromium, offline, no console errors.

Chromium comes from the Debian packages ``chromium`` and ``chromium-driver``
(``scripts/ensure_chromium.sh``, run by ``make test``); without it these tests skip.
One browser serves the whole module and each report is built and loaded once
(:mod:`tests._chromium`: the DevTools protocol over a pipe); tests read what a tab
logged (console calls, uncaught errors, CSP violations) and requested (every request
the page started), and the browser's NetLog of the whole session is checked when it
closes: no page asked the network for anything but the negative control's URL.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from _chromium import Chromium, Page

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Set to a folder to keep the screenshots (overview, trust, sample browser, biology views).
_SCREENSHOTS = "ATTNSCOPE_SCREENSHOTS"
#: A plotly figure that plotly.js drew: its div holds the SVG root plotly creates.
_DRAWN = re.compile(r'class="[^"]*js-plotly-plot[^"]*"')
#: The one URL a page of this module may request: the negative control's.
_BAD_URL = "http://example.invalid/x.png"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    exe = next((shutil.which(n) for n in _NAMES if shutil.which(n)), None)
    if exe is None:
        pytest.skip(
            "Chromium not found (looked for " + ", ".join(_NAMES) + "); install it with "
            "scripts/ensure_chromium.sh (Debian packages chromium and chromium-driver)"
        )
    chromium = Chromium(exe, tmp_path_factory.mktemp("chromium"))
    yield chromium
    assert set(chromium.close()) <= {_BAD_URL}  # the NetLog of every page of the module


def _keep(png: bytes, name: str) -> None:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # not a blank page
    folder = os.environ.get(_SCREENSHOTS)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.png").write_bytes(png)


def _only(section: str) -> str:
    """JS that shows only this section, so the screenshot shows it at the top."""
    return (
        "Array.prototype.forEach.call(document.querySelectorAll('main>section'),function(s){"
        f"s.style.display=s.id==='{section}'?'':'none';}});"
        "window.scrollTo(0,0);window.dispatchEvent(new Event('resize'));"
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, browser: Chromium) -> dict[str, Any]:
    """A small demo run's report with a known trust table, loaded once in one tab:
    the whole page, then the trust table alone (fit, sorting), then the sample browser."""
    from attnscope.cli._demo import run_demo
    from attnscope.report import write_report

    run = tmp_path_factory.mktemp("browser") / "run"
    rows = [
        {"method": m, "status": "ok", "n_samples": 24, "deletion_auc": d, "insertion_auc": i,
         "sanity_corr": c, "sanity_pass": c < 0.5, "seconds_per_sample": 1.964e-05 * (j + 1),
         "comprehensiveness": -8.423e-04 * j, "sufficiency": 0.02186, "precision_at_k": 0.1}
        for j, (m, d, i, c) in enumerate((
            ("random", 0.5, 0.5, 0.1), ("saliency", 0.3, 0.6, 0.2),
            ("input_x_gradient", 0.35, 0.7, 0.3), ("attention", 0.7, 0.4, 0.9),
            ("integrated_gradients", 0.31, 0.62, 0.2),
            ("layer_integrated_gradients", 0.4, 0.5, 0.6),
        ))
    ]  # fmt: skip
    trust = {"n_samples": 24, "rows": rows, "scope": "held"}

    def known_trust(directory: Path, *_: Any, **__: Any) -> dict[str, Any]:
        (Path(directory) / "trust.json").write_text(json.dumps(trust))
        return trust

    with pytest.MonkeyPatch.context() as mp:  # the report is written once, below
        mp.setattr("attnscope.report.write_report", lambda _run: None)
        mp.setattr("attnscope.run.trust_run", known_trust)  # the table these tests know
        run_demo(run, n_samples=120, length=60, epochs=1, trust_samples=6)
    page = write_report(run)
    with np.load(run / "test_predictions.npz") as z:
        ids, y, proba = z["sample_ids"].astype(str), z["y_true"], z["proba"]
    pick = ids[len(ids) // 2]
    tab = browser.open(page)
    try:
        out: dict[str, Any] = {"page": page, "ids": ids, "y": y, "proba": proba, "pick": pick}
        out["dom"], out["shot"] = tab.dom(), tab.screenshot()
        out["trust"] = tab.run(
            "var t=document.getElementById('trust-table'),w=t.parentNode;"
            "out.fit=w.scrollWidth<=w.clientWidth;"
            "var th=t.tHead.rows[0].cells,col=-1;"
            "for(var i=0;i<th.length;i++){if(th[i].dataset.col==='deletion_auc'){col=i;}}"
            "function names(){var a=[];for(var r of t.tBodies[0].rows){"
            "a.push(r.cells[0].textContent);}return a.join(',');}"
            "th[col].click();out.asc=names();th[col].click();out.desc=names();"
            "out.cells=Array.prototype.map.call(t.querySelectorAll('td.num'),"
            "function(td){return td.textContent;});" + _only("trust")
        )
        out["trust_shot"] = tab.screenshot(1000)
        out["samples"] = tab.run(
            "var $=function(i){return document.getElementById(i);},b=document.body;"
            "out.first=b.getAttribute('data-sb-shown');"
            # action 1: type the id; action 2: Enter
            f"var s=$('sb-search');s.value='{pick}';s.dispatchEvent(new Event('input'));"
            "s.dispatchEvent(new KeyboardEvent('keydown',{key:'Enter'}));"
            "out.picked=b.getAttribute('data-sb-shown');out.head=$('sb-head').textContent;"
            "out.bars=$('sb-plot').data[0].y.length;"
            "out.seq=$('sb-seq').querySelectorAll('span').length;"
            "s.value='';s.dispatchEvent(new Event('input'));"
            "var o=$('sb-outcome');o.value='0';o.dispatchEvent(new Event('input'));"
            "out.wrong=$('sb-list').options.length;"
            "o.value='';o.dispatchEvent(new Event('input'));var l=$('sb-list');l.selectedIndex=3;"
            "l.dispatchEvent(new Event('change'));out.clicked=b.getAttribute('data-sb-shown');"
            + _only("samples")
        )
        out["samples_shot"] = tab.screenshot(1100)
        out["console"], out["requests"] = tab.log()
    finally:
        tab.close()
    return out


def test_report_renders_offline_without_errors(demo: dict[str, Any]) -> None:
    assert demo["console"] == []
    assert demo["requests"] == []
    dom = demo["dom"]
    html = demo["page"].read_text(encoding="utf-8")
    assert html.count('<script id="plotly-js">') == 1  # plotly.js inline, once
    assert 'data-report-ready="1"' in dom  # the inline scripts ran to their end
    for section in ("overview", "data", "performance", "attributions", "trust", "samples"):
        assert f'<section id="{section}"' in dom
    assert "views" in dom and "config" in dom
    # every plotly figure was drawn: ROC/PR, heat map, 2 tracks, the sample browser
    n_figures = html.count('class="plotly-graph-div"')
    assert n_figures >= 4
    assert len(_DRAWN.findall(dom)) == n_figures + 1  # + the browser's plot
    assert dom.count('class="main-svg"') >= 2 * (n_figures + 1)
    # the trust table's pick (passes the check, best insertion - deletion) leads the overview
    overview = dom[dom.index('id="overview"') : dom.index('id="data"')]
    assert "input_x_gradient passes the weight randomisation check" in overview
    _keep(demo["shot"], "overview")


def test_trust_table_fits_the_page_and_sorts(demo: dict[str, Any]) -> None:
    trust = demo["trust"]
    assert trust["fit"] is True
    assert trust["cells"] and not any("e-" in c or "e+" in c for c in trust["cells"])
    order = ["saliency", "integrated_gradients", "input_x_gradient", "layer_integrated_gradients"]
    order = [*order, "random", "attention"]  # deletion AUC 0.3, 0.31, 0.35, 0.4, 0.5, 0.7
    assert trust["asc"] == ",".join(order)
    assert trust["desc"] == ",".join(order[::-1])
    _keep(demo["trust_shot"], "trust")


def test_sample_browser_selects_and_filters(demo: dict[str, Any]) -> None:
    got, ids, y, proba = demo["samples"], demo["ids"], demo["y"], demo["proba"]
    pick = demo["pick"]
    assert got["picked"] == pick and got["first"] != pick
    row = int(np.flatnonzero(ids == pick)[0])
    assert f"with probability {proba[row].max():.3f}" in got["head"]
    assert got["bars"] == got["seq"] == 60  # one bar and one base per position
    assert got["wrong"] == int((proba.argmax(axis=1) != y).sum())
    assert got["clicked"] not in (got["first"], "", None)
    _keep(demo["samples_shot"], "sample_browser")


def _bio_run(root: Path, kind: str, add: Any = None) -> Path:
    """A genotype run (Manhattan with known loci, motif table) or a time-series run,
    from files alone, as explain_run and motif discovery write them; ``add(run)`` may
    write more files before the report is built."""
    import numpy as np

    from attnscope.explain import Attribution

    run = root / kind
    (run / "motifs").mkdir(parents=True)
    rng = np.random.default_rng(0)
    n = 30
    ids = np.array([f"{kind}{i:02d}" for i in range(n)])
    y = np.arange(n) % 2
    proba = rng.dirichlet([1, 1], size=n)
    np.savez(run / "test_predictions.npz", sample_ids=ids, y_true=y, proba=proba)
    classes = ["control", "case"]
    (run / "metrics.json").write_text(json.dumps({"test": {"accuracy": 0.6, "classes": classes}}))
    meta: dict = {}
    inputs: dict = {}
    if kind == "genotypes":
        from attnscope.sim import simulate_genotypes

        data = simulate_genotypes(n_samples=n, n_snps=600, random_state=0)
        from attnscope.run._biology import genotype_inputs

        meta = {"known_loci": [str(s) for s in data.snp_ids[[10, 300]]]}
        values = rng.normal(size=(n, 600))
        # what explain saves: coordinates and the samples' dosages at the top SNPs
        lead = Attribution(values, "saliency", y, feature_names=data.snp_ids)
        inputs = genotype_inputs(lead, data)
        cwm = np.eye(4)[[0, 1, 2, 3, 3, 2]] * 0.5
        pattern = {"pattern": "pos_0", "n_seqlets": 12, "best_match": "MA0139.1 CTCF",
                   "q_value": 0.001, "cwm": cwm.tolist()}  # fmt: skip
        (run / "motifs" / "patterns.json").write_text(json.dumps([pattern]))
    else:
        values = rng.normal(size=(n, 12, 3))
    for method in ("saliency", "occlusion"):
        Attribution(
            values=values * (1 if method == "saliency" else -1),
            method=method,
            target=y,
            sample_ids=ids,
            meta=meta,
            inputs=inputs,
        ).save(run / "attributions" / f"{method}.npz")
    if add is not None:
        add(run)
    from attnscope.report import write_report

    return write_report(run)


def test_genotype_views_and_carriers(browser: Chromium, tmp_path: Path) -> None:
    page = _bio_run(tmp_path, "genotypes")
    html = page.read_text(encoding="utf-8")
    assert 'id="motif-table"' in html and "MA0139.1 CTCF" in html
    tab = browser.open(page, height=1200)
    try:
        got = tab.run(
            "out.traces=document.getElementById('sb-plot').data.length;"
            "var t=document.getElementById('sb-carriers');out.rows=[];"
            "for(var r of t.tBodies[0].rows){out.rows.push(Array.prototype.map.call(r.cells,"
            "function(c){return c.textContent;}));}"
            "out.shaded=t.querySelectorAll('tr.carrier').length;out.head=Array.prototype.map"
            ".call(t.tHead.rows[0].cells,function(c){return c.textContent;});"
            "out.shown=document.body.getAttribute('data-sb-shown');"
        )
        tab.run(_only("samples"))
        samples = tab.screenshot()
        tab.run(_only("views"))
        dom, views = tab.dom(), tab.screenshot()
        console, requests = tab.log()
    finally:
        tab.close()
    assert console == [] and requests == []
    assert ">known loci<" in dom  # the Manhattan plot's legend, drawn by plotly.js
    assert got["traces"] == 2  # the browser shows both methods
    # the shown sample's genotype at the top SNPs, each method's attribution beside it
    from attnscope.explain import Attribution

    attr = Attribution.load(tmp_path / "genotypes" / "attributions" / "saliency.npz")
    i = int(np.flatnonzero(attr.sample_ids.astype(str) == got["shown"])[0])
    index, dosage = attr.inputs["dosage_index"], attr.inputs["dosage"]
    assert len(got["rows"]) == 20 and got["head"][:3] == ["SNP", "locus", "genotype"]
    sign = {"saliency": 1, "occlusion": -1}  # occlusion's values are -saliency's
    for c, cells in enumerate(got["rows"]):
        assert cells[0] == str(attr.inputs["snp_ids"][index[c]])
        assert cells[2] == str(int(dosage[i, c]))
        for method, text in zip(got["head"][3:], cells[3:], strict=True):
            expected = sign[method] * attr.values[i, index[c]]
            assert float(text) == pytest.approx(expected, rel=5e-3)  # 3 digits shown
    assert got["shaded"] == int((dosage[i, :20] > 0).sum())
    _keep(samples, "sample_browser_genotypes")
    _keep(views, "biology_manhattan_motifs")


def test_time_series_browser_and_seed_consistency(browser: Chromium, tmp_path: Path) -> None:
    from attnscope.cli._consistency import write_consistency
    from attnscope.run._consistency import run_consistency
    from attnscope.sim import simulate_timeseries

    data = simulate_timeseries(
        120, n_times=8, n_variables=4, n_informative=2, window=(4, 8), random_state=3
    )
    study = run_consistency(
        data, n_variants=3, top_k=5, n_explain=12, ig_steps=4, time_standalone=False,
        params={"epochs": 1, "hidden": 6, "attention_dim": 4},
    )  # fmt: skip

    def add_study(run: Path) -> None:  # as 'attnscope consistency --out RUN/consistency'
        (run / "consistency").mkdir()
        write_consistency(study, run / "consistency", plots=False)

    page = _bio_run(tmp_path, "timeseries", add_study)
    tab = browser.open(page, height=1000)
    try:
        grid = tab.run(
            "out.grid=document.getElementById('sb-plot').data.map(function(t){"
            "return t.type+':'+t.z.length+'x'+t.z[0].length;}).join(',');" + _only("samples")
        )
        samples = tab.screenshot()
        cons = tab.run(
            "var s=document.getElementById('consistency');"
            "out.figures=s.querySelectorAll('.js-plotly-plot').length;"
            "out.violins=document.getElementById('consistency-violins').data.length;"
            "out.rows=document.getElementById('consistency-table').tBodies[0].rows.length;"
            "out.lead=document.getElementById('consistency-lead').textContent;"
            + _only("consistency")
        )
        consistency = tab.screenshot(1600)
        console, requests = tab.log()
    finally:
        tab.close()
    assert console == [] and requests == []
    assert grid["grid"] == "heatmap:12x3,heatmap:12x3"  # (time x variable) per method
    methods = study["methods"]
    # violins (one per method and metric), a top-cell spread per method, AUROC vs agreement
    assert cons["figures"] == 1 + len(methods) + 1
    assert cons["violins"] == len(methods) * 5 and cons["rows"] == len(methods)
    assert cons["lead"].startswith("3 variants of attn_lstm differing only in their random seed")
    _keep(samples, "sample_browser_timeseries")
    _keep(consistency, "consistency")


def test_the_checks_catch_requests_and_console_errors(browser: Chromium, tmp_path: Path) -> None:
    """Negative control: a page that fetches and logs is caught by both checks."""
    page = tmp_path / "bad.html"
    page.write_text(
        f'<!DOCTYPE html><html><body><img src="{_BAD_URL}">'
        "<script>console.error('bad page');</script></body></html>",
        encoding="utf-8",
    )
    visit: Page = browser.visit(page)
    assert any("bad page" in line for line in visit.console)
    assert visit.requests == [_BAD_URL]

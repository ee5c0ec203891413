"""The report in a real browser: headless Chromium, offline, no console errors.

Chromium comes from the Debian packages ``chromium`` and ``chromium-driver``
(``scripts/ensure_chromium.sh``, run by ``make test``); without it these tests skip.
Console messages are read from Chromium's log (``--enable-logging=stderr``) and
network requests from its NetLog (``--log-net-log``): a request counts as the page's
when its network isolation key is the page's ``file://`` site, which leaves out
Chromium's own background traffic.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Set to a folder to keep the screenshots (overview, trust, sample browser, biology view).
_SCREENSHOTS = "ATTNSCOPE_SCREENSHOTS"
#: A plotly figure that plotly.js drew: its div holds the SVG root plotly creates.
_DRAWN = re.compile(r'class="[^"]*js-plotly-plot[^"]*"')


@dataclass
class Visit:
    dom: str
    console: list[str]
    requests: list[str]
    screenshot: Path


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in _NAMES:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        "Chromium not found (looked for " + ", ".join(_NAMES) + "); install it with "
        "scripts/ensure_chromium.sh (Debian packages chromium and chromium-driver)"
    )


def _page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked for over the network (not file: or data:)."""
    text = netlog.read_text(encoding="utf-8", errors="replace")
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # the log of a killed browser lacks its closing "]}"
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event.get("type") != start_job or "url" not in params:
            continue
        if str(params.get("network_isolation_key", "")).startswith("file://"):
            if not str(params["url"]).startswith(("file:", "data:")):
                urls.append(str(params["url"]))
    return urls


def _visit(chromium: str, page: Path, work: Path, *, height: int = 2200) -> Visit:
    work.mkdir(parents=True, exist_ok=True)
    shot, netlog = work / "screenshot.png", work / "netlog.json"
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={work / 'profile'}",
        "--enable-logging=stderr",
        "--log-level=0",
        f"--log-net-log={netlog}",
        f"--screenshot={shot}",
        f"--window-size=1280,{height}",
        "--virtual-time-budget=3000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    if proc.returncode != 0 and not proc.stdout:
        pytest.fail(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return Visit(proc.stdout, console, _page_requests(netlog), shot)


def _probe(page: Path, target: Path, script: str) -> Path:
    """A copy of ``page`` that runs ``script`` (JS statements) once the page has loaded."""
    html = page.read_text(encoding="utf-8")
    target.write_text(html.replace("</body>", f"<script>{script}</script></body>"), "utf-8")
    return target


def _keep(shot: Path, name: str) -> None:
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # not a blank page
    folder = os.environ.get(_SCREENSHOTS)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(folder) / f"{name}.png")


def _only(section: str) -> str:
    """JS that hides every other section, so the screenshot shows this one at the top."""
    return (
        "Array.prototype.forEach.call(document.querySelectorAll('main>section'),function(s){"
        f"if(s.id!=='{section}'){{s.style.display='none';}}}});"
        "window.dispatchEvent(new Event('resize'));"
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Report of a small demo run, with a trust table added."""
    from attnscope.cli._demo import run_demo
    from attnscope.report import write_report

    run = tmp_path_factory.mktemp("browser") / "run"
    with pytest.MonkeyPatch.context() as mp:  # the report is written once, below
        mp.setattr("attnscope.report.write_report", lambda _run: None)
        run_demo(run, n_samples=120, length=60, epochs=1, trust_samples=6)
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
    (run / "trust.json").write_text(json.dumps({"n_samples": 24, "rows": rows, "scope": "held"}))
    return write_report(run)


def test_report_renders_offline_without_errors(chromium: str, report: Path, tmp_path: Path) -> None:
    visit = _visit(chromium, report, tmp_path / "visit")
    assert visit.console == []
    assert visit.requests == []
    html = report.read_text(encoding="utf-8")
    assert html.count('<script id="plotly-js">') == 1  # plotly.js inline, once
    assert 'data-report-ready="1"' in visit.dom  # the inline scripts ran to their end
    for section in ("overview", "data", "performance", "attributions", "trust", "samples"):
        assert f'<section id="{section}"' in visit.dom
    assert "views" in visit.dom and "config" in visit.dom
    # every plotly figure was drawn: ROC/PR, heat map, 2 tracks, the sample browser
    n_figures = html.count('class="plotly-graph-div"')
    assert n_figures >= 4
    assert len(_DRAWN.findall(visit.dom)) == n_figures + 1  # + the browser's plot
    assert visit.dom.count('class="main-svg"') >= 2 * (n_figures + 1)
    # the trust table's pick (passes the check, best insertion - deletion) leads the overview
    overview = visit.dom[visit.dom.index('id="overview"') : visit.dom.index('id="data"')]
    assert "input_x_gradient passes the weight randomisation check" in overview
    _keep(visit.screenshot, "overview")


def test_trust_table_fits_the_page_and_sorts(chromium: str, report: Path, tmp_path: Path) -> None:
    probe = _probe(
        report,
        tmp_path / "trust.html",
        "var t=document.getElementById('trust-table'),w=t.parentNode,b=document.body;"
        "b.setAttribute('data-fit',w.scrollWidth<=w.clientWidth?'yes':'no');"
        "var th=t.tHead.rows[0].cells,col=-1;"
        "for(var i=0;i<th.length;i++){if(th[i].dataset.col==='deletion_auc'){col=i;}}"
        "th[col].click();var a=[];for(var r of t.tBodies[0].rows){a.push(r.cells[0].textContent);}"
        "th[col].click();var d=[];for(var r of t.tBodies[0].rows){d.push(r.cells[0].textContent);}"
        "b.setAttribute('data-asc',a.join(','));b.setAttribute('data-desc',d.join(','));"
        + _only("trust"),
    )
    visit = _visit(chromium, probe, tmp_path / "visit", height=1000)
    assert visit.console == []
    assert 'data-fit="yes"' in visit.dom
    cells = re.findall(r'<td class="num[^"]*" data-v="[^"]*">([^<]*)</td>', visit.dom)
    assert cells and not any("e-" in c or "e+" in c for c in cells)  # no exponent notation
    order = ["saliency", "integrated_gradients", "input_x_gradient", "layer_integrated_gradients"]
    order = [*order, "random", "attention"]  # deletion AUC 0.3, 0.31, 0.35, 0.4, 0.5, 0.7
    assert f'data-asc="{",".join(order)}"' in visit.dom
    assert f'data-desc="{",".join(order[::-1])}"' in visit.dom
    _keep(visit.screenshot, "trust")


def test_sample_browser_selects_and_filters(chromium: str, report: Path, tmp_path: Path) -> None:
    import numpy as np

    with np.load(report.parent / "test_predictions.npz") as z:
        ids, y, proba = z["sample_ids"].astype(str), z["y_true"], z["proba"]
    wrong = int((proba.argmax(axis=1) != y).sum())
    pick = ids[len(ids) // 2]
    script = (
        "var $=function(i){return document.getElementById(i);},b=document.body;"
        "b.setAttribute('data-first',b.getAttribute('data-sb-shown'));"
        # action 1: type the id; action 2: Enter
        f"var s=$('sb-search');s.value='{pick}';s.dispatchEvent(new Event('input'));"
        "s.dispatchEvent(new KeyboardEvent('keydown',{key:'Enter'}));"
        "b.setAttribute('data-picked',b.getAttribute('data-sb-shown'));"
        "b.setAttribute('data-head',$('sb-head').textContent);"
        "b.setAttribute('data-bars',String($('sb-plot').data[0].y.length));"
        "b.setAttribute('data-seq',String($('sb-seq').querySelectorAll('span').length));"
        "s.value='';s.dispatchEvent(new Event('input'));"
        "var o=$('sb-outcome');o.value='0';o.dispatchEvent(new Event('input'));"
        "b.setAttribute('data-wrong',String($('sb-list').options.length));"
        "o.value='';o.dispatchEvent(new Event('input'));var l=$('sb-list');l.selectedIndex=3;"
        "l.dispatchEvent(new Event('change'));"
        "b.setAttribute('data-clicked',b.getAttribute('data-sb-shown'));" + _only("samples")
    )
    visit = _visit(
        chromium, _probe(report, tmp_path / "b.html", script), tmp_path / "v", height=1100
    )
    assert visit.console == []
    attrs = dict(
        re.findall(r'data-(first|picked|head|bars|seq|wrong|clicked)="([^"]*)"', visit.dom)
    )
    assert attrs["picked"] == pick and attrs["first"] != pick
    row = int(np.flatnonzero(ids == pick)[0])
    assert f"with probability {proba[row].max():.3f}" in attrs["head"]
    assert attrs["bars"] == attrs["seq"] == "60"  # one bar and one base per position
    assert attrs["wrong"] == str(wrong)
    assert attrs["clicked"] not in (attrs["first"], "")
    _keep(visit.screenshot, "sample_browser")


def _bio_run(root: Path, kind: str) -> Path:
    """A genotype run (Manhattan with known loci, motif table) or a time-series run,
    from files alone, as explain_run and motif discovery write them."""
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
        inputs = {k: getattr(data, k) for k in ("chromosomes", "positions", "snp_ids")}
        meta = {"known_loci": [str(s) for s in data.snp_ids[[10, 300]]]}
        values = rng.normal(size=(n, 600))
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
    from attnscope.report import write_report

    return write_report(run)


def test_biology_views_and_time_series_browser(chromium: str, tmp_path: Path) -> None:
    page = _bio_run(tmp_path, "genotypes")
    html = page.read_text(encoding="utf-8")
    assert 'id="motif-table"' in html and "MA0139.1 CTCF" in html
    probe = _probe(
        page,
        tmp_path / "g.html",
        "document.body.setAttribute('data-traces',"
        "String(document.getElementById('sb-plot').data.length));" + _only("views"),
    )
    visit = _visit(chromium, probe, tmp_path / "g", height=1200)
    assert visit.console == [] and visit.requests == []
    assert ">known loci<" in visit.dom  # the Manhattan plot's legend, drawn by plotly.js
    assert 'data-traces="2"' in visit.dom  # the browser shows both methods
    _keep(visit.screenshot, "biology_manhattan_motifs")
    page = _bio_run(tmp_path, "timeseries")
    probe = _probe(
        page,
        tmp_path / "t.html",
        "var d=document.getElementById('sb-plot').data;document.body.setAttribute('data-grid',"
        "d.map(function(t){return t.type+':'+t.z.length+'x'+t.z[0].length;}).join(','));"
        + _only("samples"),
    )
    visit = _visit(chromium, probe, tmp_path / "t", height=1000)
    assert visit.console == []
    assert 'data-grid="heatmap:12x3,heatmap:12x3"' in visit.dom  # (time x variable) per method
    _keep(visit.screenshot, "sample_browser_timeseries")


def test_the_checks_catch_requests_and_console_errors(chromium: str, tmp_path: Path) -> None:
    """Negative control: a page that fetches and logs is caught by both checks."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="http://example.invalid/x.png">'
        "<script>console.error('bad page');</script></body></html>",
        encoding="utf-8",
    )
    visit = _visit(chromium, page, tmp_path / "visit")
    assert any("bad page" in line for line in visit.console)
    assert visit.requests == ["http://example.invalid/x.png"]

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
#: Set to a file path to keep the screenshot of the report (e.g. to look at it).
_KEEP_SCREENSHOT = "ATTNSCOPE_REPORT_SCREENSHOT"


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


def _visit(chromium: str, page: Path, work: Path) -> Visit:
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
        "--window-size=1280,2200",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    if proc.returncode != 0 and not proc.stdout:
        pytest.fail(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return Visit(proc.stdout, console, _page_requests(netlog), shot)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Report of a small demo run, with a trust table added."""
    from attnscope.cli._demo import run_demo
    from attnscope.report import write_report

    run = tmp_path_factory.mktemp("browser") / "run"
    with pytest.MonkeyPatch.context() as mp:  # the report is written once, below
        mp.setattr("attnscope.report.write_report", lambda _run: None)
        run_demo(run, n_samples=120, length=60, epochs=1)
    rows = [
        {"method": m, "status": "ok", "n_samples": 24, "deletion_auc": d, "sanity_pass": p}
        for m, d, p in (("random", 0.5, True), ("saliency", 0.3, True), ("attention", 0.7, False))
    ]
    (run / "trust.json").write_text(json.dumps({"n_samples": 24, "rows": rows}))
    return write_report(run)


def test_report_renders_offline_without_errors(chromium: str, report: Path, tmp_path: Path) -> None:
    visit = _visit(chromium, report, tmp_path / "visit")
    assert visit.console == []
    assert visit.requests == []
    assert 'data-report-ready="1"' in visit.dom  # the inline script ran to its end
    for section in ("overview", "data", "performance", "attributions", "trust", "views", "config"):
        assert f'<section id="{section}"' in visit.dom
    assert len(re.findall(r'<img [^>]*src="data:image/png', visit.dom)) >= 6
    png = visit.screenshot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # not a blank page
    if os.environ.get(_KEEP_SCREENSHOT):
        shutil.copyfile(visit.screenshot, os.environ[_KEEP_SCREENSHOT])


def test_tables_sort_on_click(chromium: str, report: Path, tmp_path: Path) -> None:
    html = report.read_text(encoding="utf-8")
    probe = (
        "<script>(function(){var t=document.getElementById('trust-table');"
        "var th=t.tHead.rows[0].cells;var col=-1;"
        "for(var i=0;i<th.length;i++){if(th[i].textContent==='deletion_auc'){col=i;}}"
        "th[col].click();var a=[];for(var r of t.tBodies[0].rows){a.push(r.cells[0].textContent);}"
        "th[col].click();var d=[];for(var r of t.tBodies[0].rows){d.push(r.cells[0].textContent);}"
        "document.body.setAttribute('data-asc',a.join(','));"
        "document.body.setAttribute('data-desc',d.join(','));})();</script></body>"
    )
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", probe), encoding="utf-8")
    visit = _visit(chromium, page, tmp_path / "visit")
    assert visit.console == []
    order = ["saliency", "random", "attention"]  # deletion AUC 0.3, 0.5, 0.7
    assert f'data-asc="{",".join(order)}"' in visit.dom
    assert f'data-desc="{",".join(order[::-1])}"' in visit.dom


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

"""One headless Chromium for a whole test module, driven over the DevTools protocol.

The browser starts once (``--remote-debugging-pipe``: JSON messages separated by NUL on
file descriptors 3 and 4, so no WebSocket library is needed) and each page opens in a
fresh tab. What a page does is read from the protocol's events: console calls and
uncaught exceptions (``Runtime``), browser log entries such as Content-Security-Policy
violations (``Log``) and every request the page starts (``Network.requestWillBeSent``).
Chromium's NetLog of the whole session is kept too (``--log-net-log``) for a last check
when the browser closes.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Seconds a protocol call may take (loading a 6 MB page on a busy machine included).
TIMEOUT = 90.0

#: JS: a promise that resolves once every plotly figure on the page has been drawn.
SETTLED = """new Promise(function(done){
  var t0=Date.now();
  (function check(){
    var divs=document.querySelectorAll('.plotly-graph-div'),ready=document.body&&
      document.body.getAttribute('data-report-ready')!==null||!document.getElementById('plotly-js');
    var drawn=Array.prototype.every.call(divs,function(d){
      return d.classList.contains('js-plotly-plot')&&d.querySelector('.main-svg');});
    if((ready&&drawn)||Date.now()-t0>20000){done(drawn);}else{setTimeout(check,25);}
  })();
})"""


@dataclass
class Page:
    """One loaded tab: its DOM after ``script``, what it logged and requested."""

    dom: str
    console: list[str]
    requests: list[str]
    screenshot: bytes = b""
    values: dict[str, Any] = field(default_factory=dict)


class Chromium:
    """A headless Chromium driven over ``--remote-debugging-pipe``."""

    def __init__(self, executable: str, work: Path) -> None:
        work.mkdir(parents=True, exist_ok=True)
        self.netlog = work / "netlog.json"
        to_child, self._write = os.pipe()
        self._read, from_child = os.pipe()

        def _fds() -> None:  # the protocol's descriptors: 3 reads commands, 4 writes replies
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child, from_child)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self._stderr = (work / "stderr.txt").open("wb")
        self.proc = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--no-first-run",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
                f"--user-data-dir={work / 'profile'}",
                f"--log-net-log={self.netlog}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(work / "stderr.txt", "wb"),
            preexec_fn=_fds,
            pass_fds=(3, 4),
        )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._id = 0
        self._events: list[dict[str, Any]] = []

    # -- protocol ------------------------------------------------------------------------
    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command and return its result (events meanwhile are kept)."""
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def _wait_event(self, method: str, session: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        seen = 0
        while True:
            for event in self._events[seen:]:
                if event.get("method") == method and event.get("sessionId") == session:
                    return
            seen = len(self._events)
            self._events.append(self._message(deadline))

    # -- pages ---------------------------------------------------------------------------
    def open(self, page: Path | str, *, height: int = 2200) -> Tab:
        """Load ``page`` in a new tab and wait until every plotly figure is drawn."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        tab = Tab(self, target, session)
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable", session)
        tab.resize(height)
        self._events.clear()
        url = Path(page).resolve().as_uri() if isinstance(page, Path) else page
        self.call("Page.navigate", session, url=url)
        self._wait_event("Page.loadEventFired", session)
        tab.run("")
        return tab

    def visit(self, page: Path | str, script: str = "", *, height: int = 2200) -> Page:
        """Open ``page``, run ``script``, and return its DOM, log and a screenshot."""
        tab = self.open(page, height=height)
        try:
            values = tab.run(script)
            return Page(tab.dom(), *tab.log(), tab.screenshot(), values)
        finally:
            tab.close()

    def close(self) -> list[str]:
        """Quit the browser; the URLs any page requested over the network, from the NetLog."""
        try:
            self.call("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            self.proc.kill()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._write)
        os.close(self._read)
        self._stderr.close()
        return netlog_requests(self.netlog)


class Tab:
    """One open page of a :class:`Chromium`."""

    def __init__(self, browser: Chromium, target: str, session: str) -> None:
        self.browser, self.target, self.session = browser, target, session

    def evaluate(self, expression: str) -> Any:
        """The value of a JS expression (a promise is awaited)."""
        result = self.browser.call(
            "Runtime.evaluate", self.session, expression=expression, awaitPromise=True,
            returnByValue=True,
        )  # fmt: skip
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def run(self, script: str) -> dict[str, Any]:
        """Run JS statements (they may fill ``window.out``), then wait for the figures."""
        values = self.evaluate(f"window.out={{}};{script};window.out") or {}
        if not self.evaluate(SETTLED):
            raise RuntimeError("the page's plotly figures were not all drawn within 20 s")
        return values

    def resize(self, height: int) -> None:
        self.browser.call(
            "Emulation.setDeviceMetricsOverride", self.session,
            width=1280, height=height, deviceScaleFactor=1, mobile=False,
        )  # fmt: skip

    def dom(self) -> str:
        return str(self.evaluate("document.documentElement.outerHTML"))

    def screenshot(self, height: int | None = None) -> bytes:
        """PNG of the viewport (``height`` resizes it first)."""
        if height is not None:
            self.resize(height)
            self.run("window.dispatchEvent(new Event('resize'))")
        data = self.browser.call("Page.captureScreenshot", self.session, format="png")["data"]
        return base64.b64decode(data)

    def log(self) -> tuple[list[str], list[str]]:
        """Console messages (and errors) and network requests of this tab so far."""
        console, requests = [], []
        for event in self.browser._events:
            if event.get("sessionId") != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled":
                args = " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                console.append(f"console.{params['type']}: {args}")
            elif method == "Runtime.exceptionThrown":
                console.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                console.append(f"log {params['entry']['level']}: {params['entry']['text']}")
            elif method == "Network.requestWillBeSent":
                url = str(params["request"]["url"])
                if not url.startswith(("file:", "data:", "about:")):
                    requests.append(url)
        return console, requests

    def close(self) -> None:
        self.browser.call("Target.closeTarget", targetId=self.target)


def netlog_requests(netlog: Path) -> list[str]:
    """URLs that pages (network isolation key ``file://``) asked for, not file: or data:."""
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

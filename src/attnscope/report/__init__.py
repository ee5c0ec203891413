"""HTML report of a run directory: one self-contained file that opens offline.

``write_report(run)`` writes ``run/report.html``: an overview that leads with the method
the trust table recommends, the samples every number is about and the baselines beside
the model; data summary; predictive metrics with confusion matrix and interactive ROC/PR
curves; attention and attribution heat maps; the trust table with a plain reading and a
legend per column; the seed-consistency study (``consistency.json`` in the run or in
``RUN/consistency/``: summary, per-sample violins, top-cell spreads, AUROC against
agreement); a sample browser (every explained sample, each saved method side by side);
model-specific views (saliency tracks, motif table, Manhattan plot, gene-set enrichment,
...) and the config that reproduces the run. Interactive figures are plotly, with plotly.js inline
once per page; static ones are PNG data URIs; a Content-Security-Policy allows inline
scripts only and forbids every network request. A part the run lacks (no trust.json,
no attention, no test_predictions.npz) just leaves its section out.

Examples
--------
>>> from attnscope.report import write_report
>>> path = write_report("runs/demo")  # doctest: +SKIP
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from pathlib import Path

from attnscope.errors import AttnscopeWarning, ConfigError, DataError

__all__ = ["build_report", "write_report"]


def build_report(run: str | Path) -> str:
    """The HTML report of a run directory, as a string.

    Parameters
    ----------
    run : str or Path
        Directory written by ``attnscope fit``, ``evaluate``, ``explain`` or ``demo``.

    Returns
    -------
    str
        A complete HTML document with no external resource.

    Raises
    ------
    ConfigError
        When ``run`` is not a run directory.
    """
    import matplotlib

    matplotlib.use("Agg")
    from attnscope import __version__
    from attnscope.report import _sections as s
    from attnscope.report._browser import browser_section
    from attnscope.report._consistency import consistency_section
    from attnscope.report._context import RunContext, load_run
    from attnscope.report._html import Section, esc, page
    from attnscope.report._trust import trust_section
    from attnscope.report._views import model_views_section

    start = time.perf_counter()
    ctx = load_run(run)
    builders: list[Callable[[RunContext], Section | None]] = [
        s.overview_section,
        s.data_section,
        s.performance_section,
        s.attention_section,
        s.attributions_section,
        trust_section,
        consistency_section,
        browser_section,
        model_views_section,
        s.config_section,
    ]
    sections: list[Section] = []
    for build in builders:
        try:
            section = build(ctx)
        except (
            DataError,
            ConfigError,
            ValueError,
            KeyError,
            IndexError,
            TypeError,
            AttributeError,
            OSError,
        ) as exc:  # a damaged, partial or hand-edited file costs its section, not the report
            name = build.__name__.removesuffix("_section")
            warnings.warn(f"report section {name!r} failed: {exc}", AttnscopeWarning, stacklevel=2)
            ctx.notes.append(f"section {name!r} could not be built ({type(exc).__name__}: {exc}).")
            continue
        if section is not None:
            sections.append(section)
    if ctx.notes:
        for note in dict.fromkeys(ctx.notes):  # section failures were warned above
            if not note.startswith("section "):
                warnings.warn(f"report: {note}", AttnscopeWarning, stacklevel=2)
        items = "".join(f"<li>{esc(n)}</li>" for n in dict.fromkeys(ctx.notes))
        sections.append(Section("notes", "Notes", f"<ul>{items}</ul>"))
    seconds = time.perf_counter() - start
    return page(
        f"attnscope report: {ctx.run.resolve().name}",
        f"{ctx.model_name} · {', '.join(ctx.classes)}",
        sections,
        footer=(
            f"attnscope {__version__} · generated {time.strftime('%Y-%m-%d %H:%M')} "
            f"in {seconds:.1f} s · self-contained, no network access needed"
        ),
    )


def write_report(run: str | Path, *, out: str | Path | None = None) -> Path:
    """Write the report of ``run`` (default ``run/report.html``) atomically.

    Parameters
    ----------
    run : str or Path
        Run directory.
    out : str or Path, optional
        Target file; default ``report.html`` inside ``run``.

    Returns
    -------
    Path
        The written file.
    """
    from attnscope._utils.files import write_text

    target = Path(out) if out is not None else Path(run) / "report.html"
    _check_target(target)
    return write_text(target, build_report(run))


def _check_target(target: Path) -> None:
    """An ``.html`` name, and an existing file only when it is an earlier report.

    ``report`` has no --force: it rewrites its own page, never another file (``--out
    predictions.tsv`` replaced the table with HTML).
    """
    if target.is_dir():
        return  # write_text names it
    if target.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"--out {target}: the report is an HTML page; name the file .html.")
    if target.is_file():
        with open(target, "rb") as fh:
            head = fh.read(4096)
        if _TITLE not in head:
            raise ConfigError(
                f"{target} exists and is not an attnscope report; choose another --out "
                "(report replaces only its own earlier page)."
            )


#: The start of every report's <title> (:func:`build_report`).
_TITLE = b"<title>attnscope report: "

"""``attnscope report RUN [--out FILE]``: the HTML report of a run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register", "report_line"]


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""

    @app.command()
    def report(
        run: Annotated[Path, typer.Argument(help="Run directory (fit, evaluate, explain, demo).")],
        out: Annotated[
            Path | None, typer.Option("--out", help="HTML file to write (default RUN/report.html).")
        ] = None,
    ) -> None:
        """Write one self-contained HTML report of RUN (opens offline, no network access)."""
        import time

        from attnscope.cli._common import console
        from attnscope.report import write_report

        start = time.perf_counter()
        path = write_report(run, out=out)
        size = path.stat().st_size
        console().print(
            f"report: {path} ({size / 1e6:.2f} MB, {time.perf_counter() - start:.1f} s)"
        )


def report_line(run: Path) -> None:
    """Write ``RUN/report.html`` and print its path (``fit --report``, ``evaluate --report``)."""
    from attnscope.cli._common import console
    from attnscope.report import write_report

    console().print(f"report: {write_report(run)}")

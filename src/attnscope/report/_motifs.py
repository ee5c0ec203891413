"""The report's motif section: ``RUN/motifs/`` written by ``attnscope motifs``."""

from __future__ import annotations

import json
from typing import Any

from attnscope.report._context import RunContext
from attnscope.report._html import Section, esc, png_html, table_html

__all__ = ["motifs_section"]

#: Patterns whose logos are embedded (the table lists all of them).
MAX_LOGOS = 4


def motifs_section(ctx: RunContext) -> Section | None:
    """Patterns, seqlet counts, best JASPAR matches and logos, when RUN/motifs exists."""
    folder = ctx.run / "motifs"
    path = folder / "patterns.json"
    if not path.is_file():
        return None
    saved: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    patterns = saved.get("patterns") or []
    opts = saved.get("options") or {}
    lead = (
        f"TF-MoDISco found {len(patterns)} pattern(s) in the {opts.get('method', '?')} "
        f"attributions of {opts.get('n', '?')} sequences of class {opts.get('target', '?')}; "
        f"each is matched to {opts.get('n_library', '?')} JASPAR motifs by Tomtom "
        "(q: Benjamini-Hochberg over the library)."
    )
    rows = []
    for p in patterns:
        best = (p.get("matches") or [{}])[0]
        rows.append(
            [
                p.get("pattern"),
                p.get("n_seqlets"),
                p.get("consensus"),
                f"{best.get('id', '')} {best.get('name', '')}".strip() or "-",
                best.get("q_value"),
            ]
        )
    body = f'<p class="lead">{esc(lead)}</p>'
    body += table_html(
        ["pattern", "seqlets", "consensus", "best match", "q-value"],
        rows,
        caption="motifs the model uses",
        table_id="motifs-table",
    )
    for p in patterns[:MAX_LOGOS]:
        logo = folder / "logos" / f"{p.get('pattern')}.png"
        if logo.is_file():
            body += png_html(logo.read_bytes(), f"{p.get('pattern')}: CWM (top), PPM in bits")
    return Section("motifs", "Motifs", body)

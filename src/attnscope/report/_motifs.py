"""The DNA motif table of ``RUN/motifs/patterns.json`` (written by motif discovery).

Accepted shapes: a list of pattern objects, or ``{"patterns": [...]}``; each object may
hold ``pattern``, ``n_seqlets``, ``best_match``, ``q_value`` and a logo, either as a PNG
(``logo``: base64, with or without a ``data:image/png;base64,`` prefix) or as a
contribution weight matrix (``cwm``: length x 4, columns A C G T), drawn here. Missing
fields leave their cell empty; a missing or unreadable file leaves the view out.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from typing import Any

import numpy as np

from attnscope.report._context import RunContext
from attnscope.report._html import esc

__all__ = ["motif_views", "read_patterns"]

_PNG = b"\x89PNG\r\n\x1a\n"


def read_patterns(ctx: RunContext) -> list[dict[str, Any]]:
    """The pattern objects of ``RUN/motifs/patterns.json`` ([] when absent or unreadable)."""
    path = ctx.run / "motifs" / "patterns.json"
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        ctx.notes.append(f"motifs/patterns.json could not be read ({exc}).")
        return []
    if isinstance(data, dict):
        data = data.get("patterns", [])
    patterns = [p for p in data if isinstance(p, dict)] if isinstance(data, list) else []
    for p in patterns:  # attnscope motifs writes every Tomtom match; the best one is first
        matches = p.get("matches")
        if "best_match" not in p and isinstance(matches, list) and matches:
            best = matches[0] if isinstance(matches[0], dict) else {}
            p["best_match"] = " ".join(str(best.get(k, "")) for k in ("id", "name")).strip()
            p.setdefault("q_value", best.get("q_value"))
    return patterns


def _png(pattern: dict[str, Any]) -> bytes | None:
    logo = pattern.get("logo")
    if isinstance(logo, str) and logo:
        try:
            raw = base64.b64decode(logo.split(",", 1)[-1], validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if raw.startswith(_PNG):
            return raw
    cwm = pattern.get("cwm")
    if cwm is None:
        return None
    m = np.asarray(cwm, dtype=float)
    if m.ndim != 2 or m.shape[1] != 4 or not np.isfinite(m).all():
        return None
    import logomaker
    import matplotlib.pyplot as plt
    import pandas as pd

    fig, ax = plt.subplots(figsize=(max(1.5, 0.16 * m.shape[0]), 0.6))
    logomaker.Logo(pd.DataFrame(m, columns=list("ACGT")), ax=ax)
    ax.axis("off")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2e}" if 0 < abs(value) < 1e-3 else f"{value:.3g}"
    if isinstance(value, dict):
        value = value.get("name") or value.get("id") or ""
    return esc(value if value is not None else "")


def _no_pattern(ctx: RunContext) -> list[str]:
    """The note of a motif search that found nothing (``attnscope motifs`` ran), or []."""
    try:
        data = json.loads((ctx.run / "motifs" / "patterns.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    note = data.get("note") if isinstance(data, dict) else None
    if not isinstance(note, str) or data.get("patterns"):
        return []
    options = data.get("options") if isinstance(data.get("options"), dict) else {}
    which = (
        f" ({options['n']} sequences of class {options['target']})"
        if "n" in options and "target" in options
        else ""
    )
    return [f'<p class="note" id="motif-none">attnscope motifs{esc(which)}: {esc(note)}</p>']


def motif_views(ctx: RunContext) -> list[str]:
    """One table row per discovered pattern: logo, seqlets, best JASPAR match, q-value."""
    patterns = read_patterns(ctx)
    if not patterns:
        return _no_pattern(ctx)
    rows = []
    for i, p in enumerate(patterns):
        png = _png(p)
        logo = (
            f'<img alt="logo of pattern {i}" src="data:image/png;base64,'
            f'{base64.b64encode(png).decode("ascii")}">'
            if png
            else ""
        )
        cells = [
            _cell(p.get("pattern", i)),
            logo,
            _cell(p.get("n_seqlets")),
            _cell(p.get("best_match")),
            _cell(p.get("q_value")),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{h}</th>" for h in ("pattern", "logo", "seqlets", "best match (JASPAR)", "q-value")
    )
    return [
        '<div class="table-wrap"><table class="motif" id="motif-table"><caption>motifs '
        "found in the attributions (motifs/patterns.json): the patterns the model relies on, "
        f"in place of raw positions</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    ]

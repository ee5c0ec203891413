"""HTML building blocks of the report: page template, tables, embedded figures.

Everything is inline (CSS, one small script, PNGs as base64 data URIs), so the page
opens offline and a Content-Security-Policy forbids any network request.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Section", "esc", "figure_html", "page", "plotly_html", "table_html"]

#: Marks a page that holds plotly figures (it then embeds plotly.js, once).
PLOTLY_MARK = "plotly-graph-div"


@dataclass
class Section:
    """One part of the report: an anchor id, a heading and its HTML body."""

    id: str
    title: str
    body: str


def esc(value: Any) -> str:
    """HTML-escape ``str(value)`` (quotes included)."""
    return html.escape(str(value), quote=True)


def figure_html(fig_or_ax: Any, caption: str = "", *, dpi: int = 96) -> str:
    """Render a matplotlib Figure (or an Axes' figure) as an embedded PNG and close it.

    Parameters
    ----------
    fig_or_ax : matplotlib Figure or Axes
    caption : str
    dpi : int, default 96

    Returns
    -------
    str
        ``<figure>`` with a ``data:image/png;base64`` image (no metadata chunks, so the
        page holds no URL of matplotlib's) and the escaped caption.
    """
    import matplotlib.pyplot as plt

    fig = getattr(fig_or_ax, "figure", None) or fig_or_ax
    fig = getattr(fig, "get_figure", lambda: fig)() or fig
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    finally:
        plt.close(fig)
    return png_html(buf.getvalue(), caption)


def png_html(data: bytes, caption: str = "") -> str:
    """Embed PNG bytes as a ``<figure>`` with a caption."""
    encoded = base64.b64encode(data).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return (
        f'<figure><img alt="{esc(caption or "figure")}" '
        f'src="data:image/png;base64,{encoded}">{cap}</figure>'
    )


def plotly_html(fig: Any, caption: str = "", *, div_id: str | None = None) -> str:
    """A plotly figure as a ``<figure>`` holding its div and inline drawing script.

    plotly.js itself is not included here: :func:`page` embeds it once when the page has
    any plotly figure. The mode bar keeps zoom, pan and PNG download, without plotly's logo.
    """
    body = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        default_width="100%",
        config={"displaylogo": False, "responsive": True},
    )
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="plotly">{body}{cap}</figure>'


def fmt(value: Any) -> str:
    """Short text for a table cell: 3 significant digits, yes/no, blank for missing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.2e}"
        return f"{value:.3g}"
    return str(value)


def table_html(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    caption: str = "",
    sortable: bool = True,
    table_id: str | None = None,
    cell_class: Any = None,
    labels: dict[str, str] | None = None,
    formats: dict[str, Any] | None = None,
    classes: str = "",
) -> str:
    """A (sortable) table; numeric cells carry their value in ``data-v`` for sorting.

    Parameters
    ----------
    columns : sequence of str
    rows : sequence of sequence
        Raw values (formatted with :func:`fmt`).
    caption : str
    sortable : bool, default True
        Clicking a header sorts by that column (the inline script).
    table_id : str, optional
    cell_class : callable, optional
        ``cell_class(column, value) -> str`` extra CSS class of a cell.
    labels : dict of str -> str, optional
        Header text per column (default the column name, also kept in ``data-col``).
    formats : dict of str -> callable, optional
        ``format(value) -> str`` per column (default :func:`fmt`).
    classes : str
        Extra CSS classes of the table (``fit``: headers wrap, the table fits the page).
    """
    attrs = f' class="{esc(" ".join(filter(None, ["sortable" if sortable else "", classes])))}"'
    labels, formats = labels or {}, formats or {}
    if table_id:
        attrs += f' id="{esc(table_id)}"'
    head = "".join(
        f'<th scope="col" data-col="{esc(c)}">{esc(labels.get(c, c))}</th>' for c in columns
    )
    body = []
    for row in rows:
        cells = []
        for col, value in zip(columns, row):
            extra = cell_class(col, value) if cell_class is not None else ""
            text = formats[col](value) if col in formats else fmt(value)
            # a tuple cell sorts by its first item (a formatter renders the whole tuple)
            value = value[0] if isinstance(value, tuple) else value
            if isinstance(value, bool) or not isinstance(value, int | float):
                cls = f' class="{esc(extra)}"' if extra else ""
                cells.append(f"<td{cls}>{esc(text)}</td>")
            else:
                v = "" if isinstance(value, float) and math.isnan(value) else repr(float(value))
                cls = f' class="num {esc(extra)}"' if extra else ' class="num"'
                cells.append(f'<td{cls} data-v="{v}">{esc(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        f'<div class="table-wrap"><table{attrs}>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


_CSS = """
:root{--fg:#1d2430;--muted:#5b6573;--line:#d9dee5;--bg:#fff;--soft:#f4f6f9;--acc:#1f4e79;
--good:#1e7b34;--bad:#b3261e}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:var(--fg);background:var(--bg)}
header{background:var(--acc);color:#fff;padding:14px 24px}
header h1{margin:0;font-size:1.35rem}
header p{margin:2px 0 0;opacity:.85;font-size:.9rem}
nav{position:sticky;top:0;z-index:2;background:var(--soft);border-bottom:1px solid var(--line);
padding:6px 24px;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:.9rem}
nav a{color:var(--acc);text-decoration:none}
nav a:hover{text-decoration:underline}
main{max-width:1180px;margin:0 auto;padding:8px 24px 48px}
section{border-bottom:1px solid var(--line);padding:8px 0 18px}
h2{font-size:1.2rem;margin:18px 0 8px;color:var(--acc)}
h3{font-size:1.02rem;margin:14px 0 6px}
p.note{color:var(--muted);font-size:.9rem;margin:4px 0}
p.lead{font-size:1rem;background:var(--soft);border-left:4px solid var(--acc);padding:8px 12px}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.tile{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 14px;
min-width:120px}
.tile b{display:block;font-size:1.25rem}
.tile span{color:var(--muted);font-size:.8rem}
.grid{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
figure{margin:8px 0;max-width:100%}
.grid.three figure{flex:0 1 calc(33.3% - 10px);min-width:260px}
figure img{max-width:100%;height:auto;border:1px solid var(--line);border-radius:4px}
figcaption{color:var(--muted);font-size:.85rem;margin-top:2px;max-width:760px}
.table-wrap{overflow-x:auto;max-width:100%;margin:6px 0 10px}
table{border-collapse:collapse;font-size:.85rem}
caption{text-align:left;color:var(--muted);padding:2px 0 4px;white-space:nowrap}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:var(--soft)}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[aria-sort=ascending]::after{content:" \\25B2";font-size:.7em}
table.sortable th[aria-sort=descending]::after{content:" \\25BC";font-size:.7em}
tr.carrier td{background:#fbeae8}
td.genes{white-space:normal;min-width:280px;font-size:.8rem}
td.pass{color:var(--good);font-weight:600}
td.fail{color:var(--bad);font-weight:600}
pre{background:var(--soft);border:1px solid var(--line);padding:10px;overflow-x:auto;
font-size:.82rem;line-height:1.4}
details summary{cursor:pointer;color:var(--acc)}
table.fit{width:100%;font-size:.78rem}
table.fit th{white-space:normal;vertical-align:bottom;hyphens:auto;padding:3px 4px}
table.fit td{padding:3px 4px}
ul.legend{columns:2 360px;font-size:.8rem;color:var(--muted);margin:4px 0;padding-left:18px}
figure.plotly{width:100%}
.browser{display:flex;gap:14px;align-items:flex-start}
.browser .pick{flex:0 0 250px;display:flex;flex-direction:column;gap:6px;font-size:.85rem}
.browser .pick select,.browser .pick input{width:100%;font:inherit}
.browser .show{flex:1 1 auto;min-width:0}
.seq{font-family:monospace;font-size:.8rem;word-break:break-all;line-height:1.6}
.motif img{height:38px;border:0}
footer{color:var(--muted);font-size:.8rem;text-align:center;padding:12px}
"""

_SCRIPT = """
(function(){
  function key(td){
    if(!td){return null;}
    var v=td.getAttribute('data-v');
    if(v!==null){return v===''?NaN:parseFloat(v);}
    return td.textContent.trim().toLowerCase();
  }
  function sortBy(table,th,col){
    var body=table.tBodies[0];
    var asc=th.getAttribute('aria-sort')!=='ascending';
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){
      var x=key(a.cells[col]),y=key(b.cells[col]);
      var xn=typeof x==='number',yn=typeof y==='number';
      if(xn&&yn){
        if(isNaN(x)){return isNaN(y)?0:1;} if(isNaN(y)){return -1;}
        return asc?x-y:y-x;
      }
      x=String(x);y=String(y);
      return asc?x.localeCompare(y):y.localeCompare(x);
    });
    rows.forEach(function(r){body.appendChild(r);});
    Array.prototype.forEach.call(th.parentNode.cells,function(h){h.removeAttribute('aria-sort');});
    th.setAttribute('aria-sort',asc?'ascending':'descending');
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(table){
    var head=table.tHead;
    if(!head){return;}
    Array.prototype.forEach.call(head.rows[0].cells,function(th,col){
      th.title='click to sort';
      th.addEventListener('click',function(){sortBy(table,th,col);});
    });
  });
  document.body.setAttribute('data-report-ready','1');
})();
"""

_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return f'<script id="plotly-js">{get_plotlyjs()}</script>\n'


def page(title: str, subtitle: str, sections: Sequence[Section], footer: str = "") -> str:
    """The whole self-contained HTML document (plotly.js inline once when a figure needs it)."""
    nav = "".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in sections)
    body = "\n".join(
        f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>\n{s.body}\n</section>' for s in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n"
        f"{_plotly_js() if PLOTLY_MARK in body else ''}</head>\n"
        f"<body><header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>\n"
        f"<nav>{nav}</nav>\n<main>\n{body}\n</main>\n"
        f"<footer>{esc(footer)}</footer>\n<script>{_SCRIPT}</script>\n</body></html>\n"
    )

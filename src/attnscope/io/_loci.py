"""Tables of known loci (GWAS hits, causal variants): id, chromosome, position."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np

from attnscope.errors import AttnscopeWarning, DataError
from attnscope.io._seqtable import PathLike, find_column, need_file, read_frame

__all__ = ["read_known_loci"]

_OUT = ("id", "chromosome", "position")

_ID = ("id", "snp", "rsid", "rs", "variant", "snp_id", "marker", "name", "variant_id")
_CHROM = ("chromosome", "chrom", "chr", "#chrom", "#chr", "chr_name")
_POS = ("position", "pos", "bp", "base_pair_location", "bp_position", "start", "chr_position")
_LOCUS = re.compile(
    r"^\s*(?:chr)?([0-9]{1,2}|[XYM]|MT)\s*:\s*([0-9][0-9,]*)(?:\s*-\s*[0-9,]+)?\s*$", re.I
)


def read_known_loci(path: PathLike) -> Any:
    """Read a table of known loci into ``id, chromosome, position`` columns.

    Columns are found by name, case-insensitively: an id column (``id``, ``snp``, ``rsid``,
    ``variant``, ...; default the first column), and either separate chromosome and
    position columns (``chromosome``/``chr``/``chrom`` and ``position``/``pos``/``bp``) or
    one ``chr1:123`` column (a column whose name contains ``:``, ``locus`` or
    ``location``, else the first column whose values read as ``chr:pos``). Rows whose
    locus cells are all empty (blank lines, footnotes under the table) are skipped, with
    an :class:`AttnscopeWarning` when they hold text.

    Parameters
    ----------
    path : str or Path
        CSV/TSV (delimiter sniffed).

    Returns
    -------
    pandas.DataFrame
        ``id`` (str), ``chromosome`` (str, without ``chr``), ``position`` (int64), then the
        file's other columns unchanged.

    Raises
    ------
    DataError
        Empty file, no locus columns (columns listed), an unparsable chromosome or
        position (line named).
    """
    import pandas as pd

    p = need_file(path, "loci table")
    frame = read_frame(p, dtype=str)
    columns = list(frame.columns)
    id_c = find_column(columns, _ID) or columns[0]
    chrom_c = find_column(columns, _CHROM)
    pos_c = find_column(columns, _POS)
    locus_c: str | None = None
    if chrom_c is None or pos_c is None:
        locus_c = _locus_column(frame, columns)
        if locus_c is None:
            raise DataError(
                f"{p}: no chromosome/position columns and no 'chr:pos' column; columns are "
                f"{columns}. Name them 'chromosome' and 'position' or give 'chr1:123' values."
            )
        used = [locus_c]
        cells = frame[locus_c].fillna("").astype(str).str.strip()
        empty = (cells == "").to_numpy()
    else:
        used = [chrom_c, pos_c]
        chrom_cells = frame[chrom_c].fillna("").astype(str).str.strip()
        pos_cells = frame[pos_c].fillna("").astype(str).str.strip()
        empty = ((chrom_cells == "") & (pos_cells == "")).to_numpy()
    texty = empty & frame.notna().any(axis=1).to_numpy()
    if texty.any():
        warnings.warn(
            f"{p}: skipped {int(texty.sum())} rows without a locus (notes such as "
            f"{str(frame.loc[texty, id_c].iloc[0])[:60]!r}).",
            AttnscopeWarning,
            stacklevel=2,
        )
    keep = np.flatnonzero(~empty)
    chroms: list[str] = []
    positions: list[int] = []
    for k in keep:
        line = int(k) + int(frame.attrs["first_line"])
        if locus_c is not None:
            m = _LOCUS.match(str(frame.at[k, locus_c]))
            if m is None:
                raise DataError(
                    f"{p}, line {line}: locus {frame.at[k, locus_c]!r} in column {locus_c!r} "
                    "is not 'chr:position' (e.g. chr1:77967507); fix the cell."
                )
            chrom, pos = m.group(1), m.group(2)
        else:
            chrom, pos = str(frame.at[k, chrom_c]).strip(), str(frame.at[k, pos_c]).strip()
        chrom = chrom[3:] if chrom.lower().startswith("chr") else chrom
        pos = pos.replace(",", "")
        if not chrom or not pos.isdigit():
            raise DataError(
                f"{p}, line {line}: chromosome {chrom!r} / position {pos!r} cannot be read; "
                "positions must be whole numbers."
            )
        chroms.append(chrom.upper() if chrom.lower() in ("x", "y", "mt", "m") else chrom)
        positions.append(int(pos))
    if not positions:
        raise DataError(f"{p}: no loci found (every row lacks a chromosome and position).")
    taken = {id_c, *used}
    others = [c for c in columns if c not in taken and c.lower() not in _OUT]
    rest = frame.loc[keep, others].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "id": frame.loc[keep, id_c].fillna("").astype(str).str.strip().to_numpy(),
            "chromosome": chroms,
            "position": np.asarray(positions, dtype=np.int64),
        }
    )
    return pd.concat([out, rest], axis=1)


def _locus_column(frame: Any, columns: list[str]) -> str | None:
    named = [c for c in columns if ":" in c or "locus" in c.lower() or "location" in c.lower()]
    for c in named + columns:
        cells = frame[c].dropna().astype(str).str.strip()
        cells = cells[cells != ""]
        # A column named like a locus needs half its cells to parse; any other column 90%.
        need = 0.5 if c in named else 0.9
        if len(cells) and cells.map(lambda v: bool(_LOCUS.match(v))).mean() >= need:
            return c
    return None

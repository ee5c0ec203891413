"""Gene sets in GMT format and their membership matrix over a data set's features."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from attnscope.errors import AttnscopeWarning, DataError
from attnscope.io._seqtable import PathLike, need_file, open_text

__all__ = ["gene_set_membership", "read_gmt"]


def read_gmt(path: PathLike) -> dict[str, list[str]]:
    """Read a GMT file: one set per line, ``name<TAB>description<TAB>gene<TAB>gene...``.

    Empty gene fields are skipped and repeated genes within a set kept once; a set without
    genes is skipped with an :class:`~attnscope.errors.AttnscopeWarning`.

    Parameters
    ----------
    path : str or Path
        Plain or gzip text.

    Returns
    -------
    dict of str -> list of str
        Set name -> gene symbols, in file order.

    Raises
    ------
    DataError
        A line without a tab or a name, a repeated set name, no set with genes.
    """
    p = need_file(path, "GMT file")
    sets: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    empty: list[str] = []
    with open_text(p) as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            genes = list(dict.fromkeys(g.strip() for g in fields[2:] if g.strip()))
            name = fields[0].strip()
            if len(fields) == 1 or not name:
                found = "no tab" if len(fields) == 1 else "no set name"
                raise DataError(
                    f"{p}, line {lineno}: expected 'name<TAB>description<TAB>gene...', found "
                    f"{found}; GMT files are tab-separated with the set name first."
                )
            if not genes:
                empty.append(f"{name!r} (line {lineno})")
                continue
            if name in sets:
                raise DataError(
                    f"{p}, line {lineno}: gene set {name!r} repeats line {lines[name]}; "
                    "give each set a unique name."
                )
            sets[name] = genes
            lines[name] = lineno
    if empty:
        warnings.warn(
            f"{p}: {len(empty)} gene set(s) without genes skipped: {', '.join(empty[:3])}"
            f"{' ...' if len(empty) > 3 else ''}.",
            AttnscopeWarning,
            stacklevel=2,
        )
    if not sets:
        raise DataError(f"{p}: no gene set with genes found; write one set per line.")
    return sets


def gene_set_membership(
    gene_sets: Mapping[str, Sequence[str]] | PathLike,
    feature_names: Sequence[str] | np.ndarray,
    *,
    min_size: int = 1,
) -> tuple[Any, list[str]]:
    """Sparse membership matrix of gene sets over the measured features.

    Symbols are matched case-insensitively (surrounding spaces ignored); a feature name
    that appears several times (probes of one gene) is a member wherever it appears.

    Parameters
    ----------
    gene_sets : mapping of str -> sequence of str, or path to a GMT file
    feature_names : sequence of str, length n_features
        Gene symbols of the data's columns.
    min_size : int, default 1
        Sets with fewer matched features are left out.

    Returns
    -------
    membership : scipy.sparse.csr_matrix of shape (n_sets_kept, n_features), float32
        1 where feature ``j`` belongs to set ``i``.
    names : list of str
        Names of the kept sets, in input order (rows of ``membership``).

    Raises
    ------
    DataError
        No set keeps ``min_size`` measured genes (for example when the data use Ensembl
        ids or probe ids and the sets use symbols).
    """
    from scipy import sparse

    sets: Mapping[str, Sequence[str]]
    if isinstance(gene_sets, Mapping):
        sets, source = gene_sets, "gene sets"
    else:
        sets, source = read_gmt(gene_sets), str(gene_sets)
    feats = np.asarray(feature_names).astype(str)
    index: dict[str, list[int]] = {}
    for j, name in enumerate(np.char.upper(np.char.strip(feats)).tolist()):
        index.setdefault(name, []).append(j)
    rows: list[int] = []
    cols: list[int] = []
    names: list[str] = []
    for name, genes in sets.items():
        hit = sorted({j for g in genes for j in index.get(str(g).strip().upper(), ())})
        if len(hit) >= max(min_size, 1):
            rows.extend([len(names)] * len(hit))
            cols.extend(hit)
            names.append(name)
    if not names:
        example_set = next(iter(sets.items()), ("", []))
        raise DataError(
            f"{source}: none of the {len(sets)} gene sets has {max(min_size, 1)} or more of "
            f"the {feats.size} measured genes (data: {feats[:3].tolist()}; set "
            f"{example_set[0]!r}: {list(example_set[1])[:3]}). Use gene symbols as feature "
            "names (map probes or Ensembl ids first) or lower min_size."
        )
    data = np.ones(len(rows), np.float32)
    membership = sparse.csr_matrix((data, (rows, cols)), shape=(len(names), feats.size))
    return membership, names

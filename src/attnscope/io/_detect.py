"""Detect a data file's format and read it with the matching reader."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attnscope._utils.files import COMPLETE_MARKER
from attnscope.errors import ConfigError, DataError
from attnscope.io._seqtable import PathLike, is_dna_field, open_text

__all__ = ["FORMATS", "GENERIC_OPTIONS", "detect_format", "read_data", "reader_options"]

#: Format name -> what it is (the names ``--format`` accepts).
FORMATS: dict[str, str] = {
    "fasta": "FASTA (.fa/.fasta/.fna, gzip ok); labels via --labels FILE or --label-col FIELD",
    "seqtable": "CSV/TSV with a seq/sequence column and a label column (DeepBind .seq too)",
    "genomic_benchmarks": "folder <name>/{train,test}/<class>/<id>.txt",
    "expression": "CSV/TSV expression matrix (either orientation)",
    "h5ad": "AnnData .h5ad",
    "pancan": "folder with data.csv + labels.csv (UCI TCGA PANCAN)",
    "mogonet": "folder with 1_tr.csv, 1_featname.csv, labels_tr.csv, ...",
    "plink": "PLINK prefix with .bed/.bim/.fam",
    "vcf": ".vcf or .vcf.gz",
    "hapmap": "HapMap genotype table (.hmp.txt; GAPIT / TASSEL)",
    "dosage": "allele counts 0/1/2, a sample per row: PLINK --export A (.raw) or CSV/TSV",
    "physionet": "PhysioNet 2012 folder of .txt records or set-a.tar.gz",
    "longcsv": "CSV with columns id, time, variable, value",
    "npz": "attnscope's own .npz data file, or the folder 'attnscope simulate' wrote",
}

_FASTA_EXT = (".fa", ".fasta", ".fna", ".fas", ".ffn")
_TABLE_EXT = (".csv", ".tsv", ".txt", ".tab")


def _strip_gz(name: str) -> str:
    return name[:-3] if name.endswith(".gz") else name


def detect_format(path: PathLike) -> str:
    """Name of the format of ``path`` (one of :data:`FORMATS`).

    Folders: attnscope's own (``data.npz``, as ``attnscope simulate`` writes), MOGONET
    (``1_tr.csv`` + ``labels_tr.csv``), PANCAN (``data.csv`` +
    ``labels.csv``), Genomic Benchmarks (``train/<class>/*.txt``), PhysioNet 2012 (``.txt``
    records or ``set-a.tar.gz``). Files: by extension (``.fa``, ``.h5ad``, ``.vcf``,
    ``.npz``, ``.bed/.bim/.fam``, ``.tar.gz``, ``.hmp.txt``, ``.raw``), else by content: a
    ``>`` first line is FASTA (``.seq`` files too); HapMap's ``rs# alleles chrom pos`` header
    is ``hapmap``; PLINK's ``FID IID PAT MAT SEX PHENOTYPE`` is ``dosage``; a header with id,
    time, variable, value is ``longcsv``; a ``seq``/``sequence`` column is ``seqtable``
    (DeepBind's ``.seq`` layout); any other table is ``expression``. A path without extension whose
    ``.bed`` exists is a PLINK prefix.

    Raises
    ------
    DataError
        Nothing recognisable (the formats are listed, with ``--format``).
    """
    p = Path(path)
    if p.is_dir():
        fmt = _detect_dir(p)
    elif p.is_file() and p.stat().st_size == 0:
        raise DataError(f"{p}: the file is empty (0 bytes); check that it was written completely.")
    elif p.is_file():
        fmt = _detect_file(p)
    elif p.with_name(p.name + ".bed").is_file():
        fmt = "plink"
    else:
        raise DataError(f"{p}: no such file or folder; check the path.")
    if fmt is None and p.is_dir() and (p / COMPLETE_MARKER).is_file():
        raise DataError(
            f"{p}: this is an attnscope run directory ({COMPLETE_MARKER}), not data; give the data "
            "file (the run's config.toml names the one it was trained on); commands that "
            "take a run want it first (RUN DATA)."
        )
    if fmt is None and p.is_file() and p.stat().st_size < 1 << 20 and not p.read_bytes().strip():
        raise DataError(f"{p}: the file holds only blank lines; check that it was written.")
    if fmt is None:
        raise DataError(
            f"{p}: cannot tell the data format; give it with --format NAME (format= in "
            f"Python), one of {', '.join(FORMATS)}."
        )
    return fmt


def _detect_dir(p: Path) -> str | None:
    if (p / "data.npz").is_file():
        return "npz"
    if (p / "1_tr.csv").is_file() and (p / "labels_tr.csv").is_file():
        return "mogonet"
    if (p / "data.csv").is_file() and (p / "labels.csv").is_file():
        return "pancan"
    for split in ("train", "test"):
        sub = p / split
        if sub.is_dir() and any(d.is_dir() and any(d.glob("*.txt")) for d in sub.iterdir()):
            return "genomic_benchmarks"
    if any(p.glob("set-*.tar.gz")) or any(p.glob("*.tar.gz")):
        return "physionet"
    txt = sorted(p.glob("*.txt"))
    if txt and any(
        _first_line(t).replace(" ", "").lower().startswith("time,parameter") for t in txt[:3]
    ):
        return "physionet"
    return None


def _detect_file(p: Path) -> str | None:
    name = p.name.lower()
    base = _strip_gz(name)
    if base.endswith(_FASTA_EXT):
        return "fasta"
    if base.endswith(".h5ad"):
        return "h5ad"
    if base.endswith(".vcf") or name.endswith(".bcf"):
        return "vcf"
    if base.endswith(".npz"):
        return "npz"
    if base.endswith((".bed", ".bim", ".fam")):
        return "plink"
    if base.endswith((".hmp.txt", ".hmp")):
        return "hapmap"
    if base.endswith(".raw"):
        return "dosage"
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        return "physionet"
    first = _first_line(p)
    if first.startswith(">"):
        return "fasta"
    if first.startswith("##fileformat=VCF"):
        return "vcf"
    from attnscope.io._hapmap import is_hapmap_header

    if is_hapmap_header(first):
        return "hapmap"
    from attnscope.io._dosage import is_plink_raw_header

    if is_plink_raw_header(first):
        return "dosage"
    if not base.endswith((*_TABLE_EXT, ".seq")) and not first:
        return None
    delim = next((d for d in "\t,;" if d in first), None)
    fields = (
        [f.strip().lower() for f in next(csv.reader([first], delimiter=delim))]
        if delim
        else first.lower().split()
    )
    if {"id", "time", "variable", "value"} <= set(fields):
        return "longcsv"
    if {"id", "time"} <= set(fields) and {"variable", "value"} & set(fields):
        return "longcsv"  # a long table short of a column: its reader names the one missing
    if set(fields) & {"seq", "sequence", "sequences", "dna"}:
        return "seqtable"
    if any(is_dna_field(f) for f in fields):  # a sequence table without its header row
        return "seqtable"
    if len(fields) >= 2:
        return "expression"
    return None


def _first_line(p: Path) -> str:
    """The first line that is not blank (blank lines above a header are skipped)."""
    try:
        with open_text(p) as fh:
            for _, line in zip(range(100), fh):
                if line.strip():
                    return line.strip()
    except (OSError, UnicodeDecodeError):
        pass
    return ""


def _public(name: str) -> Callable[..., Any]:
    """A reader from :mod:`attnscope.io`, imported only when used."""
    import attnscope.io as aio

    try:
        return getattr(aio, name)  # type: ignore[no-any-return]
    except AttributeError as exc:
        raise DataError(
            f"the reader attnscope.io.{name} is not available in this installation."
        ) from exc


_READERS: dict[str, str] = {
    "fasta": "read_fasta",
    "seqtable": "read_sequence_table",
    "genomic_benchmarks": "read_genomic_benchmarks",
    "expression": "read_expression",
    "h5ad": "read_h5ad",
    "pancan": "read_pancan",
    "mogonet": "read_mogonet",
    "plink": "read_plink",
    "vcf": "read_vcf",
    "hapmap": "read_hapmap",
    "dosage": "read_dosage",
    "physionet": "read_physionet2012",
    "longcsv": "read_long_timeseries",
    "npz": "read_dataset",
}


#: The reader option names every format understands (the CLI's ``--labels``,
#: ``--label-col``, ``--names``, ``--split``), translated to each reader's own keyword.
GENERIC_OPTIONS: dict[str, dict[str, str]] = {
    "fasta": {"labels": "labels", "label_col": "label_field"},
    "seqtable": {"label_col": "label_col"},
    "genomic_benchmarks": {"split": "split"},
    "expression": {"labels": "labels", "label_col": "label_col"},
    "h5ad": {"label_col": "label_key"},
    "pancan": {},
    "mogonet": {"names": "names", "split": "split"},
    "plink": {"labels": "labels", "label_col": "pheno_col", "stream": "lazy"},
    "vcf": {"labels": "labels", "label_col": "pheno_col"},
    "hapmap": {"labels": "labels", "label_col": "pheno_col"},
    "dosage": {"labels": "labels", "label_col": "pheno_col"},
    "physionet": {"labels": "outcomes"},
    "longcsv": {"labels": "labels", "label_col": "label_col"},
    "npz": {},
}


def reader_options(
    fmt: str, options: dict[str, Any], *, strict: bool = True
) -> tuple[dict[str, Any], list[str]]:
    """Translate generic option names to the reader of ``fmt``.

    Parameters
    ----------
    fmt : str
        A name in :data:`FORMATS`.
    options : dict
        Generic names (``labels``, ``label_col``, ``names``, ``split``) or the reader's own.
    strict : bool, default True
        False drops options the reader does not take (e.g. a run's stored label column
        when another format is read) instead of returning them as rejected.

    Returns
    -------
    translated : dict
        Keyword arguments for the reader.
    rejected : list of str
        Option names the reader does not take (empty when ``strict`` is False).
    """
    import inspect

    accepted = set(list(inspect.signature(_public(_READERS[fmt])).parameters)[1:])
    generic = GENERIC_OPTIONS.get(fmt, {})
    out: dict[str, Any] = {}
    rejected: list[str] = []
    for key, value in options.items():
        target = generic.get(key, key)
        if target == "label_field" and isinstance(value, str) and value.isdigit():
            value = int(value)  # --label-col 1: the second '|' field of a FASTA header
        if target in accepted:
            out[target] = value
        elif strict:
            rejected.append(key)
    return out, rejected


def read_data(
    path: PathLike,
    *,
    format: str | None = None,
    defaults: dict[str, Any] | None = None,
    **options: Any,
) -> Any:
    """Read any supported data file or folder into a Dataset.

    Parameters
    ----------
    path : str or Path
    format : str, optional
        One of :data:`FORMATS`; default detected with :func:`detect_format`.
    defaults : dict, optional
        Options used only when the format's reader takes them (a run's stored options).
    **options
        Passed to the reader (e.g. ``labels=``, ``label_col=``, ``length=``); the generic
        names ``labels``, ``label_col``, ``names`` and ``split`` are translated to the
        reader's keyword (see :data:`GENERIC_OPTIONS`).

    Returns
    -------
    Dataset
        The container of the format's modality.

    Raises
    ------
    ConfigError
        An option the format's reader does not take.
    """
    fmt = detect_format(path) if format is None else format.lower().replace("-", "_")
    if fmt not in _READERS:
        raise DataError(
            f"unknown format {format!r}; --format (format=) must be one of {', '.join(FORMATS)}."
        )
    kwargs, rejected = reader_options(fmt, options)
    if rejected:
        raise ConfigError(
            f"{path}: option(s) {rejected} do not apply to {fmt} data ({FORMATS[fmt]})."
        )
    kwargs = {**reader_options(fmt, dict(defaults or {}), strict=False)[0], **kwargs}
    target: Any = Path(path)
    if fmt == "plink":
        if target.suffix.lower() in (".bed", ".bim", ".fam"):
            target = target.with_suffix("")
    elif fmt == "npz" and target.is_dir():
        target = target / "data.npz"
    return _guarded(_public(_READERS[fmt]), target, kwargs)


def _guarded(reader: Callable[..., Any], target: Any, options: dict[str, Any]) -> Any:
    """Call ``reader``; file-system and parser failures become one DataError naming the file."""
    import pandas as pd

    from attnscope.io._textio import IO_ERRORS, one_line

    try:
        return reader(target, **options)
    except (DataError, ConfigError):
        raise
    except PermissionError as exc:
        name = exc.filename or target
        raise DataError(f"{name}: permission denied; make it readable (chmod u+r).") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{target}: could not parse the table ({one_line(exc)}).") from exc
    except IO_ERRORS as exc:
        name = getattr(exc, "filename", None) or target
        raise DataError(f"{name}: cannot read the file ({one_line(exc)}).") from exc

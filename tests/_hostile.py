"""Small valid files of every format the readers accept, and byte-level mutations of them.

Shared by the property-based tests (``test_fuzz_*.py``) and the hostile-input corpus test.
Each seed writes a few tiny files into a folder and names the file a mutation may damage,
the path to read, the format and the reader options.
"""

from __future__ import annotations

import bz2
import codecs
import functools
import gzip
import io
import lzma
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

_RNG = np.random.default_rng(7)
_BASES = np.array(list("ACGT"))


def _dna(n: int, length: int) -> list[str]:
    return ["".join(_RNG.choice(_BASES, length)) for _ in range(n)]


@dataclass
class Seed:
    """A valid input: ``files`` (name -> bytes) written into a folder, ``target`` damaged."""

    fmt: str
    files: dict[str, bytes]
    target: str
    read: str  # the path given to the reader, relative to the folder ("." = the folder)
    options: dict[str, Any] = field(default_factory=dict)


_SEQS = _dna(16, 24)
_LABELS = [k % 2 for k in range(16)]
_GENES = [f"G{k}" for k in range(6)]
_X = np.round(_RNG.normal(size=(16, 6)), 3)


def _fasta() -> Seed:
    text = "".join(
        f">s{k} label={y}\n{s[:12]}\n{s[12:]}\n" for k, (s, y) in enumerate(zip(_SEQS, _LABELS))
    )
    return Seed("fasta", {"seqs.fa": text.encode()}, "seqs.fa", "seqs.fa", {"label_field": "label"})


def _seqtable() -> Seed:
    rows = "".join(f"s{k},{s},{y}\n" for k, (s, y) in enumerate(zip(_SEQS, _LABELS)))
    return Seed(
        "seqtable", {"seqs.csv": ("id,seq,label\n" + rows).encode()}, "seqs.csv", "seqs.csv"
    )


def _expression(sep: str) -> Seed:
    head = sep.join(["sample", "label", *_GENES]) + "\n"
    rows = "".join(
        sep.join([f"p{k}", "tumour" if y else "normal", *map(str, _X[k])]) + "\n"
        for k, y in enumerate(_LABELS)
    )
    name = "expr.csv" if sep == "," else "expr.tsv"
    return Seed("expression", {name: (head + rows).encode()}, name, name, {"label_col": "label"})


def _gmt() -> Seed:
    text = "SET_A\tdesc\tG0\tG1\tG2\nSET_B\tdesc\tG3\tG4\nSET_C\t\tG5\tG0\n"
    return Seed("gmt", {"sets.gmt": text.encode()}, "sets.gmt", "sets.gmt")


def _plink(part: str) -> Seed:
    n, m = 16, 5
    geno = np.random.default_rng(1).integers(0, 3, size=(m, n))
    # SNP-major: 2 bits per sample, homozygous A1 = 00, het = 10, hom A2 = 11 (PLINK 1).
    codes = np.array([0b00, 0b10, 0b11])[geno]
    width = (n + 3) // 4
    bed = bytearray(b"\x6c\x1b\x01")
    for j in range(m):
        row = np.zeros(width * 4, dtype=np.int64)
        row[:n] = codes[j]
        packed = row.reshape(width, 4) << np.array([0, 2, 4, 6])
        bed += bytes(packed.sum(axis=1).astype(np.uint8).tolist())
    fam = "".join(f"f{k} s{k} 0 0 {1 + k % 2} {1 + y}\n" for k, y in enumerate(_LABELS))
    bim = "".join(f"1 rs{j} 0 {100 * (j + 1)} A G\n" for j in range(m))
    files = {"c.bed": bytes(bed), "c.bim": bim.encode(), "c.fam": fam.encode()}
    return Seed("plink", files, f"c.{part}", "c")


def _vcf() -> Seed:
    samples = [f"s{k}" for k in range(16)]
    head = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
    gts = ["0/0", "0/1", "1/1", "./."]
    body = "".join(
        f"1\t{100 * (j + 1)}\trs{j}\tA\tG\t.\tPASS\t.\tGT\t"
        + "\t".join(gts[(j + k) % 4] for k in range(16))
        + "\n"
        for j in range(5)
    )
    pheno = "".join(f"s{k} {y}\n" for k, y in enumerate(_LABELS))
    files = {"x.vcf": (head + "\t".join(samples) + "\n" + body).encode(), "x.pheno": pheno.encode()}
    return Seed("vcf", files, "x.vcf", "x.vcf", {"labels": "x.pheno"})


def _longcsv() -> Seed:
    rng = np.random.default_rng(2)
    rows = "".join(
        f"st{k},{t},{v},{round(float(rng.normal()), 3)},{y}\n"
        for k, y in enumerate(_LABELS)
        for t in (0, 1.5, 3)
        for v in ("HR", "Temp")
    )
    text = "id,time,variable,value,outcome\n" + rows
    return Seed("longcsv", {"ts.csv": text.encode()}, "ts.csv", "ts.csv", {"label_col": "outcome"})


def _physionet_record(rid: int) -> bytes:
    lines = [f"00:00,RecordID,{rid}", "00:00,Age,60", "00:00,Gender,1", "00:00,Height,170",
             "00:00,ICUType,2", "00:00,Weight,80", f"00:30,HR,{70 + rid % 9}",
             f"01:10,HR,{80 + rid % 7}", "02:05,Temp,37.1"]  # fmt: skip
    return ("Time,Parameter,Value\n" + "\n".join(lines) + "\n").encode()


def _outcomes() -> bytes:
    rows = "".join(f"{100 + k},{10 + k},2,5,-1,{y}\n" for k, y in enumerate(_LABELS[:8]))
    return ("RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death\n" + rows).encode()


def _physionet_folder() -> Seed:
    files = {f"set-a/{100 + k}.txt": _physionet_record(100 + k) for k in range(8)}
    files["Outcomes-a.txt"] = _outcomes()
    return Seed("physionet", files, "set-a/103.txt", "set-a")


def tar_gz(records: dict[str, bytes]) -> bytes:
    """A gzip-compressed tar archive holding ``records`` (name -> bytes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, blob in records.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return buf.getvalue()


def _physionet_archive() -> Seed:
    records = {f"set-a/{100 + k}.txt": _physionet_record(100 + k) for k in range(8)}
    files = {"set-a.tar.gz": tar_gz(records), "Outcomes-a.txt": _outcomes()}
    return Seed("physionet", files, "set-a.tar.gz", "set-a.tar.gz")


def _mogonet() -> Seed:
    files: dict[str, bytes] = {}
    rng = np.random.default_rng(3)
    for i, width in ((1, 4), (2, 3)):
        mat = np.round(rng.normal(size=(16, width)), 3)
        files[f"{i}_tr.csv"] = "".join(",".join(map(str, r)) + "\n" for r in mat).encode()
        files[f"{i}_featname.csv"] = "".join(f"m{i}_{j}\n" for j in range(width)).encode()
    files["labels_tr.csv"] = "".join(f"{y}\n" for y in _LABELS).encode()
    return Seed("mogonet", files, "1_tr.csv", ".")


def _npz() -> Seed:
    import tempfile

    from attnscope.io import write_dataset
    from attnscope.sim import simulate_expression

    data = simulate_expression(16, n_genes=30, n_pathways=3, pathway_size=(3, 6), random_state=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_dataset(data, Path(tmp) / "d.npz")
        blob = path.read_bytes()
    return Seed("npz", {"d.npz": blob}, "d.npz", "d.npz")


def _retarget(spec: Seed, target: str) -> Seed:
    spec.target = target
    return spec


@functools.cache
def seed(name: str) -> Seed:
    """The seed ``name`` of :data:`SEEDS`, built once."""
    return SEEDS[name]()


def _h5ad() -> Seed:
    import tempfile

    import anndata
    import pandas as pd

    obs = pd.DataFrame(
        {"label": ["a" if y else "b" for y in _LABELS]}, index=[f"p{k}" for k in range(16)]
    )
    adata = anndata.AnnData(X=_X.astype(np.float32), obs=obs, var=pd.DataFrame(index=_GENES))
    with tempfile.TemporaryDirectory() as tmp:
        adata.write_h5ad(Path(tmp) / "x.h5ad")
        blob = (Path(tmp) / "x.h5ad").read_bytes()
    return Seed("h5ad", {"x.h5ad": blob}, "x.h5ad", "x.h5ad", {"label_key": "label"})


def _pancan(target: str) -> Seed:
    head = ",".join(["", *_GENES]) + "\n"
    rows = "".join(",".join([f"sample_{k}", *map(str, _X[k])]) + "\n" for k in range(16))
    labels = "sample,Class\n" + "".join(
        f"sample_{k},{'BRCA' if y else 'LUAD'}\n" for k, y in enumerate(_LABELS)
    )
    files = {"data.csv": (head + rows).encode(), "labels.csv": labels.encode()}
    return Seed("pancan", files, target, ".")


SEEDS: dict[str, Callable[[], Seed]] = {
    "fasta": _fasta,
    "seqtable": _seqtable,
    "expression_csv": lambda: _expression(","),
    "expression_tsv": lambda: _expression("\t"),
    "gmt": _gmt,
    "plink_bed": lambda: _plink("bed"),
    "plink_bim": lambda: _plink("bim"),
    "plink_fam": lambda: _plink("fam"),
    "vcf": _vcf,
    "vcf_pheno": lambda: _retarget(_vcf(), "x.pheno"),
    "longcsv": _longcsv,
    "physionet_folder": _physionet_folder,
    "physionet_archive": _physionet_archive,
    "physionet_outcomes": lambda: _retarget(_physionet_folder(), "Outcomes-a.txt"),
    "mogonet": _mogonet,
    "npz": _npz,
    "h5ad": _h5ad,
    "pancan_data": lambda: _pancan("data.csv"),
    "pancan_labels": lambda: _pancan("labels.csv"),
}


# ----------------------------------------------------------------------------- mutations
_TOKENS = [b"NaN", b"inf", b"-inf", b"1e308", b"1e9", b"-1", b"", b"abc", b"\x00", b"\xe9",
           b'"', b"-9", b"99:99", b"1e999"]  # fmt: skip


def _at(blob: bytes, where: float) -> int:
    return min(len(blob), int(where * (len(blob) + 1)))


def mutate(blob: bytes, op: tuple[Any, ...]) -> bytes:
    """Apply one mutation ``op`` (see :data:`OPS`) to ``blob``."""
    name, where, arg = op
    lines = blob.split(b"\n")
    k = min(len(lines) - 1, int(where * len(lines)))
    if name == "truncate":
        return blob[: _at(blob, where)]
    if name == "flip":
        i = _at(blob, where)
        return (
            blob[:i]
            + bytes([(blob[i] ^ (arg % 255 + 1)) if i < len(blob) else arg % 256])
            + blob[i + 1 :]
        )
    if name == "insert":
        i = _at(blob, where)
        return blob[:i] + bytes([arg % 256]) * (1 + arg % 3) + blob[i:]
    if name == "drop_line":
        return b"\n".join(lines[:k] + lines[k + 1 :])
    if name == "dup_line":
        return b"\n".join(lines[: k + 1] + lines[k:])
    if name == "delimiter":
        pairs = [(b",", b";"), (b"\t", b","), (b",", b"\t"), (b" ", b"\t"), (b",", b" ")]
        old, new = pairs[arg % len(pairs)]
        return blob.replace(old, new)
    if name == "token":
        fields = lines[k].replace(b"\t", b",").split(b",")
        j = arg % max(1, len(fields))
        fields[j] = _TOKENS[(arg // 7) % len(_TOKENS)]
        sep = b"\t" if b"\t" in lines[k] else b","
        return b"\n".join([*lines[:k], sep.join(fields), *lines[k + 1 :]])
    if name == "bom":
        if arg % 3 == 0:
            return codecs.BOM_UTF8 + blob
        try:
            return blob.decode("utf-8").encode("utf-16" if arg % 3 == 1 else "utf-16-le")
        except UnicodeDecodeError:
            return codecs.BOM_UTF8 + blob
    if name == "crlf":
        return blob.replace(b"\n", b"\r\n") if arg % 2 else blob.replace(b"\n", b"\r")
    if name == "case":
        return b"\n".join([*lines[:k], lines[k].swapcase(), *lines[k + 1 :]])
    if name == "swap_lines":
        j = arg % len(lines)
        lines[k], lines[j] = lines[j], lines[k]
        return b"\n".join(lines)
    if name == "empty":
        return b"" if arg % 2 else b"\n"
    if name == "compress":
        comp = (gzip.compress, bz2.compress, lzma.compress)[arg % 3](blob)
        return comp[: _at(comp, where)] if arg % 2 else comp
    raise AssertionError(name)  # pragma: no cover


OPS = ("truncate", "flip", "insert", "drop_line", "dup_line", "delimiter", "token", "bom",
       "crlf", "compress", "case", "swap_lines", "empty")  # fmt: skip


def write_seed(seed: Seed, folder: Path, ops: list[tuple[Any, ...]]) -> Path:
    """Write ``seed`` into ``folder`` with ``ops`` applied to its target; return the read path."""
    for name, blob in seed.files.items():
        if name == seed.target:
            for op in ops:
                blob = mutate(blob, op)
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob)
    return folder / seed.read


def options_for(seed: Seed, folder: Path) -> dict[str, Any]:
    """Reader options with file names made absolute."""
    out = dict(seed.options)
    for key in ("pheno", "labels"):
        if key in out:
            out[key] = str(folder / out[key])
    return out


def one_error(code: int, err: str, out: Path | None = None) -> str:
    """The one ``error:`` line of a refused command, after checking the refusal's form.

    Exit status 2, exactly one ``error:`` line and it is the last line of stderr, no
    traceback or internal error, and (when ``out`` is given) nothing written at ``out``.
    """
    lines = err.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert code == 2, err
    assert len(errors) == 1 and lines[-1] == errors[0], err
    assert "Traceback" not in err and "internal error" not in err, err
    assert out is None or not out.exists(), f"{out} was written"
    return errors[0]

"""Every bad input file reaches the user as one line on stderr, exit status 2, no files."""

from __future__ import annotations

import gzip

import pytest

from attnscope.cli import run


def _write(path, text: str) -> str:
    path.write_text(text)
    return str(path)


def _plink_bad_magic(tmp_path) -> str:
    (tmp_path / "c.fam").write_text("f1 s1 0 0 1 2\nf2 s2 0 0 2 1\n")
    (tmp_path / "c.bim").write_text("1 rs1 0 100 A G\n1 rs2 0 200 C T\n")
    (tmp_path / "c.bed").write_bytes(b"\x00\x00\x01" + b"\x00" * 2)
    return str(tmp_path / "c")


def _plink_bad_size(tmp_path) -> str:
    (tmp_path / "c.fam").write_text("f1 s1 0 0 1 2\nf2 s2 0 0 2 1\n")
    (tmp_path / "c.bim").write_text("1 rs1 0 100 A G\n1 rs2 0 200 C T\n1 rs3 0 300 A C\n")
    (tmp_path / "c.bed").write_bytes(b"\x6c\x1b\x01" + b"\x00" * 2)
    return str(tmp_path / "c")


def _vcf_without_gt(tmp_path) -> str:
    text = (
        "##fileformat=VCFv4.2\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\ts2\n"
        "22\t100\trs1\tA\tG\t.\tPASS\t.\tDS\t0.1\t1.0\n"
    )
    with gzip.open(tmp_path / "x.vcf.gz", "wt") as fh:
        fh.write(text)
    return str(tmp_path / "x.vcf.gz")


CASES = {
    "empty file": lambda p: _write(p / "empty.fa", ""),
    "FASTA data before header": lambda p: _write(p / "a.fa", "ACGT\n>s1|0\nACGT\n>s2|1\nACGT\n"),
    "FASTA bad characters": lambda p: _write(p / "b.fa", ">s1|0\nACGT\n>s2|1\nAC!T\n"),
    "FASTA duplicate ids": lambda p: _write(p / "c.fa", ">s1|0\nACGT\n>s1|1\nACGT\n"),
    "table without label column": lambda p: _write(p / "t.csv", "seq,other\nACGT,1\nGGCA,0\n"),
    "one class only": lambda p: _write(p / "o.csv", "seq,label\nACGT,1\nGGCA,1\n"),
    "PLINK bad magic": _plink_bad_magic,
    "PLINK sizes disagree": _plink_bad_size,
    "VCF without GT": _vcf_without_gt,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_one_line_status_2_and_writes_nothing(tmp_path, capsys, case):
    data = CASES[case](tmp_path)
    out = tmp_path / "run"
    model = "cnn" if data.endswith((".fa", ".csv")) else "mlp"
    code = run(["fit", data, "--model", model, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, f"{case}: {err}"
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert not out.exists()

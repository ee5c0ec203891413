"""DNA readers: FASTA, sequence tables, Genomic Benchmarks folders and coordinates, detection."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attnscope.data import SequenceDataset
from attnscope.errors import DataError
from attnscope.io import (
    detect_format,
    read_data,
    read_fasta,
    read_gb_coordinates,
    read_genomic_benchmarks,
    read_sequence_table,
    reverse_complement,
    write_fasta,
)


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def bad_input(path: Path, *needles: str, reader=read_fasta, **kwargs) -> str:
    """Call ``reader`` expecting DataError; check the message and that nothing was written."""
    before = listing(path.parent)
    with pytest.raises(DataError) as info:
        reader(path, **kwargs)
    msg = str(info.value)
    assert str(path) in msg
    for needle in needles:
        assert needle in msg, msg
    assert listing(path.parent) == before
    return msg


# --- FASTA -------------------------------------------------------------------------------


def test_fasta_round_trip_wrapped_and_gzip(tmp_path):
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), size=n)) for n in (30, 45, 12)]
    ids = ["a", "b", "c"]
    path = write_fasta(tmp_path / "x.fa", ids, seqs, line_width=10)
    assert max(len(line) for line in path.read_text().splitlines()) == 10
    data = read_fasta(path)
    assert data.sample_ids.tolist() == ids
    assert data.sequences() == seqs
    assert data.labels is None and data.length == 45
    gz = tmp_path / "x.fa.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert read_fasta(gz, length=20).sequences() == [s[:20] for s in seqs]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_fasta_case_and_iupac(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">s1\nacgtRYKM\n>s2 description here\nNNAC\n")
    data = read_fasta(path)
    assert data.sequences() == ["ACGTNNNN", "NNAC"]
    assert data.sample_ids.tolist() == ["s1", "s2"]


def test_fasta_label_from_header_field(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">s1|pos\nACGT\n>s2|neg\nAAAA\n>s3|pos\nCCCC\n")
    data = read_fasta(path, label_field=1)
    assert data.sample_ids.tolist() == ["s1", "s2", "s3"]
    assert data.class_names == ["neg", "pos"]
    assert data.labels.tolist() == [1, 0, 1]
    path.write_text(">s1 label=1 x\nACGT\n>s2 label=0\nAAAA\n")
    data = read_fasta(path, label_field="label=")
    assert data.labels.tolist() == [1, 0] and data.class_names == ["0", "1"]


def test_fasta_labels_from_file_and_mapping(tmp_path):
    fa = tmp_path / "x.fa"
    fa.write_text(">s1\nACGT\n>s2\nAAAA\n>s3\nCCCC\n")
    lab = tmp_path / "labels.tsv"
    lab.write_text("id\tlabel\ns3\tB\ns1\tA\ns2\tB\n")
    data = read_fasta(fa, labels=lab)
    assert data.labels.tolist() == [0, 1, 1] and data.class_names == ["A", "B"]
    lab.write_text("s1,10\ns2,2\ns3,2\n")
    data = read_fasta(fa, labels=lab)
    assert data.class_names == ["2", "10"]  # numbers sort numerically
    data = read_fasta(fa, labels={"s1": "x", "s2": "y", "s3": "x"})
    assert data.labels.tolist() == [0, 1, 0]


def test_fasta_empty_file(tmp_path):
    path = tmp_path / "empty.fa"
    path.write_text("")
    bad_input(path, "empty")
    path.write_text("\n\n")
    bad_input(path, "no FASTA records")


def test_fasta_sequence_before_header(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text("\nACGT\n>s1\nACGT\n")
    bad_input(path, "line 2", "before the first '>'")


def test_fasta_bad_characters_name_record_and_line(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">s1\nACGT\n>s2\nACGT\nAC-T\n")
    msg = bad_input(path, "line 5", "'s2'", "'-'")
    assert "IUPAC" in msg


def test_fasta_duplicate_ids(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">s1\nACGT\n>s2\nACGT\n>s1 again\nAAAA\n")
    bad_input(path, "duplicate id 's1'", "line 5", "line 1")
    assert read_fasta(path, id_from="index").sample_ids.tolist() == ["x:1", "x:2", "x:3"]


def test_fasta_labels_file_missing_ids(tmp_path):
    fa = tmp_path / "x.fa"
    fa.write_text(">s1\nACGT\n>s2\nAAAA\n>s3\nCCCC\n")
    lab = tmp_path / "labels.tsv"
    lab.write_text("s1\t0\ns2\t1\n")
    with pytest.raises(DataError, match=r"1 of 3 .*'s3'"):
        read_fasta(fa, labels=lab)


def test_fasta_one_class_and_missing_header_field(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">s1|a\nACGT\n>s2|a\nAAAA\n")
    with pytest.raises(DataError, match="only 1 class"):
        read_fasta(path, label_field=1)
    path.write_text(">s1|a\nACGT\n>s2\nAAAA\n")
    bad_input(path, "line 3", "no field 1", label_field=1)


# --- sequence tables ---------------------------------------------------------------------


def test_sequence_table_autodetect_csv_and_tsv(tmp_path):
    csv_path = tmp_path / "x.csv"
    csv_path.write_text("id,sequence,class\nr1,ACGT,pos\nr2,acgg,neg\nr3,ACNN,pos\n")
    data = read_sequence_table(csv_path)
    assert isinstance(data, SequenceDataset)
    assert data.sample_ids.tolist() == ["r1", "r2", "r3"]
    assert data.sequences() == ["ACGT", "ACGG", "ACNN"]
    assert data.labels.tolist() == [1, 0, 1]
    tsv = tmp_path / "x.tsv"
    tsv.write_text("seq\ty\nACGT\t1\nAAAA\t0\n")
    data = read_sequence_table(tsv, length=6)
    assert data.sample_ids.tolist() == ["row1", "row2"] and data.tokens.shape == (2, 6)
    assert data.labels.tolist() == [1, 0]


def test_sequence_table_errors(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("sequence,other\nACGT,1\nAAAA,0\n")
    msg = bad_input(path, "label column", "'other'", reader=read_sequence_table)
    assert "labelled=False" in msg
    assert read_sequence_table(path, labelled=False).labels is None
    path.write_text("sequence,label\nACGT,1\nAAAA,1\n")
    bad_input(path, "only 1 class", reader=read_sequence_table)
    path.write_text("")
    bad_input(path, "empty", reader=read_sequence_table)
    path.write_text("sequence,label\nACGT,1\nAC@A,0\n")
    bad_input(path, "line 3", "'row2'", "'@'", reader=read_sequence_table)


# --- Genomic Benchmarks ------------------------------------------------------------------


def test_genomic_benchmarks_folder(tmp_path):
    root = tmp_path / "demo"
    seqs = {"negative": ["ACGTAC", "GGGG"], "positive": ["TTTTAA"]}
    for cls, items in seqs.items():
        (root / "train" / cls).mkdir(parents=True)
        for k, s in enumerate(items):
            (root / "train" / cls / f"{k}.txt").write_text(s + "\n")
    data = read_genomic_benchmarks(root, split="train")
    assert data.class_names == ["negative", "positive"]
    assert data.sample_ids.tolist() == ["negative/0", "negative/1", "positive/0"]
    assert data.sequences() == ["ACGTAC", "GGGG", "TTTTAA"]
    assert data.labels.tolist() == [0, 0, 1]
    with pytest.raises(DataError, match="no 'test' folder"):
        read_genomic_benchmarks(root, split="test")


def test_reverse_complement():
    assert reverse_complement("AACGTN") == "NACGTT"
    assert reverse_complement("acgR") == "Ycgt"


def _write_reference(path: Path, records: dict[str, str]) -> None:
    with open(path, "w") as fh:
        for name, seq in records.items():
            fh.write(f">{name} synthetic\n")
            for k in range(0, len(seq), 60):
                fh.write(seq[k : k + 60] + "\n")


def test_gb_coordinates_on_real_files(tmp_path, data_dir):
    src = data_dir / "sequences/genomic_benchmarks_coordinates/demo_human_or_worm/test"
    if not (src / "human.csv.gz").exists():
        pytest.skip(f"shared data file {src / 'human.csv.gz'} is not available")
    # Real coordinate rows near chromosome starts, so a small synthetic genome covers them.
    human = pd.read_csv(src / "human.csv.gz")
    human = human[(human.region == "chr22") & (human.end < 1_000_000)]
    worm = pd.read_csv(src / "worm.csv.gz")
    worm = worm[(worm.region == "II") & (worm.end < 1_000_000)].head(20)
    assert set(human.strand) == {"+", "-"} and len(worm) > 0
    folder = tmp_path / "human_or_worm"
    (folder / "test").mkdir(parents=True)
    human.to_csv(folder / "test" / "human.csv.gz", index=False)
    worm.to_csv(folder / "test" / "worm.csv.gz", index=False)
    rng = np.random.default_rng(0)
    chr22 = "".join(rng.choice(list("ACGT"), size=int(human.end.max()) + 5))
    chr2 = "".join(rng.choice(list("ACGTacgt"), size=int(worm.end.max()) + 5))
    # Ensembl names: "22" for the human "chr22" regions.
    _write_reference(tmp_path / "human.fa", {"22": chr22, "1": "ACGT" * 10})
    _write_reference(tmp_path / "worm.fa", {"II": chr2})
    ref = {"human": tmp_path / "human.fa", "worm": tmp_path / "worm.fa"}
    data = read_gb_coordinates(folder, ref, split="test")
    expected = []
    for table, genome in ((human, chr22), (worm, chr2)):
        for s, e, strand in zip(table.start, table.end, table.strand):
            piece = genome[s:e].upper()
            expected.append(reverse_complement(piece) if strand == "-" else piece)
    assert data.sequences() == expected
    assert data.class_names == ["human", "worm"]
    assert data.labels.tolist() == [0] * len(human) + [1] * len(worm)
    assert data.sample_ids[0] == f"human/{human.id.iloc[0]}"
    assert data.tokens.shape == (len(expected), 200)
    # The same genomes keyed by region prefix ("chr" -> human, fallback "" -> worm).
    by_prefix = {"chr": tmp_path / "human.fa", "": tmp_path / "worm.fa"}
    assert read_gb_coordinates(folder, by_prefix, split="test").sequences() == expected
    # The full real split names regions the small genome lacks: file, line and region named.
    with pytest.raises(DataError, match=r"human\.csv\.gz, line \d+: region 'chr\w+'"):
        read_gb_coordinates(src.parent, ref, split="test")


# --- detection ---------------------------------------------------------------------------


def test_detect_format_and_read_data(tmp_path):
    fa = tmp_path / "x.txt"
    fa.write_text(">s1\nACGT\n")
    assert detect_format(fa) == "fasta"
    tab = tmp_path / "seqs.csv"
    tab.write_text("sequence,label\nACGT,1\nAAAA,0\n")
    assert detect_format(tab) == "seqtable"
    assert read_data(tab).sequences() == ["ACGT", "AAAA"]
    long = tmp_path / "long.csv"
    long.write_text("id,time,variable,value\n1,0.5,HR,80\n")
    assert detect_format(long) == "longcsv"
    expr = tmp_path / "expr.tsv"
    expr.write_text("gene\ts1\ts2\ng1\t1\t2\n")
    assert detect_format(expr) == "expression"
    mog = tmp_path / "mog"
    mog.mkdir()
    (mog / "1_tr.csv").write_text("1\n")
    (mog / "labels_tr.csv").write_text("0\n")
    assert detect_format(mog) == "mogonet"
    vcf = tmp_path / "calls.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n")
    assert detect_format(vcf) == "vcf"
    (tmp_path / "cohort.bed").write_bytes(b"l\x1b\x01")
    assert detect_format(tmp_path / "cohort") == "plink"
    odd = tmp_path / "blob.bin"
    odd.write_bytes(b"blob\n")  # one word: no format it could be
    with pytest.raises(DataError, match="--format"):
        detect_format(odd)
    odd.write_bytes(b"")
    with pytest.raises(DataError, match=r"the file is empty \(0 bytes\)"):
        detect_format(odd)
    with pytest.raises(DataError, match="fasta, seqtable"):
        read_data(tab, format="nonsense")
    assert read_data(fa, format="fasta").sample_ids.tolist() == ["s1"]


def test_detect_real_files(data_dir):
    cases = {
        "sequences/ctcf_zeng2016/test.fa": "fasta",
        "sequences/uci_splice_junction/splice.csv": "seqtable",
        "multiomics/rosmap": "mogonet",
        "genotypes/hapmap3/hapmap3": "plink",
        "genotypes/1000g_chr22/chr22_subset.vcf.gz": "vcf",
        "timeseries/physionet2012": "physionet",
        "expression/golub_leukemia/data_set_ALL_AML_train.csv": "expression",
    }
    for rel, fmt in cases.items():
        path = data_dir / rel
        if not (path.exists() or path.with_name(path.name + ".bed").exists()):
            pytest.skip(f"shared data file {path} is not available")
        assert detect_format(path) == fmt, rel

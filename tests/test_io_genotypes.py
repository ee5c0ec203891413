"""Genotype readers: PLINK (blocks, round trip, bad files), VCF, QC, phenotypes, loaders."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from attnscope._utils.paths import shared_data_dir
from attnscope.data import GenotypeDataset
from attnscope.errors import AttnscopeWarning, DataError
from attnscope.io import (
    PlinkReader,
    allele_frequencies,
    genotype_qc,
    read_phenotype,
    read_plink,
    read_vcf,
    write_plink,
)

HAPMAP = shared_data_dir() / "genotypes" / "hapmap3" / "hapmap3"
VCF_1000G = shared_data_dir() / "genotypes" / "1000g_chr22" / "chr22_subset.vcf.gz"
MICE = shared_data_dir() / "genotypes" / "bglr_mice" / "mice_X_snps.csv.gz"


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"shared data file {path} is not available")


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture()
def toy() -> GenotypeDataset:
    """13 samples (not a multiple of 4) x 37 SNPs with missing calls and binary labels."""
    rng = np.random.default_rng(3)
    g = rng.integers(0, 3, size=(13, 37)).astype(np.int8)
    g[rng.random(g.shape) < 0.05] = -1
    return GenotypeDataset(
        labels=np.array([0, 1] * 6 + [1]),
        sample_ids=np.array([f"s{i}" for i in range(13)]),
        class_names=["control", "case"],
        truth=None,
        meta={},
        genotypes=g,
        snp_ids=np.array([f"rs{j}" for j in range(37)]),
        chromosomes=np.array(["1"] * 20 + ["2"] * 17),
        positions=np.arange(37, dtype=np.int64) * 1000 + 5,
    )


def test_plink_round_trip(tmp_path, toy):
    write_plink(tmp_path / "toy", toy)
    assert _listing(tmp_path) == ["toy.bed", "toy.bim", "toy.fam"]  # no temp files left
    back = read_plink(tmp_path / "toy")
    np.testing.assert_array_equal(back.genotypes, toy.genotypes)
    np.testing.assert_array_equal(back.sample_ids, toy.sample_ids)
    np.testing.assert_array_equal(back.snp_ids, toy.snp_ids)
    np.testing.assert_array_equal(back.chromosomes, toy.chromosomes)
    np.testing.assert_array_equal(back.positions, toy.positions)
    np.testing.assert_array_equal(back.labels, toy.labels)
    assert back.class_names == ["control", "case"]
    assert back.meta["counted_allele"] == "A1"
    # a path ending in .bed works as well
    np.testing.assert_array_equal(read_plink(tmp_path / "toy.bed").genotypes, toy.genotypes)
    # unlabelled data round-trips as unlabelled (phenotype -9)
    toy.labels, toy.class_names = None, []
    write_plink(tmp_path / "toy", toy)
    assert read_plink(tmp_path / "toy").labels is None


def test_block_reads_equal_full_read_sliced(tmp_path, toy):
    write_plink(tmp_path / "toy", toy)
    reader = PlinkReader(tmp_path / "toy")
    assert (reader.n_samples, reader.n_snps) == (13, 37)
    full = reader.read_block()
    np.testing.assert_array_equal(full, toy.genotypes)
    np.testing.assert_array_equal(reader.read_block(slice(2, 9), slice(5, 30)), full[2:9, 5:30])
    np.testing.assert_array_equal(reader.read_block([-1], [-2]), full[[-1]][:, [-2]])
    rows, cols = np.array([12, 0, 7]), np.array([36, 3, 3, 10])
    np.testing.assert_array_equal(reader.read_block(rows, cols), full[rows][:, cols])
    mask = np.zeros(37, bool)
    mask[::4] = True
    np.testing.assert_array_equal(reader.read_block(snps=mask), full[:, mask])
    np.testing.assert_array_equal(
        reader.read_block(samples=["s4", "s1"], snps=["rs2"]), full[[4, 1]][:, [2]]
    )
    stitched = np.zeros_like(full)
    for block in reader.iter_blocks(snp_block=10, sample_block=5):
        assert block.genotypes.shape[0] <= 5 and block.genotypes.shape[1] <= 10
        stitched[block.samples, block.snps] = block.genotypes
    np.testing.assert_array_equal(stitched, full)
    sub = read_plink(tmp_path / "toy", samples=slice(0, 4), snps=np.array([1, 2]))
    np.testing.assert_array_equal(sub.genotypes, full[:4, 1:3])
    with pytest.raises(DataError, match="not in the data set"):
        reader.read_block(samples=["nobody"])


def test_hapmap3_real(tmp_path):
    _need(HAPMAP.with_suffix(".bed"))
    from attnscope.datasets import load_hapmap3

    data = load_hapmap3()
    assert data.genotypes.shape == (324, 13928)
    assert data.labels is None
    assert data.snp_ids[0] == "rs10458597" and data.positions[0] == 554484
    assert "simulate_phenotype" in data.meta["note"]
    # Independent decode of SNP 0 from the raw .bed bytes (PLINK SNP-major, A1 counted):
    # 00 -> 2 copies of A1, 10 -> 1, 11 -> 0, 01 -> missing.
    raw = np.frombuffer(HAPMAP.with_suffix(".bed").read_bytes()[3 : 3 + 81], np.uint8)
    codes = ((raw[:, None] >> np.array([0, 2, 4, 6])) & 3).ravel()[:324]
    expected = np.array([2, -1, 1, 0], np.int8)[codes]
    np.testing.assert_array_equal(data.genotypes[:, 0], expected)
    reader = PlinkReader(HAPMAP)
    np.testing.assert_array_equal(
        reader.read_block(slice(100, 140), slice(5000, 5100)), data.genotypes[100:140, 5000:5100]
    )


def test_bad_magic_number(tmp_path, toy):
    write_plink(tmp_path / "toy", toy)
    bed = tmp_path / "toy.bed"
    bed.write_bytes(b"\x00\x00\x00" + bed.read_bytes()[3:])
    before = _listing(tmp_path)
    with pytest.raises(DataError, match="magic number") as info:
        read_plink(tmp_path / "toy")
    assert str(bed) in str(info.value)
    assert _listing(tmp_path) == before


def test_sizes_disagree(tmp_path, toy):
    write_plink(tmp_path / "toy", toy)
    fam = tmp_path / "toy.fam"
    fam.write_text(fam.read_text() + "".join(f"x extra{i} 0 0 0 -9\n" for i in range(4)))
    with pytest.raises(DataError) as info:
        read_plink(tmp_path / "toy")
    msg = str(info.value)
    assert "17 samples" in msg and "37 SNPs" in msg and "toy.fam" in msg
    # a truncated .bed (fam restored)
    write_plink(tmp_path / "toy", toy)
    bed = tmp_path / "toy.bed"
    bed.write_bytes(bed.read_bytes()[:-5])
    with pytest.raises(DataError, match="bytes"):
        PlinkReader(tmp_path / "toy")


@pytest.mark.parametrize("n_fields", [5, 7])
def test_bim_with_wrong_field_count(tmp_path, toy, n_fields):
    write_plink(tmp_path / "toy", toy)
    bim = tmp_path / "toy.bim"
    lines = bim.read_text().splitlines()
    lines[4] = "\t".join([*lines[4].split("\t"), "extra"][:n_fields])
    bim.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="line 5") as info:
        read_plink(tmp_path / "toy")
    assert "toy.bim" in str(info.value)


def test_fam_phenotype_missing_samples_dropped(tmp_path, toy):
    write_plink(tmp_path / "toy", toy)
    fam = tmp_path / "toy.fam"
    rows = [ln.split() for ln in fam.read_text().splitlines()]
    rows[0][5], rows[3][5] = "-9", "0"
    fam.write_text("\n".join(" ".join(r) for r in rows) + "\n")
    with pytest.warns(AttnscopeWarning, match="2 samples"):
        data = read_plink(tmp_path / "toy")
    keep = np.setdiff1d(np.arange(13), [0, 3])
    np.testing.assert_array_equal(data.sample_ids, toy.sample_ids[keep])
    np.testing.assert_array_equal(data.labels, toy.labels[keep])
    np.testing.assert_array_equal(data.genotypes, toy.genotypes[keep])


def test_separate_phenotype_files(tmp_path, toy):
    write_plink(tmp_path / "toy", toy)
    plink_style = tmp_path / "pheno.txt"
    plink_style.write_text("".join(f"F{i} s{i} {2 if i % 3 == 0 else 1}\n" for i in range(13)))
    data = read_plink(tmp_path / "toy", labels=plink_style)
    np.testing.assert_array_equal(data.labels, (np.arange(13) % 3 == 0).astype(int))
    with pytest.warns(FutureWarning, match="labels="):  # the old keyword still works
        old = read_plink(tmp_path / "toy", pheno=plink_style)
    np.testing.assert_array_equal(old.labels, data.labels)
    header = tmp_path / "pheno.csv"
    header.write_text(
        "id,age,status\n"
        + "".join(f"s{i},{40 + i},{'yes' if i < 5 else 'no'}\n" for i in range(12))
    )
    with pytest.warns(AttnscopeWarning, match="1 samples"):
        data = read_plink(tmp_path / "toy", labels=header, pheno_col="status")
    assert data.class_names == ["no", "yes"] and len(data) == 12
    np.testing.assert_array_equal(data.labels, (np.arange(12) < 5).astype(int))
    with pytest.raises(DataError, match="several value columns"):
        read_phenotype(header, sample_ids=toy.sample_ids)
    with pytest.raises(DataError, match="binarise"):
        read_plink(tmp_path / "toy", labels=header, pheno_col="age")


VCF_TEXT = """##fileformat=VCFv4.2
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC
1\t100\trs1\tA\tG\t.\tPASS\t.\tGT\t0/0\t0|1\t1/1
1\t200\t.\tC\tT,G\t.\tPASS\t.\tGT:DP\t1/2:5\t./.:0\t0/2:9
2\t300\trs3\tG\tA\t.\tPASS\t.\tDP:GT\t7:1|0\t3:.\t4:0/0
"""


@pytest.mark.parametrize("compressed", [False, True])
def test_vcf_constructed(tmp_path, compressed):
    path = tmp_path / ("toy.vcf.gz" if compressed else "toy.vcf")
    if compressed:
        with gzip.open(path, "wt") as fh:
            fh.write(VCF_TEXT)
    else:
        path.write_text(VCF_TEXT)
    data = read_vcf(path)
    expected = np.array([[0, 2, 1], [1, -1, -1], [2, 1, 0]], dtype=np.int8)
    np.testing.assert_array_equal(data.genotypes, expected)
    assert data.snp_ids.tolist() == ["rs1", "1:200:C:T,G", "rs3"]
    assert data.positions.tolist() == [100, 200, 300]
    labels = tmp_path / "labels.txt"
    labels.write_text("A case\nC control\n")
    with pytest.warns(AttnscopeWarning, match="1 samples"):
        labelled = read_vcf(path, labels=labels)
    assert labelled.sample_ids.tolist() == ["A", "C"] and labelled.labels.tolist() == [0, 1]


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda t: t.replace("\tGT\t0/0", "\tDP\t0"), "without GT"),
        (lambda t: t.replace("\t0|1\t1/1", "\t0|1"), "line 4"),
        (lambda t: t.replace("0|1", "X/Y"), "line 4"),
        (lambda t: t.replace("\tFORMAT\tA\tB\tC", "\tFORMAT"), "no samples"),
    ],
)
def test_vcf_bad_input(tmp_path, edit, needle):
    path = tmp_path / "bad.vcf"
    path.write_text(edit(VCF_TEXT))
    before = _listing(tmp_path)
    with pytest.raises(DataError) as info:
        read_vcf(path)
    assert needle in str(info.value) and str(path) in str(info.value)
    assert _listing(tmp_path) == before


def test_vcf_without_gt_names_line(tmp_path):
    path = tmp_path / "nogt.vcf"
    path.write_text(VCF_TEXT.replace("\tGT\t0/0\t0|1\t1/1", "\tDP\t1\t2\t3"))
    with pytest.raises(DataError, match=r"line 4.*without GT"):
        read_vcf(path)


def test_vcf_real_file():
    _need(VCF_1000G)
    data = read_vcf(VCF_1000G)
    assert data.genotypes.shape == (191, 1356)
    assert set(np.unique(data.genotypes)) <= {-1, 0, 1, 2}
    # The hard calls count ALT: they must track the file's own DS (ALT dosage) field.
    ds = []
    with gzip.open(VCF_1000G, "rt") as fh:
        for line in fh:
            if not line.startswith("#"):
                ds.append([float(f.split(":")[1]) for f in line.rstrip("\n").split("\t")[9:]])
    ds_arr = np.asarray(ds).T
    assert ds_arr.shape == data.genotypes.shape
    assert np.abs(ds_arr - data.genotypes).mean() < 0.1


def test_qc_known_maf():
    n = 100
    g = np.zeros((n, 6), dtype=np.int8)
    g[:10, 0] = 1  # MAF 10/200 = 0.05: kept
    g[:1, 1] = 1  # MAF 0.005: below 0.01
    # column 2 all 0: monomorphic
    g[:, 3] = 2
    g[:50, 3] = 0
    g[:20, 3] = -1  # 20 % missing
    g[:, 4] = 1  # all heterozygous: a single genotype class
    g[:, 5] = np.tile([0, 1, 2, 1], 25)  # frequency 0.5
    data = GenotypeDataset(
        labels=None,
        sample_ids=np.arange(n).astype(str),
        class_names=[],
        truth=np.array([1, 0, 0, 0, 0, 1], bool),
        meta={},
        genotypes=g,
        snp_ids=np.array([f"v{j}" for j in range(6)]),
        chromosomes=np.ones(6).astype(int).astype(str),
        positions=np.arange(6),
    )
    np.testing.assert_allclose(
        allele_frequencies(g), [0.05, 0.005, 0.0, 100 / 160, 0.5, 0.5], rtol=1e-12
    )
    out, report = genotype_qc(data)
    assert out.snp_ids.tolist() == ["v0", "v5"]
    assert out.truth.tolist() == [True, True]
    assert report["snps_removed_missing"] == 1
    assert report["snps_removed_monomorphic"] == 2
    assert report["snps_removed_maf"] == 1
    assert out.meta["qc"]["n_snps_out"] == 2
    out, report = genotype_qc(data, maf=0.06, max_missing=0.25, drop_monomorphic=False)
    assert out.snp_ids.tolist() == ["v3", "v4", "v5"]
    assert report["snps_removed_maf"] == 3
    g2 = g.copy()
    g2[5, :] = -1  # sample 5 has no calls
    out, report = genotype_qc(
        GenotypeDataset(**{**data.__dict__, "genotypes": g2}), min_sample_call_rate=0.5
    )
    assert report["samples_removed_call_rate"] == 1 and "5" not in out.sample_ids


def test_read_phenotype_missing_codes(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("FID IID PHENO\nf a 2\nf b 1\nf c -9\nf d 0\n")
    labels, names = read_phenotype(path, sample_ids=["d", "c", "b", "a", "zz"])
    assert names == ["control", "case"]
    assert labels.tolist() == [-1, -1, 0, 1, -1]


def test_bglr_mice_albino_maps_to_chromosome_7():
    _need(MICE)
    from attnscope.datasets import load_bglr_mice

    data = load_bglr_mice()
    assert data.genotypes.shape == (1814, 10346)
    assert np.bincount(data.labels).tolist() == [1650, 164]
    assert "cM" in data.meta["position_unit"]
    np.testing.assert_allclose(data.positions / 1e6, data.meta["cm_positions"], atol=1e-6)
    # The real Mendelian locus: the SNP most associated with albino lies on chromosome 7.
    x = data.genotypes.astype(np.float32)
    yc = (data.labels - data.labels.mean()).astype(np.float32)
    var = (x * x).mean(0) - x.mean(0) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (yc @ x) / np.sqrt(var * (yc**2).mean()) / len(yc)
    assert data.chromosomes[np.nanargmax(np.abs(r))] == "7"


def test_a_dosage_table_written_as_plink_reads_back(tmp_path):
    """A .raw table names only the counted allele: the .bim's other allele is PLINK's
    missing code 0, not an empty field that left every line one field short."""
    from attnscope.io import read_dosage, read_plink, write_plink

    cells = np.random.default_rng(5).integers(0, 3, size=(8, 3))
    lines = ["FID IID PAT MAT SEX PHENOTYPE rs1_A rs2_G rs3_T"]
    lines += [f"f{i} s{i} 0 0 0 {1 + i % 2} " + " ".join(map(str, r)) for i, r in enumerate(cells)]
    raw = tmp_path / "c.raw"
    raw.write_text("\n".join(lines) + "\n")
    data = read_dosage(raw)
    write_plink(tmp_path / "c", data)
    back = read_plink(tmp_path / "c")
    np.testing.assert_array_equal(back.genotypes, data.genotypes)
    assert back.meta["alleles"][:, 0].tolist() == ["A", "G", "T"]
    assert back.meta["alleles"][:, 1].tolist() == ["0", "0", "0"]

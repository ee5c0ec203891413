"""Streaming SNP QC: per-SNP counts over blocks give the in-memory snp_qc_mask exactly."""

from __future__ import annotations

import numpy as np
import pytest

from attnscope.errors import DataError
from attnscope.io import SnpCounts, snp_qc_mask


def _genotypes(seed: int = 0, n: int = 203, m: int = 157) -> np.ndarray:
    rng = np.random.default_rng(seed)
    freq = rng.uniform(0.0, 0.5, m)
    freq[:10] = 0.0  # monomorphic 0
    freq[10:15] = 0.004  # rare: below maf 0.01
    g = rng.binomial(2, freq, size=(n, m)).astype(np.int8)
    g[:, 15:20] = 1  # every called sample heterozygous (monomorphic too)
    miss = rng.random((n, m)) < rng.uniform(0, 0.25, m)
    g[miss] = -1
    g[:, 20] = -1  # no call at all
    return g


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"maf": 0.05, "max_missing": 0.15},
        {"maf": None, "max_missing": None, "drop_monomorphic": False},
        {"maf": 0.2, "drop_monomorphic": False},
    ],
)
def test_blocks_in_any_shape_give_the_in_memory_mask(options):
    g = _genotypes()
    keep, minor, missing = snp_qc_mask(g, **options)
    acc = SnpCounts(g.shape[1])
    for rows in np.array_split(np.arange(g.shape[0]), 4):  # sample blocks outer
        for cols in (slice(0, 60), slice(60, 157)):  # SNP blocks inner
            acc.update(g[rows][:, cols], cols)
    got_keep, got_minor, got_missing = acc.mask(**options)
    np.testing.assert_array_equal(got_keep, keep)
    np.testing.assert_array_equal(got_minor, minor)  # NaN where nothing was called
    np.testing.assert_array_equal(got_missing, missing)
    assert 0 < keep.sum() < g.shape[1] or not options.get("maf", 0.01)


def test_streaming_qc_of_a_plink_file_equals_read_then_filter(tmp_path):
    from attnscope.io import PlinkReader, read_plink, write_plink
    from attnscope.io._qc_stream import streaming_snp_qc
    from attnscope.sim import simulate_genotypes

    data = simulate_genotypes(150, n_snps=300, random_state=1)
    write_plink(tmp_path / "cohort", data)
    reader = PlinkReader(tmp_path / "cohort")
    rows = np.arange(0, 150, 2)
    keep, minor, missing = streaming_snp_qc(reader, maf=0.05, samples=rows, sample_block=16)
    full = read_plink(tmp_path / "cohort").genotypes[rows]
    ref = snp_qc_mask(full, maf=0.05)
    for got, want in zip((keep, minor, missing), ref):
        np.testing.assert_array_equal(got, want)


def test_incomplete_coverage_is_refused():
    acc = SnpCounts(4).update(np.zeros((3, 2), np.int8), slice(0, 2))
    with pytest.raises(DataError, match="did not cover"):
        acc.mask()

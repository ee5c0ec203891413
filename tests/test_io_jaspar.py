"""JASPAR motif reading and PWM scanning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from attnscope.data import encode_sequences
from attnscope.errors import DataError
from attnscope.io import Motif, max_motif_scores, read_jaspar, reverse_complement, scan_pwm

CTCF_ROWS = [
    "A  [     87    167    281     56      8    744     40    107    851      5    333     54"
    "     12     56    104    372     82    117    402 ]",
    "C  [    291    145     49    800    903     13    528    433     11      0      3     12"
    "      0      8    733     13    482    322    181 ]",
    "G  [     76    414    449     21      0     65    334     48     32    903    566    504"
    "    890    775      5    507    307     73    266 ]",
    "T  [    459    187    134     36      2     91     11    324     18      3      9    341"
    "      8     71     67     17     37    396     59 ]",
]


@pytest.fixture
def ctcf(tmp_path) -> Motif:
    path = tmp_path / "MA0139.1.CTCF.jaspar"
    path.write_text(">MA0139.1\tCTCF\n" + "\n".join(CTCF_ROWS) + "\n")
    return read_jaspar(path)["MA0139.1"]


def random_dna(n: int, length: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), size=length)) for _ in range(n)]


def test_read_jaspar_count_format(ctcf):
    assert ctcf.name == "CTCF" and ctcf.counts.shape == (4, 19) and ctcf.width == 19
    assert ctcf.counts[0, 0] == 87 and ctcf.counts[3, 18] == 59
    assert ctcf.consensus() == "TGGCCACCAGGGGGCGCTA"


def test_read_transfac_reorders_columns(tmp_path):
    path = tmp_path / "m.tf"
    path.write_text(
        "AC MA0001.1\nXX\nID ABC\nXX\nP0\tT\tG\tC\tA\n01\t1\t2\t3\t4\n02\t0\t0\t0\t9\nXX\n//\n"
        "AC MA0002.1\nID DEF\nPO A C G T\n01 5 0 0 0\n//\n"
    )
    motifs = read_jaspar(path)
    assert list(motifs) == ["MA0001.1", "MA0002.1"]
    np.testing.assert_array_equal(motifs["MA0001.1"].counts, [[4, 9], [3, 0], [2, 0], [1, 0]])
    assert motifs["MA0001.1"].name == "ABC" and motifs["MA0002.1"].consensus() == "A"


def test_pwm_log_odds_values(ctcf):
    motif = Motif("x", "x", np.array([[10.0], [0.0], [0.0], [0.0]]))
    lo = motif.pwm(pseudocount=0.8)
    np.testing.assert_allclose(
        lo[:, 0], np.log2([10.2 / 10.8 / 0.25, 0.2 / 10.8 / 0.25] + [0.2 / 10.8 / 0.25] * 2)
    )
    bg = np.array([0.3, 0.2, 0.2, 0.3])
    lo_bg = motif.pwm(pseudocount=0.8, background=bg)
    np.testing.assert_allclose(lo_bg[0, 0], np.log2((10 + 0.8 * 0.3) / 10.8 / 0.3))
    assert ctcf.pwm().shape == (4, 19)


def test_real_files_agree(data_dir):
    single = data_dir / "reference/jaspar/MA0139.1.CTCF.jaspar"
    multi = data_dir / "reference/jaspar/JASPAR2020_CORE_vertebrates_non-redundant_pfms.tf"
    for path in (single, multi):
        if not path.exists():
            pytest.skip(f"shared data file {path} is not available")
    motifs = read_jaspar(multi)
    assert len(motifs) == 746
    np.testing.assert_array_equal(motifs["MA0139.1"].counts, read_jaspar(single)["MA0139.1"].counts)


def test_consensus_scores_highest(ctcf):
    seqs = [*random_dna(50, 40), "AAAAAAAAAA" + ctcf.consensus() + "AAAAAAAAAAA"]
    scores = max_motif_scores(encode_sequences(seqs), ctcf)
    assert scores.shape == (51,) and int(np.argmax(scores)) == 50
    best = ctcf.pwm().max(axis=0).sum()
    np.testing.assert_allclose(scores[50], best, rtol=1e-5)


def test_scan_marks_exactly_the_hit_window_on_both_strands(ctcf):
    cons = ctcf.consensus()
    background = random_dna(3, 60, seed=3)
    plus = background[0][:10] + cons + background[0][29:]
    minus = background[1][:25] + reverse_complement(cons) + background[1][44:]
    tokens = encode_sequences([plus, minus, background[2]])
    top = float(max_motif_scores(tokens[:1], ctcf)[0])
    mask = scan_pwm(tokens, ctcf, threshold=top - 1e-3)
    assert mask.shape == tokens.shape and mask.dtype == bool
    expect = np.zeros_like(mask)
    expect[0, 10:29] = True
    expect[1, 25:44] = True
    np.testing.assert_array_equal(mask, expect)
    forward = scan_pwm(tokens, ctcf, threshold=top - 1e-3, both_strands=False)
    assert forward[0].sum() == 19 and not forward[1].any()


def test_scan_ignores_padding_and_short_sequences(ctcf):
    cons = ctcf.consensus()
    tokens = encode_sequences([cons[:15], cons + "AC"], length=30)
    mask = scan_pwm(tokens, ctcf, relative_threshold=0.5)
    assert not mask[0].any() and mask[1, :19].all()
    short = encode_sequences(["ACGT"])
    assert np.isneginf(max_motif_scores(short, ctcf)).all()
    assert not scan_pwm(short, ctcf).any()
    with pytest.raises(DataError, match="shape"):
        scan_pwm(tokens, np.zeros((3, 5)))


def test_read_jaspar_bad_input(tmp_path):
    path = tmp_path / "bad.jaspar"
    path.write_text(">MA1\tX\nA [1 2]\nC [1 2]\nG [1]\nT [1 2]\n")
    with pytest.raises(DataError, match=r"bad\.jaspar, line 1: motif 'MA1' needs 4 rows"):
        read_jaspar(path)
    path.write_text("hello\n")
    with pytest.raises(DataError, match="neither JASPAR"):
        read_jaspar(path)
    empty = tmp_path / "empty.jaspar"
    empty.write_text("")
    with pytest.raises(DataError, match="empty"):
        read_jaspar(empty)
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == ["bad.jaspar", "empty.jaspar"]

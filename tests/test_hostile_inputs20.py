"""Hostile inputs, round 20: a user's own files and models, as they come (headers in
another case, ids written with leading zeros, ...).

Library cases assert the DataError / ConfigError and its key phrase; CLI cases exit status
2 with one ``error:`` line.
"""

from __future__ import annotations


def test_long_series_with_a_capitalised_header_keeps_zero_padded_ids(tmp_path):
    """``ID,Time,Variable,Value`` (any case is documented) lost the text dtype of the id
    column: stays '001'... became '1'..., and a labels file naming '001' matched none of
    them ("ids are compared as written: '001' is not '1'", though both were written 001)."""
    from attnscope.io import read_long_timeseries

    lines = ["ID,Time,Variable,Value"]
    lines += [f"00{k},{t},HR,{60 + k + t}" for k in range(1, 5) for t in range(3)]
    data = tmp_path / "long.csv"
    data.write_text("\n".join(lines) + "\n")
    labels = tmp_path / "labels.csv"
    labels.write_text("id,label\n001,0\n002,1\n003,0\n004,1\n")
    ds = read_long_timeseries(data, labels=labels)
    assert ds.sample_ids.tolist() == ["001", "002", "003", "004"]
    assert ds.labels.tolist() == [0, 1, 0, 1]

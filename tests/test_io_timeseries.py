"""Clinical time series: PhysioNet 2012 reader, long CSV reader, gridding, normaliser."""

from __future__ import annotations

import csv
import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attnscope._utils.paths import shared_data_dir
from attnscope.errors import AttnscopeWarning, DataError
from attnscope.io import (
    PHYSIONET_VARIABLES,
    TimeSeriesNormalizer,
    grid_observations,
    read_long_timeseries,
    read_physionet2012,
)

P12 = shared_data_dir() / "timeseries" / "physionet2012"
ARCHIVE, OUTCOMES = P12 / "set-a.tar.gz", P12 / "Outcomes-a.txt"


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"shared data file {path} is not available")


@pytest.fixture(scope="module")
def members() -> dict[str, bytes]:
    """The first 50 records (by name) of the real set-a archive."""
    _need(ARCHIVE)
    _need(OUTCOMES)
    blobs = {}
    with tarfile.open(ARCHIVE) as tar:
        for m in tar:  # one sequential pass: no seeking back in the gzip stream
            fh = tar.extractfile(m) if m.isfile() and m.name.endswith(".txt") else None
            if fh is not None:
                blobs[Path(m.name).name] = fh.read()
    return {k: blobs[k] for k in sorted(blobs)[:50]}


def _write_tar(path: Path, records: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in records.items():
            info = tarfile.TarInfo(f"set-a/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path


@pytest.fixture(scope="module")
def subset(members, tmp_path_factory):
    path = _write_tar(tmp_path_factory.mktemp("p12") / "set-a.tar.gz", members)
    return read_physionet2012(path, outcomes=OUTCOMES)


def _independent_grid(blob: bytes, hours: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """Plain-Python hourly means of one record (no pandas, no shared code)."""
    sums = np.zeros((hours, len(PHYSIONET_VARIABLES)))
    counts = np.zeros_like(sums)
    for row in csv.DictReader(io.StringIO(blob.decode())):
        if row["Parameter"] not in PHYSIONET_VARIABLES:
            continue
        hh, mm = row["Time"].split(":")
        t = int(hh) + int(mm) / 60
        if t > hours:
            continue
        b = min(int(t), hours - 1)
        v = PHYSIONET_VARIABLES.index(row["Parameter"])
        sums[b, v] += float(row["Value"])
        counts[b, v] += 1
    with np.errstate(invalid="ignore"):
        return sums / counts, counts > 0


def test_physionet_subset_archive(subset, members):
    assert subset.values.shape == (50, 48, 36)
    assert subset.static.shape == (50, 12)
    assert subset.variable_names.tolist() == list(PHYSIONET_VARIABLES)
    ids = [name.removesuffix(".txt") for name in members]
    assert subset.sample_ids.tolist() == ids
    outcomes = pd.read_csv(OUTCOMES).set_index("RecordID")
    expected = outcomes.loc[[int(i) for i in ids], "In-hospital_death"].to_numpy()
    np.testing.assert_array_equal(subset.labels, expected)
    assert subset.class_names == ["survived", "died"]
    for k in (0, 17, 49):
        means, observed = _independent_grid(members[ids[k] + ".txt"])
        np.testing.assert_array_equal(subset.mask[k], observed)
        np.testing.assert_allclose(subset.values[k][observed], means[observed], rtol=1e-5)
        # unobserved cells after an observation carry the previous cell forward
        carried = ~observed[1:] & observed.cumsum(0)[:-1].astype(bool)
        np.testing.assert_array_equal(subset.values[k][1:][carried], subset.values[k][:-1][carried])
    # static: Age is the 00:00 descriptor of the first record
    first = pd.read_csv(io.BytesIO(members[ids[0] + ".txt"]))
    age = first.loc[first.Parameter == "Age", "Value"].iloc[0]
    assert subset.static[0, 0] == pytest.approx(age)


def test_folder_equals_archive(members, tmp_path):
    some = dict(list(members.items())[:8])
    folder = tmp_path / "records"
    folder.mkdir()
    for name, blob in some.items():
        (folder / name).write_bytes(blob)
    a = read_physionet2012(folder, outcomes=OUTCOMES)
    b = read_physionet2012(_write_tar(tmp_path / "set-a.tar.gz", some), outcomes=OUTCOMES)
    for field in ("values", "mask", "static", "labels", "sample_ids"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert sorted(p.name for p in folder.iterdir()) == sorted(some)  # nothing written


def test_full_archive_read():
    _need(ARCHIVE)
    from attnscope.datasets import load_physionet2012

    data = load_physionet2012()
    assert data.values.shape == (4000, 48, 36)
    assert int(data.labels.sum()) == 554  # deaths in set-a (PhysioNet)
    assert 0.0 < data.mask.mean() < 1.0


def _record(rid: str, lines: list[str]) -> bytes:
    return ("Time,Parameter,Value\n" + "\n".join(lines) + "\n").encode()


GOOD = ["00:00,RecordID,{rid}", "00:00,Age,60", "00:00,Gender,1", "00:00,ICUType,2",
        "00:30,HR,80", "01:10,HR,90"]  # fmt: skip


def test_record_without_recordid(tmp_path):
    (tmp_path / "1.txt").write_bytes(_record("1", [g.format(rid=1) for g in GOOD]))
    (tmp_path / "2.txt").write_bytes(_record("2", [g.format(rid=2) for g in GOOD[1:]]))
    with pytest.raises(DataError, match="no RecordID") as info:
        read_physionet2012(tmp_path, task=None)
    assert "2.txt" in str(info.value)


@pytest.mark.parametrize("bad_time", ["1h:30", "12", "07:75", "-00:30", "-1:00"])
def test_unparsable_time(tmp_path, bad_time):
    lines = [g.format(rid=5) for g in GOOD]
    lines[3] = f"{bad_time},HR,77"
    records = {"4.txt": _record("4", [g.format(rid=4) for g in GOOD]), "5.txt": _record("5", lines)}
    archive = _write_tar(tmp_path / "set-a.tar.gz", records)
    with pytest.raises(DataError) as info:
        read_physionet2012(archive, task=None)
    msg = str(info.value)
    assert "set-a/5.txt" in msg and "line 5" in msg and "HH:MM" in msg


def test_outcomes_missing_for_records(tmp_path):
    for rid in (7, 8):
        (tmp_path / f"{rid}.txt").write_bytes(_record(str(rid), [g.format(rid=rid) for g in GOOD]))
    out = tmp_path / "Outcomes-a.txt"
    out.write_text(
        "RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death\n7,10,2,5,-1,0\n"
    )
    with pytest.raises(DataError, match="no row for 1 records") as info:
        read_physionet2012(tmp_path, outcomes=out)
    assert "8" in str(info.value)
    out.write_text(out.read_text() + "8,20,3,4,-1,1\n")
    data = read_physionet2012(tmp_path, outcomes=out)  # the Outcomes file is found beside
    assert data.labels.tolist() == [0, 1]
    # HR at 00:30 and 01:10 land in bins 0 and 1; variables never observed stay 0
    hr = PHYSIONET_VARIABLES.index("HR")
    assert data.values[0, :3, hr].tolist() == [80, 90, 90]
    assert not data.mask[:, :, PHYSIONET_VARIABLES.index("pH")].any()


def test_severity_tertiles(members, tmp_path):
    archive = _write_tar(tmp_path / "set-a.tar.gz", members)
    saps = pd.read_csv(OUTCOMES).set_index("RecordID")["SAPS-I"]
    valid = saps[saps >= 0].to_numpy()
    q1, q2 = np.quantile(valid, [1 / 3, 2 / 3])
    ids = np.array([int(n.removesuffix(".txt")) for n in members])
    n_invalid = int((saps.loc[ids] < 0).sum())
    assert n_invalid > 0  # the subset exercises the dropping
    with pytest.warns(AttnscopeWarning, match=f"{n_invalid} stays without a SAPS-I"):
        data = read_physionet2012(archive, outcomes=OUTCOMES, task="severity")
    kept = saps.loc[data.sample_ids.astype(int)].to_numpy()
    np.testing.assert_array_equal(data.labels, np.digitize(kept, [q1, q2], right=True))
    assert data.meta["severity_cut_points"] == pytest.approx([q1, q2])
    assert len(data) == len(members) - n_invalid


def test_normaliser_uses_training_statistics_only(subset):
    train, test = subset.subset(np.arange(30)), subset.subset(np.arange(30, 50))
    norm = TimeSeriesNormalizer().fit(train)
    x = np.ma.masked_array(train.values, ~train.mask)
    np.testing.assert_allclose(norm.mean_, x.mean(axis=(0, 1)).filled(0), rtol=1e-5, atol=1e-6)
    # Test-set values do not reach the statistics: scaling them changes nothing fitted.
    state = json.dumps(norm.to_dict())
    test.values = test.values * 1000 + 7
    z_test = norm.transform(test)
    assert json.dumps(norm.to_dict()) == state
    full = TimeSeriesNormalizer().fit(subset)
    assert not np.allclose(full.mean_, norm.mean_)  # the check above could fail
    obs = test.mask
    expected = (test.values - norm.mean_) / norm.std_
    np.testing.assert_allclose(z_test.values[obs], expected[obs], rtol=1e-4, atol=1e-4)
    before_first = ~np.maximum.accumulate(obs, axis=1)
    assert (z_test.values[before_first] == 0).all()
    carried = ~obs[:, 1:] & ~before_first[:, 1:]
    np.testing.assert_array_equal(z_test.values[:, 1:][carried], z_test.values[:, :-1][carried])
    assert z_test.meta["normalized"] and not test.meta["normalized"]
    with pytest.raises(DataError, match="already normalised"):
        norm.transform(z_test)
    # Static: missing Height is imputed with the TRAINING median, then standardised.
    names = list(subset.static_names)
    h, hm = names.index("Height"), names.index("Height_missing")
    train_h = train.static[:, h][train.static[:, hm] == 0]
    assert norm.static_median_[h] == pytest.approx(np.median(train_h))
    missing_rows = test.static[:, hm] == 1
    if missing_rows.any():
        z_missing = (np.median(train_h) - norm.static_mean_[h]) / norm.static_std_[h]
        np.testing.assert_allclose(z_test.static[missing_rows, h], z_missing, rtol=1e-5)
    g = names.index("Gender")
    assert norm.static_median_[g] in (0.0, 1.0)  # a 0/1 column is imputed with its mode
    assert (norm.static_mean_[g], norm.static_std_[g]) == (0.0, 1.0)  # and left unscaled
    # Saved state restores the same transform.
    again = TimeSeriesNormalizer.from_dict(json.loads(state)).transform(test)
    np.testing.assert_array_equal(again.values, z_test.values)
    np.testing.assert_array_equal(again.static, z_test.static)


LONG = """id,time,variable,value,outcome
a,0,hr,70,yes
a,0.5,hr,80,yes
a,02:15,sbp,120,yes
b,1,hr,60,no
b,3.0,hr,64,no
b,03:59,sbp,110,no
"""


def test_long_csv_against_hand_made_grid(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(LONG)
    data = read_long_timeseries(path, label_col="outcome")
    # hours default: the bin of the latest observation (03:59) is the last -> 4 bins
    assert data.values.shape == (2, 4, 2)
    assert data.variable_names.tolist() == ["hr", "sbp"]
    assert data.times.tolist() == [0, 1, 2, 3]
    hr = [[75, 75, 75, 75], [0, 60, 60, 64]]  # bin means, carried forward, 0 before first
    sbp = [[0, 0, 120, 120], [0, 0, 0, 110]]
    np.testing.assert_allclose(data.values[..., 0], hr)
    np.testing.assert_allclose(data.values[..., 1], sbp)
    np.testing.assert_array_equal(
        data.mask[..., 0], [[True, False, False, False], [False, True, False, True]]
    )
    assert data.sample_ids.tolist() == ["a", "b"]
    assert data.class_names == ["no", "yes"] and data.labels.tolist() == [1, 0]
    labels = tmp_path / "labels.csv"
    labels.write_text("id,died\nb,1\na,0\n")
    other = read_long_timeseries(
        path, labels=labels, label_col="died", hours=2, step_hours=0.5, variables=["sbp", "hr"]
    )
    assert other.values.shape == (2, 4, 2) and other.labels.tolist() == [0, 1]
    np.testing.assert_allclose(other.values[0, :, 1], [70, 80, 80, 80])
    assert not other.mask[:, :, 0].any()  # sbp only after 2 h: dropped


def test_long_csv_bad_input(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(LONG.replace("b,3.0,", "b,3h,"))
    with pytest.raises(DataError, match="line 6"):
        read_long_timeseries(path)
    path.write_text("id,t,variable,value\na,0,hr,1\n")
    with pytest.raises(DataError, match=r"\['time'\]"):
        read_long_timeseries(path)


def test_clock_times_with_seconds(tmp_path):
    # exports from hospital systems write HH:MM:SS; they were refused
    from attnscope.io._timegrid import parse_times

    hours, ok = parse_times(["00:30:00", "36:15:30", "1:05", "2.5", "01:60:00", "1:2:3", "7:00:60"])
    assert ok.tolist() == [True, True, True, True, False, False, False]
    np.testing.assert_allclose(hours[:4], [0.5, 36 + 15 / 60 + 30 / 3600, 1 + 5 / 60, 2.5])
    path = tmp_path / "long.csv"
    path.write_text("id,time,variable,value\na,00:00:00,hr,70\na,01:30:00,hr,80\n")
    data = read_long_timeseries(path)
    assert data.values.shape == (1, 2, 1)
    np.testing.assert_allclose(data.values[0, :, 0], [70, 80])


def test_grid_edges():
    values, mask, times = grid_observations(
        np.array([0, 0, 0, 0]),
        np.array([0, 0, 0, 0]),
        np.array([-0.5, 1.0, 2.0, 2.5]),
        np.array([5.0, 6.0, 7.0, 8.0]),
        n_samples=1,
        n_variables=1,
        hours=2,
        step_hours=1.0,
    )
    # t = 2 (the end) joins the last bin; negative and later times are dropped
    assert times.tolist() == [0, 1]
    assert values[0, :, 0].tolist() == [0, 6.5] and mask[0, :, 0].tolist() == [False, True]

"""One test per hostile-input class of issue 19 (readers and options), with the message it gives.

The files are written into tmp_path; the expected wording is asserted so a regression to a
traceback, a silent result or a vaguer message fails here.
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
import tarfile

import numpy as np
import pytest

from _hostile import seed, tar_gz, write_seed
from attnscope.cli import run
from attnscope.errors import AttnscopeWarning, ConfigError, DataError
from attnscope.io import (
    read_data,
    read_dataset,
    read_expression,
    read_fasta,
    read_long_timeseries,
    read_physionet2012,
    read_sequence_table,
)

FASTA = (
    ">s1 label=0\nACGTACGT\n>s2 label=1\nGGCCAATT\n>s3 label=0\nACGTTTGA\n>s4 label=1\nTTGACCAA\n"
)


def _fit(args: list[str], capsys) -> tuple[int, str]:
    code = run(["fit", *args])
    return code, capsys.readouterr().err


# ------------------------------------------------------------------- compression
def test_compression_is_detected_by_magic_bytes_not_the_name(tmp_path):
    path = tmp_path / "seqs.fa.gz"  # named gzip, holds bzip2
    path.write_bytes(bz2.compress(FASTA.encode()))
    data = read_fasta(path, label_field="label")
    assert data.sample_ids.tolist() == ["s1", "s2", "s3", "s4"]
    plain_named = tmp_path / "seqs.fa"  # gzip data without .gz
    plain_named.write_bytes(gzip.compress(FASTA.encode()))
    np.testing.assert_array_equal(read_fasta(plain_named, label_field="label").tokens, data.tokens)


def test_truncated_gzip_is_one_error_naming_the_file(tmp_path):
    path = tmp_path / "seqs.fa.gz"
    path.write_bytes(gzip.compress((FASTA * 200).encode())[:-40])
    with pytest.raises(DataError, match="gzip data is truncated or corrupt") as info:
        read_fasta(path, label_field="label")
    assert str(path) in str(info.value) and "re-download" in str(info.value)


def test_zstd_is_refused_with_the_command(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 32)
    with pytest.raises(DataError, match=r"zstd -d") as info:
        read_expression(path)
    assert str(path) in str(info.value)


def test_zip_with_one_table_is_read_and_with_two_refused(tmp_path):
    import zipfile

    text = seed("expression_csv").files["expr.csv"]
    one, two = tmp_path / "one.zip", tmp_path / "two.zip"
    with zipfile.ZipFile(one, "w") as z:
        z.writestr("expr.csv", text)
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a.csv", text)
        z.writestr("b.csv", text)
    assert read_expression(one, label_col="label").X.shape == (16, 6)
    with pytest.raises(DataError, match="must hold exactly one file, found 2"):
        read_expression(two, label_col="label")


# --------------------------------------------------------------------- encoding
def test_utf16_with_bom_is_decoded(tmp_path):
    text = seed("expression_csv").files["expr.csv"].decode()
    path = tmp_path / "expr.csv"
    path.write_bytes(text.encode("utf-16"))
    assert read_expression(path, label_col="label").X.shape == (16, 6)


def test_windows_1252_names_file_line_and_iconv(tmp_path):
    path = tmp_path / "seqs.csv"
    path.write_bytes("id,seq,label\ns1,ACGT,caf\xe9\ns2,GGCA,th\xe9\n".encode("cp1252"))
    with pytest.raises(DataError) as info:
        read_sequence_table(path)
    msg = str(info.value)
    assert f"{path}, line 2: the text is not UTF-8 (byte 0xe9)" in msg
    assert "iconv -f cp1252 -t utf-8" in msg


def test_fasta_starting_with_a_bom_reads(tmp_path):
    path = tmp_path / "bom.fa"
    path.write_bytes(b"\xef\xbb\xbf" + FASTA.encode())
    assert read_fasta(path, label_field="label").sample_ids[0] == "s1"


# ------------------------------------------------------------------ file system
def test_directory_and_unreadable_file(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="found a directory"):
        read_fasta(tmp_path)
    path = tmp_path / "x.fa"
    path.write_text(FASTA)
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if str(p) == str(path) else real(p, mode)
    )
    with pytest.raises(DataError, match=r"permission denied; make the file readable"):
        read_fasta(path)


def test_read_only_output_folder_is_refused_before_training(tmp_path, monkeypatch, capsys):
    data = write_seed(seed("seqtable"), tmp_path, [])
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if str(p) == str(locked) else real(p, m))
    code, err = _fit([str(data), "--model", "cnn", "--out", str(locked / "run")], capsys)
    assert code == 2 and err.count("\n") == 1
    assert f"{locked} is read-only for this user; choose another --out" in err
    assert not (locked / "run").exists()


# ------------------------------------------------------- sizes before allocation
def test_one_huge_record_refused_with_sizes_and_length(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTNSCOPE_MAX_MEMORY_GB", "0.05")
    path = tmp_path / "big.fa"
    path.write_text(FASTA + ">huge label=1\n" + "ACGT" * 250_000 + "\n")
    with pytest.raises(DataError) as info:
        read_fasta(path, label_field="label")
    msg = str(info.value)
    assert "padding 5 sequences to the longest, huge (1000000 bp; median 8 bp)" in msg
    assert "more than the memory budget of 51.2 MiB" in msg and "length=" in msg
    assert read_fasta(path, label_field="label", length=8).tokens.shape == (5, 8)


def test_padding_to_a_far_longer_record_warns(tmp_path):
    path = tmp_path / "long.fa"
    path.write_text(FASTA + ">long label=1\n" + "A" * 5000 + "\n")
    with pytest.warns(AttnscopeWarning, match=r"sequence long is 5000 bp, 625x the median"):
        read_fasta(path, label_field="label")


def test_time_grid_explosion_names_record_line_and_value(tmp_path):
    path = tmp_path / "ts.csv"
    path.write_text("id,time,variable,value\na,0,HR,80\na,1e9,HR,81\nb,2,HR,70\n")
    with pytest.raises(DataError) as info:
        read_long_timeseries(path)
    msg = str(info.value)
    assert f"{path}, line 3 (stay 'a'): time 1e+09 h sets the grid length" in msg
    assert "hours=" in msg
    assert read_long_timeseries(path, hours=4).values.shape == (2, 4, 1)


# ------------------------------------------------------------------- options
@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("epochs=abc", "parameter epochs='abc' is invalid; epochs must be an integer in [0, "),
        ("lr=NaN", "parameter lr=nan is invalid; lr must be a number in (0, 10]"),
        ("dropout=1.5", "parameter dropout=1.5 is invalid; dropout must be a number in [0, 1)"),
        ("monitor=f1", "monitor must be one of ['accuracy', 'balanced_accuracy'"),
    ],
)
def test_set_values_are_type_and_range_checked(tmp_path, capsys, setting, expected):
    data = write_seed(seed("seqtable"), tmp_path, [])
    out = tmp_path / "run"
    code, err = _fit([str(data), "--model", "cnn", "--out", str(out), "--set", setting], capsys)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert expected in err
    assert not out.exists()


@pytest.mark.parametrize("share", ["-0.1", "1", "1.5"])
def test_test_share_outside_unit_interval(tmp_path, capsys, share):
    data = write_seed(seed("seqtable"), tmp_path, [])
    out = tmp_path / "run"
    code, err = _fit([str(data), "--model", "cnn", "--out", str(out), "--test-size", share], capsys)
    assert code == 2 and f"test_size (--test-size) = {float(share)!r} is outside [0, 1)" in err
    assert not out.exists()


def test_test_share_leaving_no_training_data():
    from attnscope.data import train_val_test_split

    with pytest.raises(DataError, match=r"cannot split 8 samples \(\[4, 4\] per class\)"):
        train_val_test_split(np.repeat([0, 1], 4), val_size=0.0, test_size=0.9)


def test_unknown_reader_option_names_the_options(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(FASTA)
    with pytest.raises(ConfigError, match=r"option\(s\) \['label_column'\] do not apply to fasta"):
        read_data(path, label_column="label")


# ------------------------------------------------------------- messages
def test_fam_with_all_missing_phenotypes_names_file_and_option(tmp_path, capsys):
    spec = seed("plink_fam")
    write_seed(spec, tmp_path, [])
    fam = tmp_path / "c.fam"
    fam.write_text("".join(f"f{k} s{k} 0 0 1 -9\n" for k in range(16)))
    out = tmp_path / "run"
    code, err = _fit([str(tmp_path / "c"), "--model", "mlp", "--out", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert f"every phenotype in {fam} (column 6) is missing (-9 or 0)" in err
    assert "--pheno" in err and not out.exists()


def test_labels_differing_only_in_case_warn_naming_them(tmp_path):
    path = tmp_path / "seqs.csv"
    path.write_text("seq,label\nACGT,Tumour\nGGCA,tumour\nACGA,normal\n")
    with pytest.warns(AttnscopeWarning, match=r"labels 'Tumour' / 'tumour' differ only in case"):
        read_sequence_table(path)


def test_pandas_parser_error_is_one_line(tmp_path):
    path = tmp_path / "expr.csv"
    path.write_text('sample,label,G1\np1,a,"1.0\np2,b,2.0\n')
    with pytest.raises(DataError) as info:
        read_expression(path, label_col="label")
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_warnings_print_as_one_line(tmp_path, capsys):
    lines = seed("seqtable").files["seqs.csv"].decode().splitlines(keepends=True)
    ones = [k for k, ln in enumerate(lines) if ln.endswith(",1\n")]
    for j, k in enumerate(ones):  # 8 samples of class 1 become 4 'One' and 4 'one'
        lines[k] = lines[k][:-2] + ("One\n" if j % 2 else "one\n")
    text = "".join(lines)
    (tmp_path / "s.csv").write_text(text)
    out = tmp_path / "run"
    code, err = _fit(
        [
            str(tmp_path / "s.csv"),
            "--model",
            "cnn",
            "--out",
            str(out),
            "--set",
            "epochs=1",
            "--set",
            "val_size=0",
        ],
        capsys,
    )
    assert code == 0, err
    lines = [ln for ln in err.splitlines() if "differ only in case" in ln]
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "Warning:" not in lines[0]
    assert "warnings.warn" not in err


def test_damaged_npz_names_the_file(tmp_path):
    blob = seed("npz").files["d.npz"]
    path = tmp_path / "d.npz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match=r"not a readable attnscope \.npz data file") as info:
        read_dataset(path)
    assert str(path) in str(info.value)


# ------------------------------------------------------------------ PhysioNet
def _record(rid: int) -> bytes:
    return (
        seed("physionet_folder")
        .files["set-a/100.txt"]
        .replace(b"RecordID,100", b"RecordID,%d" % rid)
    )


def test_physionet_members_outside_the_set_folder_are_not_stays(tmp_path):
    records = {f"set-a/{100 + k}.txt": _record(100 + k) for k in range(4)}
    records["elsewhere/999.txt"] = _record(999)
    records["set-a/nested/998.txt"] = _record(998)
    archive = tmp_path / "set-a.tar.gz"
    archive.write_bytes(tar_gz(records))
    with pytest.warns(AttnscopeWarning, match=r"2 .txt members outside the folder set-a/"):
        data = read_physionet2012(archive, task=None)
    assert data.sample_ids.tolist() == ["100", "101", "102", "103"]


def test_physionet_folder_of_several_sets(tmp_path):
    header = "RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death\n"
    for letter, base, deaths in (("a", 100, "0101"), ("b", 200, "1100")):
        recs = {f"set-{letter}/{base + k}.txt": _record(base + k) for k in range(4)}
        (tmp_path / f"set-{letter}.tar.gz").write_bytes(tar_gz(recs))
        rows = "".join(f"{base + k},10,2,5,-1,{d}\n" for k, d in enumerate(deaths))
        (tmp_path / f"Outcomes-{letter}.txt").write_text(header + rows)
    both = read_physionet2012(tmp_path)
    assert both.sample_ids.tolist() == ["100", "101", "102", "103", "200", "201", "202", "203"]
    assert both.labels.tolist() == [0, 1, 0, 1, 1, 1, 0, 0]  # each set's own Outcomes file
    only_b = read_physionet2012(tmp_path, sets=("b",))
    assert only_b.sample_ids.tolist() == ["200", "201", "202", "203"]
    with pytest.raises(ConfigError, match=r"no set-<name>.tar.gz for \['c'\].*are \['a', 'b'\]"):
        read_physionet2012(tmp_path, sets=("c",))


def test_physionet_duplicate_outcome_rows(tmp_path):
    recs = {f"set-a/{100 + k}.txt": _record(100 + k) for k in range(2)}
    (tmp_path / "set-a.tar.gz").write_bytes(tar_gz(recs))
    (tmp_path / "Outcomes-a.txt").write_text(
        "RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death\n"
        "100,1,1,1,-1,0\n101,1,1,1,-1,1\n101,1,1,1,-1,0\n"
    )
    with pytest.raises(DataError, match=r"Outcomes-a.txt, line 4: RecordID 101 has a second row"):
        read_physionet2012(tmp_path / "set-a.tar.gz")


def test_tar_helper_round_trip():  # the corpus helper itself writes readable archives
    blob = tar_gz({"set-a/1.txt": b"x"})
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        assert tar.getnames() == ["set-a/1.txt"]


def test_label_column_without_label_col_gets_the_hint(tmp_path):
    path = write_seed(seed("expression_csv"), tmp_path, [])
    with pytest.raises(DataError, match=r"has a 'label' row/column: pass --label-col label"):
        read_expression(path)


def test_test_share_leaving_no_training_data_via_cli(tmp_path, capsys):
    data = write_seed(seed("seqtable"), tmp_path, [])
    out = tmp_path / "run"
    code, err = _fit([str(data), "--model", "cnn", "--out", str(out), "--test-size", "0.9"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert f"{data}: cannot split 16 samples ([8, 8] per class)" in err and "--test-size" in err
    assert not out.exists()


def test_inputs_without_signal_warn_before_training() -> None:
    """All-constant features and all-N sequences train, but never silently."""
    from dataclasses import replace

    import numpy as np
    import pytest

    from attnscope.data import SequenceDataset, TabularDataset
    from attnscope.errors import AttnscopeWarning
    from attnscope.estimators import CNNClassifier, MLPClassifier

    ids = np.array([f"s{i}" for i in range(20)])
    labels = np.arange(20) % 2
    table = TabularDataset(
        X=np.ones((20, 3)),
        feature_names=["a", "b", "c"],
        sample_ids=ids,
        labels=labels,
        class_names=["x", "y"],
        truth=None,
        meta={},
    )
    with pytest.warns(AttnscopeWarning, match="all 3 features are constant"):
        MLPClassifier(epochs=1, val_size=0).fit(table)
    tokens = np.full((20, 12), 5, np.uint8)
    tokens[:10, :4] = 1  # half the sequences hold bases
    seqs = SequenceDataset(
        tokens=tokens, sample_ids=ids, labels=labels, class_names=["x", "y"], truth=None, meta={}
    )
    with pytest.warns(AttnscopeWarning, match="10 of 20 sequences are only N"):
        CNNClassifier(epochs=1, val_size=0).fit(seqs)
    varied = replace(table, X=np.arange(60.0).reshape(20, 3))
    assert varied.degenerate() is None


def test_damaged_model_files_name_the_file(tmp_path) -> None:
    """A cut safetensors file or broken model.json: one DataError naming it, no traceback."""
    import shutil

    import numpy as np
    import pytest

    from attnscope.data import TabularDataset
    from attnscope.errors import DataError
    from attnscope.estimators import MLPClassifier

    rng = np.random.default_rng(0)
    data = TabularDataset(
        X=rng.normal(size=(30, 4)),
        feature_names=["a", "b", "c", "d"],
        sample_ids=np.array([f"s{i}" for i in range(30)]),
        labels=np.arange(30) % 2,
        class_names=["x", "y"],
        truth=None,
        meta={},
    )
    good = MLPClassifier(epochs=1, val_size=0).fit(data).save(tmp_path / "good")
    cut, broken = tmp_path / "cut", tmp_path / "broken"
    shutil.copytree(good, cut)
    shutil.copytree(good, broken)
    weights = (good / "model.safetensors").read_bytes()
    (cut / "model.safetensors").write_bytes(weights[:100])
    (broken / "model.json").write_text("{bad")
    with pytest.raises(DataError, match=r"cut/model\.safetensors is damaged"):
        MLPClassifier.load(cut)
    with pytest.raises(DataError, match=r"broken/model\.json is not valid JSON"):
        MLPClassifier.load(broken)

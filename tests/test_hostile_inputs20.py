"""Hostile inputs, round 20: a user's own files and models, as they come (headers in
another case, ids written with leading zeros, ...).

Library cases assert the DataError / ConfigError and its key phrase; CLI cases exit status
2 with one ``error:`` line.
"""

from __future__ import annotations

import numpy as np
import pytest

from attnscope.errors import AttnscopeWarning, DataError


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


def _stays(path, n_stays, n_hours, *, label=True):
    lines = ["id,time,variable,value" + (",outcome" if label else "")]
    for k in range(n_stays):
        tail = f",{k % 2}" if label else ""
        lines += [f"s{k},{t},HR,{60 + 5 * (k % 2) + t}{tail}" for t in range(n_hours)]
        lines.append(f"s{k},0.5,SBP,{100 + k}{tail}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_new_stays_ending_earlier_than_training_are_read_on_its_grid(tmp_path):
    """Stays observed for fewer hours than the training stays were refused ('trained on a
    grid of 4 time steps, these series have 2; ... reader options hours=4'), an option the
    command line has no flag for, so `predict RUN early.csv` could never run. They are
    now extended to the training grid exactly as the reader grids them with hours=4."""
    from attnscope.data import align_to_schema, input_schema
    from attnscope.io import read_long_timeseries

    train = read_long_timeseries(_stays(tmp_path / "train.csv", 6, 4), label_col="outcome")
    for hours in (2, 1):  # 2 steps of 4, and 1 (fewer steps than are added)
        early = _stays(tmp_path / "early.csv", 3, hours, label=False)
        aligned = align_to_schema(read_long_timeseries(early), input_schema(train))
        expected = read_long_timeseries(early, hours=4)
        np.testing.assert_array_equal(aligned.values, expected.values)
        np.testing.assert_array_equal(aligned.mask, expected.mask)
        np.testing.assert_array_equal(aligned.times, expected.times)
    longer = read_long_timeseries(_stays(tmp_path / "late.csv", 3, 6, label=False))
    with pytest.raises(DataError, match="trained on a grid of 4 time steps, these series have 6"):
        align_to_schema(longer, input_schema(train))


def test_predict_on_early_stays_runs_and_says_each_warning_once(tmp_path, capsys):
    """On the command line the grid refusal had no fix (no flag sets hours); and a new file
    read again unlabelled (the run's label column is not in it) printed each of the
    file's warnings twice."""
    from attnscope.cli import run

    out = tmp_path / "run"
    train = _stays(tmp_path / "train.csv", 24, 4)
    argv = ["fit", str(train), "--model", "attn_lstm", "--label-col", "outcome",
            "--out", str(out), "--set", "epochs=1", "--no-baselines"]  # fmt: skip
    assert run(argv) == 0, capsys.readouterr().err
    early = _stays(tmp_path / "early.csv", 3, 2, label=False)
    early.write_text(early.read_text() + "s0,-1,HR,70\n")  # one observation before the stay
    capsys.readouterr()
    preds = tmp_path / "preds.csv"
    assert run(["predict", str(out), str(early), "--output", str(preds)]) == 0
    err = capsys.readouterr().err
    assert err.count("observations at times before 0 h were dropped") == 1, err
    assert len(preds.read_text().splitlines()) == 4


def test_a_label_field_among_pipe_fields_is_not_part_of_the_id(tmp_path):
    """'>seq1|label=1' with --label-col label gave the id 'seq1|label=1' (the label inside
    every sample id of predictions, split.json and the report); a label taken by position
    ('--label-col 1') gave 'seq1'. Both give 'seq1', as the docstring says."""
    from attnscope.io import read_fasta

    fasta = tmp_path / "seqs.fa"
    fasta.write_text(">seq1|label=1\nACGT\n>seq2|cell=K562|label=0\nACGA\n>seq3 x|label=1\nAC\n")
    data = read_fasta(fasta, label_field="label")
    assert data.sample_ids.tolist() == ["seq1", "seq2", "seq3"]
    assert data.labels.tolist() == [1, 0, 1]
    fasta.write_text(">|label=1\nACGT\n>seq2|label=0\nACGA\n")
    with pytest.raises(DataError, match="line 1: header without an id"):
        read_fasta(fasta, label_field="label")


def test_a_one_hot_module_takes_dna_strings_as_the_cnn_does(tmp_path):
    """A user's one-hot CNN given DNA strings failed with 'X must have a sample axis and
    features, got shape (3,)' (attnscope's own CNN takes strings); strings are one-hot
    encoded alike (a Series keeps its ids), and text for a table module is named."""
    import pandas as pd
    import torch
    from torch import nn

    from attnscope.data import encode_sequences
    from attnscope.explain import attribute, wrap_module
    from attnscope.models import one_hot_dna

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.out = nn.Conv1d(4, 3, 3), nn.Linear(3, 2)

        def forward(self, x):
            return self.out(self.conv(x).amax(-1))

    torch.manual_seed(0)
    model = wrap_module(Net(), kind="onehot")
    seqs = pd.Series(["ACGTACGTAC", "TTGACCA", "GGGCCCAAAT"], index=["s1", "s2", "s3"])
    onehot = one_hot_dna(torch.as_tensor(encode_sequences(list(seqs)))).numpy()
    attr = attribute(model, seqs, method="saliency")
    np.testing.assert_allclose(attr.values, attribute(model, onehot, method="saliency").values)
    assert attr.sample_ids.tolist() == ["s1", "s2", "s3"]
    np.testing.assert_allclose(model.predict_proba(list(seqs)), model.predict_proba(onehot))
    table = wrap_module(nn.Linear(4, 2), kind="table")
    with pytest.raises(DataError, match=r"X holds text .* kind='table' takes float"):
        attribute(table, list(seqs), method="saliency")
    with pytest.raises(DataError, match=r"array of text \(DNA strings: kind='onehot'\)"):
        attribute(Net(), list(seqs), method="saliency")
    embed = nn.Embedding(4, 2)  # the module's own vocabulary: attnscope's codes are no guess
    tokens = wrap_module(nn.Sequential(embed, nn.Flatten(), nn.LazyLinear(2)), kind="tokens",
                         embedding=embed)  # fmt: skip
    with pytest.raises(DataError, match="encode the strings as the module was trained"):
        attribute(tokens, list(seqs), method="saliency")


@pytest.mark.parametrize(
    "text",
    [
        "# exported 2026-01-01, by hand\ns1\ttumor\ns2\tnormal\n",
        "\nsample,age,label\ns1,3,tumor\ns2,4,normal\n",
        "# cohort sheet\nsample;age;label\ns1;3;tumor\ns2;4;normal\n",
    ],
    ids=["note-with-commas", "blank-line-then-header", "note-then-header"],
)
def test_a_labels_file_starting_with_a_note_or_blank_line_is_read(tmp_path, text):
    """The labels reader skips '#' notes and blank lines, but took its delimiter and header
    from line 1: a note with a comma made a tab file one field per line, and a header below
    a note or blank line was read as data ('expected two columns ..., found 1')."""
    from attnscope.io._labelfile import read_label_file

    path = tmp_path / "labels.txt"
    path.write_text(text)
    assert read_label_file(path) == {"s1": "tumor", "s2": "normal"}
    path.write_text("\n# sheet\nsample,age,sex\ns1,3,f\n")
    with pytest.raises(DataError, match=r"line 3: the labels file has columns"):
        read_label_file(path)


@pytest.mark.parametrize(
    "header", ["#IID\tPHENO1", "patient\tcase_status"], ids=["plink2", "own-names"]
)
def test_a_phenotype_files_header_row_is_not_a_sample(tmp_path, header):
    """plink2 writes '#IID PHENO1'; neither that nor 'patient case_status' was taken as a
    header, so the row became a sample and its column name a class: classes ['1', '2',
    'PHENO1'] instead of control / case, for a model of three outputs."""
    from attnscope.io import read_phenotype

    path = tmp_path / "pheno.txt"
    path.write_text(f"{header}\ns1\t1\ns2\t2\ns3\t2\ns4\t-9\n")
    codes, names = read_phenotype(path, sample_ids=np.array(["s1", "s2", "s3", "s4"]))
    assert names == ["control", "case"]
    assert codes.tolist() == [0, 1, 1, -1]
    path.write_text("s1\tcase\ns2\tcontrol\ns3\tcase\n")  # text phenotypes: no header
    codes, names = read_phenotype(path, sample_ids=np.array(["s1", "s2", "s3"]))
    assert (names, codes.tolist()) == (["case", "control"], [0, 1, 0])


def test_a_long_series_labels_file_is_read_as_every_labels_file(tmp_path):
    """The long-CSV reader read its labels file with a reader of its own: a file without a
    header lost its first stay (its row became the header, the stay 'was dropped without a
    label'), and 'id,age,label' without --label-col took age as the label."""
    from attnscope.io import read_long_timeseries

    data = _stays(tmp_path / "series.csv", 4, 2, label=False)
    labels = tmp_path / "labels.csv"
    labels.write_text("s0,0\ns1,1\ns2,0\ns3,1\n")
    assert read_long_timeseries(data, labels=labels).labels.tolist() == [0, 1, 0, 1]
    labels.write_text("id,age,label\ns0,71,died\ns1,45,lived\ns2,80,died\ns3,50,NA\n")
    with pytest.warns(AttnscopeWarning, match="1 stays without a label were dropped"):
        ds = read_long_timeseries(data, labels=labels)
    assert ds.class_names == ["died", "lived"]
    assert ds.labels.tolist() == [0, 1, 0]


def test_a_wrapped_module_matches_dataframe_columns_by_name(tmp_path):
    """A wrapped module took a DataFrame's columns by position: the same table read from
    another file with its columns in another order was explained (and scored) as other
    features, silently. Columns now follow the first named table the module was given,
    and other columns are named."""
    import pandas as pd
    import torch
    from torch import nn

    from attnscope.explain import attribute, wrap_module

    torch.manual_seed(0)
    frame = pd.DataFrame(np.random.default_rng(20).normal(size=(6, 3)), columns=["a", "b", "c"])
    model = wrap_module(nn.Linear(3, 2), kind="table")
    first = attribute(model, frame, method="input_x_gradient")
    again = attribute(model, frame[["c", "a", "b"]], method="input_x_gradient")
    assert again.feature_names.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(again.values, first.values)
    np.testing.assert_allclose(
        model.predict_proba(frame[["b", "c", "a"]]), model.predict_proba(frame)
    )
    with pytest.raises(DataError, match=r"missing \['c'\], new \['d'\]"):
        attribute(model, frame.rename(columns={"c": "d"}), method="saliency")


def test_a_spreadsheets_sep_line_is_named_not_read_as_the_header(tmp_path, capsys):
    """Excel's 'Save as CSV' may write 'sep=;' above the table; the expression reader took
    it as the header ('the header has 2 fields but rows have 4; fix the header row')."""
    from _hostile import one_error
    from attnscope.cli import run

    table = tmp_path / "expr.csv"
    rows = [f"s{k};{k}.5;{k % 3};{'ab'[k % 2]}" for k in range(12)]
    table.write_text("sep=;\nid;g1;g2;label\n" + "\n".join(rows) + "\n")
    out = tmp_path / "run"
    code = run(["fit", str(table), "--label-col", "label", "--model", "mlp", "--out", str(out)])
    line = one_error(code, capsys.readouterr().err, out)
    assert "the first line 'sep=;' is a spreadsheet's delimiter hint" in line
    assert "delete that line" in line


def test_a_number_that_may_group_thousands_is_not_called_a_decimal_comma(tmp_path):
    """'"1,500"' in a comma-separated table is most often one thousand five hundred, but
    the hint said 'It has a decimal comma: write 1.500': followed, it makes the value a
    thousand times smaller without a word. Both readings are named."""
    from attnscope.io import read_expression

    table = tmp_path / "expr.csv"
    table.write_text('id,g1,g2,label\ns1,"1,500",2,a\ns2,3,4,b\ns3,5,6,a\ns4,7,8,b\n')
    with pytest.raises(DataError) as err:
        read_expression(table, label_col="label")
    assert "write '1500' if the comma groups thousands, or '1.500' if it is a decimal" in str(
        err.value
    )
    table.write_text('id,g1,g2,label\ns1,"0,5",2,a\ns2,3,4,b\ns3,5,6,a\ns4,7,8,b\n')
    with pytest.raises(DataError, match=r"It has a decimal comma: write '0\.5'"):
        read_expression(table, label_col="label")


def test_long_series_variables_differing_only_in_case_warn(tmp_path):
    """'HR' and 'hr' (two sources merged) became two half-observed channels without a
    word, where labels that differ only in case warn."""
    from attnscope.io import read_long_timeseries

    path = tmp_path / "series.csv"
    path.write_text("id,time,variable,value\na,0,HR,70\na,1,hr,72\nb,0,HR,60\nb,1,SBP,110\n")
    with pytest.warns(AttnscopeWarning, match="variables 'HR' / 'hr' differ only in case"):
        data = read_long_timeseries(path)
    assert data.variable_names.tolist() == ["HR", "SBP", "hr"]


def test_a_sequence_table_repeating_a_column_name_is_refused(tmp_path):
    """'id,seq,seq,label' (a sheet holding the sequence and its reverse complement, both
    called seq) read the first 'seq' silently: pandas renames the second 'seq.1'; a long
    time-series table repeating 'value' took the first alike."""
    from attnscope.io import read_data

    table = tmp_path / "seqs.csv"
    table.write_text("id,seq,seq,label\na,ACGT,TTTT,1\nb,ACGA,GGGG,0\nc,ACGT,TTTT,1\n")
    with pytest.raises(DataError, match=r"the header names columns \['seq'\] more than once"):
        read_data(table)
    series = tmp_path / "series.csv"  # the long-CSV reader took the first 'value'
    series.write_text("id,time,variable,value,value\na,0,HR,70,7.0\nb,0,HR,60,6.0\n")
    with pytest.raises(DataError, match=r"the header names columns \['value'\] more than once"):
        read_data(series)


def test_a_phenotype_file_starting_with_a_note_is_read(tmp_path):
    """A '#' note above 'FID IID pheno' was read as a row: its words became classes
    (['1', '2', 'exported', 'pheno']); a plink2 '#FID' header is still the header."""
    from attnscope.io import read_phenotype

    ids = np.array(["s1", "s2", "s3"])
    path = tmp_path / "pheno.txt"
    path.write_text("# phenotypes exported 2026\nFID IID pheno\nf1 s1 1\nf2 s2 2\nf3 s3 2\n")
    assert read_phenotype(path, sample_ids=ids)[1] == ["control", "case"]
    path.write_text("#FID\tIID\tPHENO1\nf1\ts1\t1\nf2\ts2\t2\n# withdrawn: f3\nf3\ts3\t-9\n")
    codes, names = read_phenotype(path, sample_ids=ids)
    assert (codes.tolist(), names) == ([0, 1, -1], ["control", "case"])


def test_a_dosage_table_below_a_note_is_read_and_names_its_lines(tmp_path):
    """A '#' note above a dosage table's header ('could not parse the table (Error
    tokenizing data. C error: Expected 1 fields in line 2, saw 4)') is skipped, as the
    expression reader skips featureCounts' note; errors name the file's own lines."""
    from attnscope.io import read_data

    table = tmp_path / "dosage.csv"
    table.write_text("# dosages from my pipeline\nid,rs1,rs2\ns1,0,1\ns2,1,2\ns3,2,0\n")
    data = read_data(table, format="dosage")
    assert data.snp_ids.tolist() == ["rs1", "rs2"]
    assert data.genotypes.tolist() == [[0, 1], [1, 2], [2, 0]]
    table.write_text("# dosages\nid,rs1,rs2\ns1,0,1\ns2,1,x\n")
    with pytest.raises(DataError, match="line 4, sample 's2', SNP 'rs2': 'x' is not an allele"):
        read_data(table, format="dosage")


def test_a_sequence_table_below_a_note_is_read_and_names_its_lines(tmp_path):
    """The format was detected past a '#' note (seqtable), but the reader took the note
    as the header: 'no sequence column found; columns are ['# sequences from the lab']'."""
    from attnscope.io import read_data

    table = tmp_path / "seqs.csv"
    table.write_text("# sequences from the lab\nid,seq,label\na,ACGT,1\nb,ACGA,0\nc,ACGT,1\n")
    data = read_data(table)
    assert (data.sample_ids.tolist(), data.labels.tolist()) == (["a", "b", "c"], [1, 0, 1])
    table.write_text("# sequences\nid,seq,label\na,ACGT,1\nb,AXGA,0\nc,ACGT,1\n")
    with pytest.raises(DataError, match=r"line 4 \(id 'b'\): characters outside the DNA"):
        read_data(table)


def test_a_module_returning_its_logits_transposed_is_named():
    """A forward returning (n_classes, batch) passed the one-sample probe, whose (1, 1)
    output reads as log-odds, and failed later with 'target has 1 entries for 10 samples'."""
    import torch
    from torch import nn

    from attnscope.errors import ConfigError
    from attnscope.explain import attribute, wrap_module

    class Transposed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(3, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.lin(x)[:, :1].T  # (1, batch)

    X = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    model = wrap_module(Transposed(), kind="table")
    with pytest.raises(ConfigError, match=r"shape \(1, 10\) for a batch of 10 samples"):
        attribute(model, X, method="saliency")
    with pytest.raises(ConfigError, match="axis 0 must be the samples"):
        model.predict_proba(X)


def test_new_data_is_read_with_the_runs_format_when_it_is_the_same_kind(tmp_path, capsys):
    """A 0/1/2 table fitted with --format dosage: `predict RUN new.csv` detected the new
    CSV as expression and the genotype model refused it, though config.toml says dosage."""
    from attnscope.cli import run

    rng = np.random.default_rng(4)
    header = ",".join(["id", *[f"rs{j}" for j in range(6)]])

    def table(path, n, first):
        cells = rng.integers(0, 3, size=(n, 6)).astype(str)
        lines = [",".join([f"A{first + i}", *cells[i]]) for i in range(n)]
        path.write_text(header + "\n" + "\n".join(lines) + "\n")
        return path

    train, new = table(tmp_path / "train.csv", 24, 0), table(tmp_path / "new.csv", 6, 100)
    labels = tmp_path / "labels.csv"
    labels.write_text("".join(f"A{i},{'ab'[i % 2]}\n" for i in range(24)))
    out = tmp_path / "run"
    argv = ["fit", str(train), "--format", "dosage", "--labels", str(labels), "--model", "hemera"]
    argv += ["--out", str(out), "--no-baselines", "-q"]
    for pair in ["epochs=1", "pretrain_epochs=0", "dim=4", "k=4", "min_epochs=0"]:
        argv += ["--set", pair]
    assert run(argv) == 0
    predictions = tmp_path / "p.tsv"
    assert run(["predict", str(out), str(new), "--output", str(predictions), "-q"]) == 0
    assert len(predictions.read_text().splitlines()) == 1 + 6
    # a file of another kind than the run's is still detected, not forced to dosage
    fasta = tmp_path / "x.fa"
    fasta.write_text(">s1\nACGT\n")
    assert run(["predict", str(out), str(fasta), "--output", str(tmp_path / "q.tsv")]) == 2
    assert "genotype" in capsys.readouterr().err  # read as FASTA, refused by the model


def test_a_long_series_below_a_note_is_read_and_names_its_lines(tmp_path):
    """'# export' above 'id,time,variable,value' was read as the header ('columns [...]
    not found'); notes are skipped as in every other table, and errors name file lines."""
    from attnscope.io import read_long_timeseries

    path = tmp_path / "long.csv"
    path.write_text("# exported from the ICU\nid,time,variable,value\na,0,HR,70\nb,1,HR,80\n")
    data = read_long_timeseries(path)
    assert list(data.sample_ids) == ["a", "b"]
    path.write_text("# export\n\nid,time,variable,value\na,0,HR,70\nb,x,HR,80\n")
    with pytest.raises(DataError, match="line 5: time 'x'"):
        read_long_timeseries(path)


def test_a_wrapped_module_of_several_tables_matches_their_columns_by_name_across_calls():
    """Several DataFrames (one per forward input) were matched by name within a call but
    not across calls: the next call's RNA table with its genes in another order was
    explained as other genes. Unnamed arrays first are not held against named tables."""
    import pandas as pd
    import torch
    from torch import nn

    from attnscope.explain import attribute, wrap_module

    class TwoOmics(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rna, self.meth = nn.Linear(3, 2), nn.Linear(2, 2)

        def forward(self, rna: torch.Tensor, meth: torch.Tensor) -> torch.Tensor:
            return self.rna(rna) + self.meth(meth)

    torch.manual_seed(0)
    rng = np.random.default_rng(3)
    rna = pd.DataFrame(rng.normal(size=(5, 3)), columns=["TP53", "MYC", "EGFR"])
    meth = pd.DataFrame(rng.normal(size=(5, 2)), columns=["cg1", "cg2"])
    model = wrap_module(TwoOmics(), kind="table")
    model.predict_proba({"rna": rna.to_numpy(), "meth": meth.to_numpy()})  # arrays first
    first = attribute(model, {"rna": rna, "meth": meth}, method="input_x_gradient")
    shuffled = {"rna": rna[["EGFR", "TP53", "MYC"]], "meth": meth[["cg2", "cg1"]]}
    again = attribute(model, shuffled, method="input_x_gradient")
    assert again.feature_names.tolist() == first.feature_names.tolist()
    np.testing.assert_allclose(again.values, first.values, rtol=1e-6)
    np.testing.assert_allclose(
        model.predict_proba(shuffled), model.predict_proba({"rna": rna, "meth": meth})
    )
    with pytest.raises(DataError, match="missing"):
        model.predict_proba({"rna": rna.rename(columns={"MYC": "KRAS"}), "meth": meth})

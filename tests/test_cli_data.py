"""The CLI's data routes: simulate folders, label flags, class files, modality tables, HapMap."""

from __future__ import annotations

import gzip
import json
import tomllib

import numpy as np
import pytest

from attnscope.cli import run
from attnscope.errors import DataError

FAST = ["--model", "cnn", "--set", "epochs=1", "--set", "n_filters=4"]


@pytest.fixture(scope="module")
def dna(tmp_path_factory):
    """A simulate folder plus the same sequences as FASTA + labels, a table, class files."""
    root = tmp_path_factory.mktemp("cli_data")
    sim = root / "sim"
    argv = ["simulate", "dna", "--out", str(sim), "--n-samples", "60", "--set", "length=30"]
    assert run(argv) == 0
    text = (sim / "sequences.fa").read_text().split()
    heads, seqs = text[0::2], text[1::2]
    ids = [h[1:].split("|")[0] for h in heads]
    classes = [h.split("|")[1] for h in heads]
    (root / "plain.fa").write_text("".join(f">{i}\n{s}\n" for i, s in zip(ids, seqs)))
    (root / "labels.tsv").write_text("".join(f"{i}\t{c}\n" for i, c in zip(ids, classes)))
    rows = "".join(f"{i},{s},{c}\n" for i, s, c in zip(ids, seqs, classes))
    (root / "table.csv").write_text("id,seq,label\n" + rows)
    for name in sorted(set(classes)):
        keep = [k for k, c in enumerate(classes) if c == name]
        (root / f"{name}.fa").write_text("".join(f">{ids[k]}\n{seqs[k]}\n" for k in keep))
    with gzip.open(root / "deepbind.seq.gz", "wt") as fh:
        fh.write("FoldID\tEventID\tseq\tBound\n")
        fh.writelines(f"A\tev\t{s}\t{int(c == classes[0])}\n" for s, c in zip(seqs, classes))
    return root


def test_fit_on_a_simulate_folder_then_evaluate_from_elsewhere(dna, tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert run(["fit", str(dna / "sim"), *FAST, "--out", str(out)]) == 0
    monkeypatch.chdir(tmp_path)
    assert run(["-q", "evaluate", "run", "--no-trust"]) == 0  # the run's own data
    metrics = json.loads((out / "metrics.json").read_text())["evaluate"]
    assert 0 <= metrics["accuracy"] <= 1


def test_relative_labels_path_survives_moving(dna, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(dna)
    out = tmp_path / "run"
    assert run(["fit", "plain.fa", "--labels", "labels.tsv", *FAST, "--out", str(out)]) == 0
    config = tomllib.loads((out / "config.toml").read_text())
    assert config["data"] == {
        "path": str(dna / "plain.fa"),
        "labels": str(dna / "labels.tsv"),
    }
    monkeypatch.chdir(tmp_path)
    assert run(["evaluate", "run", "--no-trust"]) == 0
    # a --config file's data paths are relative to the config file, not to the shell
    (dna / "cfg.toml").write_text(
        'model = "cnn"\n[params]\nepochs = 1\nn_filters = 4\n'
        '[data]\npath = "plain.fa"\nlabels = "labels.tsv"\n'
    )
    assert run(["-q", "fit", "--config", str(dna / "cfg.toml"), "--out", "from_cfg"]) == 0
    stored = tomllib.loads((tmp_path / "from_cfg" / "config.toml").read_text())
    assert stored["data"]["labels"] == str(dna / "labels.tsv")
    # a sequence table: the run's --labels does not apply there and is not used
    assert run(["evaluate", "run", str(dna / "table.csv"), "--no-trust", "--force"]) == 0
    capsys.readouterr()
    code = run(
        ["evaluate", "run", str(dna / "table.csv"), "--labels", str(dna / "labels.tsv"), "--force"]
    )
    assert code == 2 and "--labels does not apply to seqtable" in capsys.readouterr().err


def test_one_class_per_file(dna, tmp_path, capsys):
    from attnscope.cli._data import DataRequest, load_request

    files = sorted(dna.glob("motif_*.fa"))
    data = load_request(DataRequest.from_cli(files))
    assert data.class_names == ["motif_0", "motif_1"]
    counts = [len(f.read_text().split()) // 2 for f in files]
    assert np.bincount(data.labels).tolist() == counts
    named = load_request(DataRequest.from_cli(None, classes=[f"neg={files[0]}", f"pos={files[1]}"]))
    assert named.class_names == ["neg", "pos"]
    np.testing.assert_array_equal(named.tokens, data.tokens)
    out = tmp_path / "run"
    assert run(["fit", *map(str, files), *FAST, "--out", str(out)]) == 0
    config = tomllib.loads((out / "config.toml").read_text())
    assert set(config["data"]["paths"]) == {str(f) for f in files}
    assert run(["-q", "evaluate", str(out), "--no-trust"]) == 0
    assert run(["fit", str(files[0]), str(files[0]), *FAST, "--out", str(tmp_path / "x")]) == 2
    assert "named 'motif_0'" in capsys.readouterr().err


def test_deepbind_seq_table_is_a_table_not_fasta(dna):
    from attnscope.io import detect_format, read_data

    path = dna / "deepbind.seq.gz"
    assert detect_format(path) == "seqtable"
    data = read_data(path)
    sim = read_data(dna / "sim")
    assert data.class_names == ["0", "1"] and len(data) == len(sim)
    np.testing.assert_array_equal(data.tokens, sim.tokens)


def test_evaluate_prints_metrics_before_the_trust_table(dna, tmp_path, capsys):
    out = tmp_path / "run"
    assert run(["fit", str(dna / "plain.fa"), "--labels", str(dna / "labels.tsv"), *FAST,
                "--out", str(out)]) == 0  # fmt: skip
    capsys.readouterr()
    argv = ["evaluate", str(out), "--methods", "saliency", "--n-samples", "12"]
    assert run(argv) == 0
    text = capsys.readouterr().out
    assert 0 <= text.index("predictive metrics") < text.index("explanation trust")
    assert json.loads((out / "trust.json").read_text())["rows"][0]["method"] == "saliency"


HAPMAP = (
    "rs#\talleles\tchrom\tpos\tstrand\tassembly#\tcenter\tprotLSID\tassayLSID\tpanelLSID"
    "\tQCcode\ts1\ts2\ts3\ts4\ts5\n"
    "snp1\tA/G\t1\t100\t+\tNA\tNA\tNA\tNA\tNA\tNA\tAA\tAG\tGG\tNN\tAA\n"
    "snp2\tC/T\t1\t200\t+\tNA\tNA\tNA\tNA\tNA\tNA\tC\tY\tT\tT\tT\n"
    "snp3\tA/C\t2\t50\t+\tNA\tNA\tNA\tNA\tNA\tNA\tCC\tCC\tAC\tM\tN\n"
)


def test_hapmap_dosages_are_minor_allele_counts(tmp_path):
    from attnscope.io import detect_format, read_data, read_hapmap

    path = tmp_path / "g.hmp.txt"
    path.write_text(HAPMAP)
    (tmp_path / "pheno.tsv").write_text("s1\tcase\ns2\tcontrol\ns3\tcase\ns4\tcontrol\n")
    assert detect_format(path) == "hapmap"
    data = read_hapmap(path)
    # snp1: A 5 copies, G 3 -> G minor; snp2: C 3, T 7 -> C minor; snp3: C 5, A 2 -> A minor
    expected = np.array([[0, 1, 2, -1, 0], [2, 1, 0, 0, 0], [0, 0, 1, 1, -1]]).T
    np.testing.assert_array_equal(data.genotypes, expected)
    assert data.meta["alleles"].tolist() == [["G", "A"], ["C", "T"], ["A", "C"]]
    assert data.chromosomes.tolist() == ["1", "1", "2"] and data.positions.tolist()[2] == 50
    with pytest.warns(UserWarning, match="1 samples without a label"):
        labelled = read_data(path, labels=tmp_path / "pheno.tsv")
    assert labelled.sample_ids.tolist() == ["s1", "s2", "s3", "s4"]
    assert labelled.class_names == ["case", "control"]
    path.write_text(HAPMAP.replace("\tGG\t", "\tGT\t"))
    with pytest.raises(DataError, match=r"line 2, sample 's3'.*bi-allelic"):
        read_hapmap(path)


def test_genotype_readers_share_the_labels_keyword(tmp_path):
    import inspect

    from attnscope.io import read_hapmap, read_plink, read_vcf

    for reader in (read_vcf, read_plink, read_hapmap):
        assert "labels" in inspect.signature(reader).parameters, reader.__name__


def _write_tables(root, data):
    import pandas as pd

    for name, values in data.omics.items():
        frame = pd.DataFrame(values, index=data.sample_ids, columns=data.feature_names[name])
        frame.to_csv(root / f"{name}.csv")
    pd.DataFrame({"id": data.sample_ids, "label": np.asarray(data.class_names)[data.y]}).to_csv(
        root / "labels.csv", index=False
    )


def _write_mogonet(root, data, n_train):
    names = list(data.omics)
    for i, name in enumerate(names, start=1):
        for tag, rows in (("tr", slice(0, n_train)), ("te", slice(n_train, None))):
            np.savetxt(root / f"{i}_{tag}.csv", data.omics[name][rows], delimiter=",")
        (root / f"{i}_featname.csv").write_text("\n".join(data.feature_names[name]) + "\n")
    np.savetxt(root / "labels_tr.csv", data.y[:n_train], fmt="%d")
    np.savetxt(root / "labels_te.csv", data.y[n_train:], fmt="%d")


def test_modality_tables_and_mogonet_names_and_test_split(tmp_path):
    from attnscope.sim import simulate_multiomics

    data = simulate_multiomics(
        60, modalities={"rna": 6, "prot": 4}, informative={"rna": 3, "prot": 2}, random_state=0
    )
    _write_tables(tmp_path, data)
    fast = ["--model", "fusion", "--set", "epochs=1", "--test-size", "0"]
    out = tmp_path / "tables"
    tables = [
        f"--modality=mRNA={tmp_path / 'rna.csv'}",
        f"--modality=protein={tmp_path / 'prot.csv'}",
    ]
    assert (
        run(["fit", *tables, "--labels", str(tmp_path / "labels.csv"), *fast, "--out", str(out)])
        == 0
    )
    config = tomllib.loads((out / "config.toml").read_text())["data"]
    assert set(config["modalities"]) == {"mRNA", "protein"}
    # every sample trained the model (--test-size 0): refused unless asked, then labelled
    assert run(["-q", "evaluate", str(out), "--no-trust"]) == 2
    assert run(["-q", "evaluate", str(out), "--no-trust", "--all-samples"]) == 0
    scope = json.loads((out / "metrics.json").read_text())["evaluate"]["scope"]
    assert scope.startswith("ALL samples: 60, of which 60 were used in training")
    # explain and predict read the tables too ('labelled' was refused by the table reader)
    assert run(["-q", "explain", str(out), "--method", "saliency", "--all-samples"]) == 0
    assert run(["-q", "predict", str(out), "--output", str(tmp_path / "p.tsv")]) == 0
    assert len((tmp_path / "p.tsv").read_text().splitlines()) == 61
    folder = tmp_path / "mogonet"
    folder.mkdir()
    _write_mogonet(folder, data, 45)
    out = tmp_path / "mogo"
    argv = ["fit", str(folder), "--names", "mRNA,protein", *fast, "--out", str(out)]
    assert run(argv) == 0
    assert run(["-q", "evaluate", str(out), str(folder), "--split", "test", "--no-trust"]) == 0
    evaluated = json.loads((out / "metrics.json").read_text())["evaluate"]
    assert 0 <= evaluated["accuracy"] <= 1
    assert run(["-q", "explain", str(out), "--split", "test", "--method", "saliency"]) == 0
    from attnscope.explain import Attribution

    attr = Attribution.load(out / "attributions" / "saliency.npz")
    names = {str(n).split(":")[0] for n in np.asarray(attr.feature_names).ravel()}
    assert names == {"mRNA", "protein"} and attr.n_samples == 15


def test_fasta_label_field_by_number(dna):
    from attnscope.cli._data import DataRequest, load_request
    from attnscope.io import read_data

    fasta = load_request(DataRequest.from_cli([dna / "sim" / "sequences.fa"], label_col="1"))
    sim = read_data(dna / "sim")
    assert fasta.class_names == sim.class_names
    np.testing.assert_array_equal(fasta.labels, sim.labels)
    np.testing.assert_array_equal(fasta.tokens, sim.tokens)

"""AttnGen (arXiv 2605.14073) reproduced on real and simulated DNA, with baselines.

Usage::

    python benchmarks/attngen.py [--quick] [--seeds N] [--datasets a,b] [--max-samples N]

Writes ``results/attngen.json`` (``results/attngen_quick.json`` with ``--quick``). Each
finished (data set, seed) unit is cached under ``benchmarks/cache/attngen`` so an
interrupted run resumes; ``--summarise-only`` rewrites the JSON from the cache.

Per data set: a fixed stratified 70/10/20 split (``train_val_test_split``, seed 0) of at
most ``--max-samples`` sequences (a stratified subsample when the set is larger), the
same for every model and seed. Models: AttnGen at alpha in {0, .1, .2, .5, .75}
(alpha 0 = the plain CNN, variant ``cnn``), the Table III ablations at alpha 0.1, the
foundation's ``CNNClassifier`` (``foundation_cnn``) and a k-mer (k = 1..6) count
logistic regression (``kmer_lr``). Explanations (attention, gradient norm, gradient x
input, integrated gradients, random) of the alpha 0.1 model are scored against known
biology; masking curves rank positions by gradient norm or attention.

Real data (cite): Genomic Benchmarks human_nontata_promoters test split (Grešová et al.
2023), Umarov & Solovyev 2017 Arabidopsis non-TATA promoters, Zeng et al. 2016 CTCF
ChIP-seq, UCI splice junctions; JASPAR 2020 for the CTCF motif.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, write_results
from attnscope._utils.paths import shared_data_dir
from attnscope.data import PAD, SequenceDataset, encode_sequences, train_val_test_split

CACHE = Path(__file__).resolve().parent / "cache" / "attngen"
ALPHAS = (0.0, 0.10, 0.20, 0.50, 0.75)
CURVE_M = (0, 1, 2, 5, 10, 20, 50)
METHODS = ("attention", "gradient", "input_x_gradient", "integrated_gradients", "random")
REAL = ("splice", "ctcf", "human_nontata_promoters", "arabidopsis_promoters")


def variant_name(alpha: float) -> str:
    return "cnn" if alpha == 0 else f"attngen_mask{alpha:.2f}"


# -- data (library loaders when present, else minimal stand-ins) --------------------------
def _fasta(path: Path) -> list[str]:
    seqs: list[str] = []
    parts: list[str] = []
    for line in path.read_text().splitlines():
        if line.startswith(">"):
            if parts:
                seqs.append("".join(parts))
            parts = []
        elif line.strip():
            parts.append(line.strip())
    if parts:
        seqs.append("".join(parts))
    return seqs


def _make(seqs: list[str], labels: np.ndarray, names: list[str], tag: str) -> SequenceDataset:
    length = int(np.median([len(s) for s in seqs]))
    return SequenceDataset(
        labels=np.asarray(labels, dtype=np.int64),
        sample_ids=np.array([f"{tag}{i}" for i in range(len(seqs))]),
        class_names=names,
        truth=None,
        meta={},
        tokens=encode_sequences(seqs, length=length),
    )


def load_real(name: str) -> tuple[SequenceDataset, str]:
    """A real data set and where it came from ("library" loader or "stand-in")."""
    import attnscope.datasets as ds

    lib = {
        "splice": ("load_splice", {}),
        "ctcf": ("load_ctcf", {"split": "test"}),
        "human_nontata_promoters": ("load_nontata_promoters", {}),
        "arabidopsis_promoters": ("load_arabidopsis_promoters", {}),
    }[name]
    fn = getattr(ds, lib[0], None)
    if fn is not None:
        return fn(**lib[1]), "library"
    root = shared_data_dir() / "sequences"
    if name == "splice":
        import pandas as pd

        df = pd.read_csv(root / "uci_splice_junction" / "splice.csv", skipinitialspace=True)
        df.columns = [c.strip() for c in df.columns]
        names = sorted(df["Class"].str.strip().unique())
        y = df["Class"].str.strip().map({c: i for i, c in enumerate(names)}).to_numpy()
        return _make(df["Sequence"].str.strip().tolist(), y, names, "splice"), "stand-in"
    if name == "ctcf":
        seqs = _fasta(root / "ctcf_zeng2016" / "test.fa")
        target = np.loadtxt(root / "ctcf_zeng2016" / "test.target", dtype=np.int64)
        return _make(seqs, target[:, 0], ["unbound", "bound"], "ctcf"), "stand-in"
    if name == "human_nontata_promoters":
        import pandas as pd

        df = pd.read_csv(root / "human_nontata_promoters_test.csv")
        y = df["label"].to_numpy()
        return _make(df["seq"].tolist(), y, ["non_promoter", "promoter"], "nt"), "stand-in"
    folder = root / "umarov2017_arabidopsis"
    pos, neg = (
        _fasta(folder / "Arabidopsis_non_tata.fa"),
        _fasta(folder / "Arabidopsis_non_prom_big.fa"),
    )
    y = np.r_[np.ones(len(pos), np.int64), np.zeros(len(neg), np.int64)]
    return _make(pos + neg, y, ["non_promoter", "promoter"], "ath"), "stand-in"


def load_sim(n: int) -> SequenceDataset:
    from attnscope.sim import simulate_dna

    return simulate_dna(n, length=100, motif_length=10, mutation_rate=0.1, random_state=7)


def subsample(data: SequenceDataset, n_max: int) -> SequenceDataset:
    """Stratified subsample of at most ``n_max`` sequences (fixed seed)."""
    if len(data) <= n_max:
        return data
    _, _, keep = train_val_test_split(
        data.y, val_size=0.0, test_size=n_max / len(data), random_state=123
    )
    return data.subset(keep)  # type: ignore[return-value]


# -- k-mer logistic regression -------------------------------------------------------------
def kmer_counts(tokens: np.ndarray, ks: tuple[int, ...] = (1, 2, 3, 4, 5, 6)) -> np.ndarray:
    """Frequencies of every k-mer (k in ``ks``), shape (n, sum 4**k); windows with N skipped."""
    from numpy.lib.stride_tricks import sliding_window_view

    base = tokens.astype(np.int64) - 1  # A0 C1 G2 T3, pad -1, N 4
    ok = (base >= 0) & (base <= 3)
    n = tokens.shape[0]
    blocks = []
    for k in ks:
        win = sliding_window_view(np.where(ok, base, 0), k, axis=1)
        valid = sliding_window_view(ok, k, axis=1).all(axis=2)
        codes = (win * (4 ** np.arange(k - 1, -1, -1))).sum(axis=2)
        flat = (np.arange(n)[:, None] * 4**k + codes)[valid]
        counts = np.bincount(flat, minlength=n * 4**k).reshape(n, 4**k).astype(np.float32)
        blocks.append(counts / np.maximum(valid.sum(axis=1, keepdims=True), 1))
    return np.concatenate(blocks, axis=1)


def kmer_lr(train: SequenceDataset, test: SequenceDataset) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))
    clf.fit(kmer_counts(train.tokens), train.y)
    return float((clf.predict(kmer_counts(test.tokens)) == test.y).mean())


# -- JASPAR and PWM scanning (library when present, else stand-ins) --------------------------
def read_jaspar_all(path: Path) -> dict[str, tuple[str, np.ndarray]]:
    """TRANSFAC-like JASPAR file -> id -> (name, counts (width, 4) in A C G T order)."""
    out: dict[str, tuple[str, np.ndarray]] = {}
    acc, name, rows = "", "", []
    for line in path.read_text().splitlines():
        if line.startswith("AC "):
            acc, rows = line.split()[1], []
        elif line.startswith("ID "):
            name = line[3:].strip()
        elif line[:2].isdigit():
            rows.append([float(v) for v in line.split()[1:5]])
        elif line.startswith("//") and rows:
            out[acc] = (name, np.array(rows))
    return out


def read_jaspar_single(path: Path) -> np.ndarray:
    """JASPAR count format -> counts (width, 4)."""
    rows = []
    for line in path.read_text().splitlines():
        if "[" in line:
            rows.append([float(v) for v in line.split("[")[1].split("]")[0].split()])
    return np.array(rows).T


def pwm_hits(tokens: np.ndarray, counts: np.ndarray, frac: float = 0.85) -> np.ndarray:
    """Bool (n, L): positions covered by a match of the PWM on either strand.

    Log-odds (log2, pseudocount 0.25 per base, uniform background); a window matches
    when its score is at least ``frac`` of the way from the minimum to the maximum
    attainable score.
    """
    prob = (counts + 0.25) / (counts + 0.25).sum(axis=1, keepdims=True)
    lo = np.log2(prob / 0.25)  # (w, 4)
    w = lo.shape[0]
    thr = lo.min(axis=1).sum() + frac * (lo.max(axis=1).sum() - lo.min(axis=1).sum())
    onehot = np.zeros((*tokens.shape, 4), np.float32)
    ok = (tokens >= 1) & (tokens <= 4)
    onehot[ok, tokens[ok].astype(int) - 1] = 1.0
    x = torch.as_tensor(onehot).permute(0, 2, 1)  # (n, 4, L)
    fwd = torch.as_tensor(lo.T.copy(), dtype=torch.float32)[None]  # (1, 4, w)
    rev = torch.flip(fwd, dims=(1, 2))  # reverse complement: ACGT -> TGCA, positions reversed
    scores = torch.nn.functional.conv1d(x, torch.cat([fwd, rev]))  # (n, 2, L - w + 1)
    hit = (scores >= thr).any(dim=1, keepdim=True).float()
    cover = torch.nn.functional.conv1d(
        torch.nn.functional.pad(hit, (w - 1, w - 1)), torch.ones(1, 1, w)
    )
    return (cover[:, 0, : tokens.shape[1]] > 0).numpy()


def motif_similarity(query: np.ndarray, target: np.ndarray, min_overlap: int = 6) -> float:
    """Best sum of column Pearson correlations over offsets and both strands."""

    def colnorm(m: np.ndarray) -> np.ndarray:
        p = (m + 0.25) / (m + 0.25).sum(axis=1, keepdims=True)
        c = p - p.mean(axis=1, keepdims=True)
        return c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-9)

    t = colnorm(target)
    best = -np.inf
    for q in (colnorm(query), colnorm(query[::-1, ::-1])):
        corr = q @ t.T  # (wq, wt) column correlations
        wq, wt = corr.shape
        for off in range(-(wt - min_overlap), wq - min_overlap + 1):
            d = np.diagonal(corr, offset=-off)
            if d.size >= min(min_overlap, wt):
                best = max(best, float(d.sum()))
    return best


def windows_pfm(tokens: np.ndarray, values: np.ndarray, width: int) -> np.ndarray:
    """Counts (width, 4) of the window with the largest |attribution| sum in each row."""
    csum = np.cumsum(np.pad(np.abs(values), ((0, 0), (1, 0))), axis=1)
    sums = csum[:, width:] - csum[:, :-width]
    start = sums.argmax(axis=1)
    win = tokens[np.arange(len(tokens))[:, None], start[:, None] + np.arange(width)]
    counts = np.zeros((width, 4))
    for b in range(4):
        counts[:, b] = (win == b + 1).sum(axis=0)
    return counts


# -- attribution helpers -------------------------------------------------------------------
def top_mask(scores: np.ndarray, k: np.ndarray | int, rng: np.random.Generator) -> np.ndarray:
    """Bool mask of the ``k`` highest scores per row, ties broken at random."""
    n, length = scores.shape
    perm = np.argsort(rng.random((n, length)), axis=1)
    shuffled = np.take_along_axis(scores, perm, axis=1)
    order = np.take_along_axis(perm, np.argsort(-shuffled, axis=1, kind="stable"), axis=1)
    k_arr = np.broadcast_to(np.asarray(k), (n,))
    mask = np.zeros((n, length), bool)
    np.put_along_axis(mask, order, np.arange(length)[None, :] < k_arr[:, None], axis=1)
    return mask


def explain(
    est: Any, data: SequenceDataset, method: str, target: np.ndarray, seed: int
) -> tuple[np.ndarray, float]:
    """Attribution values (n, L) and seconds for ``method``."""
    from attnscope.explain import METHODS as LIB

    start = time.perf_counter()
    if method == "random":
        vals = np.random.default_rng(seed).random(data.tokens.shape)
        return vals, time.perf_counter() - start
    lib_name = method
    if method == "integrated_gradients" and method not in LIB and "ig" in LIB:
        lib_name = "ig"
    if lib_name in LIB or lib_name in est.attribution_methods:
        attr = est.explain(data, method=lib_name, target=target)
        return np.asarray(attr.values, dtype=np.float64), attr.seconds
    spec = est.attribution_spec(data)
    if method == "attention":  # stand-in: the model's own forward saliency
        with torch.no_grad():
            vals = spec.attention(*spec.raw_inputs)["position"].numpy()
        return vals.astype(np.float64), time.perf_counter() - start
    from captum.attr import IntegratedGradients  # stand-in for the registry's IG

    ig = IntegratedGradients(spec.forward)
    parts = []
    est.module_.eval()
    for i in range(0, len(data), 64):
        sl = slice(i, i + 64)
        a = ig.attribute(
            spec.inputs[0][sl],
            baselines=spec.baselines[0],
            target=torch.as_tensor(target[sl]),
            additional_forward_args=(spec.additional_args[0][sl],),
            n_steps=50,
        )
        parts.append(spec.to_features((a,)))
    return np.concatenate(parts).astype(np.float64), time.perf_counter() - start


def masking_curve(
    est: Any, data: SequenceDataset, ranking: np.ndarray, seed: int
) -> dict[str, list[float]]:
    """Accuracy after masking the top / random / lowest m positions of ``ranking``."""
    rng = np.random.default_rng(seed)
    rand = rng.random(ranking.shape)
    out: dict[str, list[float]] = {"top": [], "random": [], "bottom": []}
    for m in CURVE_M:
        for order, scores in (("top", ranking), ("random", rand), ("bottom", -ranking)):
            mask = top_mask(scores, m, rng)
            tokens = np.where(mask, PAD, data.tokens).astype(np.uint8)
            masked = SequenceDataset(
                labels=data.labels,
                sample_ids=data.sample_ids,
                class_names=data.class_names,
                truth=None,
                meta={},
                tokens=tokens,
            )
            out[order].append(est.score(masked))
    return out


# -- one (data set, seed) unit ----------------------------------------------------------------
def run_unit(name: str, data: SequenceDataset, seed: int, cfg: dict[str, Any]) -> dict[str, Any]:
    from attnscope.estimators import CNNClassifier
    from attnscope.estimators._attngen import AttnGenClassifier

    tr, va, te = train_val_test_split(data.y, val_size=0.1, test_size=0.2, random_state=0)
    train, val, test = data.subset(tr), data.subset(va), data.subset(te)
    rec: dict[str, Any] = {"n_train": len(train), "n_val": len(val), "n_test": len(test)}
    fit_kw = {"epochs": cfg["epochs"], "patience": cfg["patience"], "random_state": seed}
    runs: dict[str, Any] = {v: {"mask_ratio": a} for a in ALPHAS for v in [variant_name(a)]}
    runs["attngen_random_kl"] = {"mask_ratio": 0.1, "masking": "random"}
    runs["attngen_attn_nokl"] = {"mask_ratio": 0.1, "use_kl": False}
    models: dict[str, Any] = {}
    for variant, params in [*runs.items(), ("foundation_cnn", None)]:
        start = time.perf_counter()
        if params is None:
            est = CNNClassifier(**fit_kw).fit(train, validation_data=val)
        else:
            est = AttnGenClassifier(**params, **fit_kw).fit(train, validation_data=val)
        seconds = time.perf_counter() - start
        h = est.history_
        rec[variant] = {
            "accuracy": est.score(test),
            "seconds": seconds,
            "epochs_run": len(h.epochs),
            "train_seq_per_s": len(train) * len(h.epochs) / max(h.seconds, 1e-9),
        }
        models[variant] = est
        print(
            f"  {name} seed {seed} {variant}: acc {rec[variant]['accuracy']:.4f} ({seconds:.0f}s)",
            flush=True,
        )
    if seed == cfg["seeds"][0]:
        start = time.perf_counter()
        rec["kmer_lr"] = {"accuracy": kmer_lr(train, test), "seconds": time.perf_counter() - start}

    # masking curves on up to 3,000 test sequences, for the plain CNN and AttnGen alpha .1
    curve_data = test.subset(np.arange(min(len(test), 3000)))
    rec["curves"] = {}
    for variant in ("cnn", "attngen_mask0.10"):
        est = models[variant]
        pred = est.predict_proba(curve_data).argmax(axis=1)
        for ranking in ("gradient", "attention"):
            vals, _ = explain(est, curve_data, ranking, pred, seed)
            rec["curves"][f"{variant}|{ranking}"] = masking_curve(est, curve_data, vals, seed)

    # explanations of the alpha .1 model vs known biology
    est = models["attngen_mask0.10"]
    sub = test.subset(np.arange(min(len(test), cfg["n_explain"])))
    rng = np.random.default_rng(seed)
    rec["explain"] = {}
    for method in METHODS:
        vals, secs = explain(est, sub, method, sub.y, seed)
        score = np.abs(vals)
        r: dict[str, Any] = {"ms_per_seq": 1000 * secs / len(sub)}
        if sub.truth is not None:
            k = sub.truth.sum(axis=1)
            top = top_mask(score, k, rng)
            r["precision_at_k"] = float(((top & sub.truth).sum(1) / np.maximum(k, 1)).mean())
            r["motif_fraction"] = float(sub.truth.mean())
        if name == "ctcf":
            r.update(ctcf_recovery(sub, score, rng, cfg))
        if name == "splice":
            r.update(splice_recovery(sub, score))
        rec["explain"][method] = r
    return rec


def ctcf_recovery(
    sub: SequenceDataset, score: np.ndarray, rng: np.random.Generator, cfg: dict[str, Any]
) -> dict[str, Any]:
    jdir = shared_data_dir() / "reference" / "jaspar"
    ctcf = read_jaspar_single(jdir / "MA0139.1.CTCF.jaspar")
    names = [c.lower() for c in sub.class_names]
    pos = next(
        (i for i, c in enumerate(names) if c in ("bound", "1", "true", "ctcf")), len(names) - 1
    )
    bound = sub.y == pos
    tokens, vals = sub.tokens[bound], score[bound]
    hits = pwm_hits(tokens, ctcf)
    has = hits.any(axis=1)
    top = top_mask(vals, ctcf.shape[0], rng)
    share = float((top & hits)[has].sum() / max(top[has].sum(), 1))
    pfm = windows_pfm(tokens, vals, ctcf.shape[0])
    library = read_jaspar_all(jdir / "JASPAR2020_CORE_vertebrates_non-redundant_pfms.tf")
    sims = {acc: motif_similarity(pfm, m) for acc, (_, m) in library.items()}
    ranked = sorted(sims, key=lambda a: -sims[a])
    return {
        "top19_in_ctcf_match": share,
        "ctcf_match_fraction": float(hits[has].mean()),
        "bound_with_match": float(has.mean()),
        "jaspar_rank_ctcf": ranked.index("MA0139.1") + 1 if "MA0139.1" in ranked else -1,
        "jaspar_best": f"{ranked[0]} {library[ranked[0]][0]}",
        "n_jaspar": len(library),
    }


def splice_recovery(sub: SequenceDataset, score: np.ndarray) -> dict[str, Any]:
    share = score / np.maximum(score.sum(axis=1, keepdims=True), 1e-12)
    out = {}
    for cls, cols, key in (("EI", [30, 31], "mass_at_GT_EI"), ("IE", [28, 29], "mass_at_AG_IE")):
        rows = sub.y == sub.class_names.index(cls)
        out[key] = float(share[rows][:, cols].sum(axis=1).mean())
    return out


# -- orchestration ----------------------------------------------------------------------------
def summarise(
    per_dataset: dict[str, dict[int, dict[str, Any]]], cfg: dict[str, Any]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for ds, units in per_dataset.items():
        recs = list(units.values())
        variants = [variant_name(a) for a in ALPHAS] + [
            "attngen_random_kl",
            "attngen_attn_nokl",
            "foundation_cnn",
        ]
        for v in variants:
            acc = [r[v]["accuracy"] for r in recs]
            secs = sum(r[v]["seconds"] for r in recs)
            rows.append(
                row(ds, v, "accuracy", acc, secs, epochs_run=[r[v]["epochs_run"] for r in recs])
            )
            rows.append(
                row(ds, v, "train_seq_per_s", [r[v]["train_seq_per_s"] for r in recs], secs)
            )
        km = [r["kmer_lr"] for r in recs if "kmer_lr" in r]
        if km:
            rows.append(
                row(ds, "kmer_lr", "accuracy", [k["accuracy"] for k in km], km[0]["seconds"])
            )
        for key in recs[0]["curves"]:
            model, ranking = key.split("|")
            for order in ("top", "random", "bottom"):
                for j, m in enumerate(CURVE_M):
                    vals = [r["curves"][key][order][j] for r in recs]
                    rows.append(
                        row(
                            ds,
                            model,
                            "masked_accuracy",
                            vals,
                            0.0,
                            ranking=ranking,
                            order=order,
                            m=m,
                        )
                    )
        for method in METHODS:
            ex = [r["explain"][method] for r in recs]
            for metric in ex[0]:
                if metric == "jaspar_best":
                    # share of seeds whose best JASPAR match is CTCF (MA0139.1) or CTCFL
                    best = [e[metric] for e in ex]
                    is_ctcf = [float(b.split()[0] in ("MA0139.1", "MA1102.2")) for b in best]
                    rows.append(
                        row(
                            ds,
                            f"explain_{method}",
                            "jaspar_best_is_ctcf",
                            is_ctcf,
                            0.0,
                            best_matches=best,
                        )
                    )
                    continue
                rows.append(row(ds, f"explain_{method}", metric, [e[metric] for e in ex], 0.0))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--datasets", default=None, help="comma-separated subset")
    parser.add_argument("--max-samples", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument(
        "--summarise-only", action="store_true", help="rewrite the JSON from cached runs"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    quick = args.quick
    n_seeds = args.seeds or (1 if quick else 3)
    cfg: dict[str, Any] = {
        "quick": quick,
        "seeds": list(range(42, 42 + n_seeds)),
        "epochs": args.epochs or (3 if quick else 5),
        "patience": 10,
        "max_samples": args.max_samples or (600 if quick else 640),
        "n_explain": 100 if quick else 200,
        "max_samples_rule": "at most max_samples * 200 / length sequences per real set",
        "split": "stratified 70/10/20 (train_val_test_split, random_state=0) "
        "of a stratified subsample",
    }
    names = (
        ["sim_planted_motifs", "splice"]
        if quick
        else ["splice", "ctcf", "sim_planted_motifs", *REAL[2:]]
    )
    if args.datasets:
        names = args.datasets.split(",")
    sources: dict[str, str] = {}
    datasets: dict[str, tuple[SequenceDataset, str]] = {}
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name.startswith("sim"):
            data = load_sim(cfg["max_samples"] * 2)  # 100 bp: same nucleotide budget
            sources[name] = "attnscope.sim.simulate_dna(length=100, motif_length=10)"
        else:
            full, sources[name] = load_real(name)
            # equal nucleotide budget: max_samples sequences of 200 bp, more when shorter
            data = subsample(full, cfg["max_samples"] * 200 // full.length)
            sources[name] += f" ({len(full)} sequences, {len(data)} used)"
        tag = f"q{int(quick)}_e{cfg['epochs']}_n{len(data)}_x{cfg['n_explain']}"
        datasets[name] = (data, tag)
    # Seeds outermost, so a run stopped early still covers every data set; each finished
    # (data set, seed) unit is cached and the results file rewritten from all cached units.
    for seed in cfg["seeds"]:
        for name, (data, tag) in datasets.items():
            path = CACHE / f"{name}_{tag}_s{seed}.json"
            if path.is_file() or args.summarise_only:
                continue
            print(f"{name} seed {seed}", flush=True)
            path.write_text(json.dumps(run_unit(name, data, seed, cfg)))
            _write(datasets, cfg, sources)
    if args.summarise_only:  # record the command that produced the cached units
        sys.argv = [a for a in sys.argv if a != "--summarise-only"]
    _write(datasets, cfg, sources)


def _write(datasets: dict[str, Any], cfg: dict[str, Any], sources: dict[str, str]) -> None:
    per_dataset: dict[str, dict[int, dict[str, Any]]] = {}
    for name, (_, tag) in datasets.items():
        units = {s: CACHE / f"{name}_{tag}_s{s}.json" for s in cfg["seeds"]}
        found = {s: json.loads(p.read_text()) for s, p in units.items() if p.is_file()}
        if found:
            per_dataset[name] = found
    seeds_run = {name: sorted(units) for name, units in per_dataset.items()}
    rows = summarise(per_dataset, cfg)
    # --quick writes its own file so `make bench` never overwrites the full results
    name = "attngen_quick" if cfg["quick"] else "attngen"
    write_results(name, rows, config=cfg, data_sources=sources, seeds_run=seeds_run)


# -- README section -------------------------------------------------------------------------
def markdown(results: dict[str, Any]) -> str:
    rows = results["rows"]
    cfg = results.get("config", {})

    def get(ds: str, variant: str, metric: str, **kw: Any) -> dict[str, Any] | None:
        for r in rows:
            if (
                r["dataset"] == ds
                and r["variant"] == variant
                and r["metric"] == metric
                and all(r.get(k) == v for k, v in kw.items())
            ):
                return r
        return None

    def fmt(r: dict[str, Any] | None, digits: int = 3) -> str:
        if r is None:
            return "–"
        return (
            f"{r['mean']:.{digits}f} ± {r['std']:.{digits}f}"
            if r["n"] > 1
            else f"{r['mean']:.{digits}f}"
        )

    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    out = ["### AttnGen (arXiv 2605.14073)", ""]
    out.append(
        "Test accuracy, mean ± std over seeds ("
        + ", ".join(f"{k}: {len(v)}" for k, v in results.get("seeds_run", {}).items())
        + "); "
        f"split: {cfg.get('split', '?')}; {cfg.get('max_samples_rule', '')} "
        f"(max_samples = {cfg.get('max_samples')}); at most {cfg.get('epochs')} epochs "
        f"(patience {cfg.get('patience')}). Command: `{results.get('command')}`. "
        "Data used: "
        + "; ".join(f"{k}: {v}" for k, v in results.get("data_sources", {}).items())
        + "."
    )
    out += ["", "**Table I – masking ratio alpha** (alpha 0 = plain CNN), with baselines", ""]
    cols = [variant_name(a) for a in ALPHAS] + ["foundation_cnn", "kmer_lr"]
    out.append("| data set | " + " | ".join(cols) + " |")
    out.append("|---" * (len(cols) + 1) + "|")
    for ds in datasets:
        out.append(f"| {ds} | " + " | ".join(fmt(get(ds, v, "accuracy")) for v in cols) + " |")
    out += ["", "**Table III – ablation at alpha 0.10**", ""]
    abl = [
        ("attngen_random_kl", "random mask + KL"),
        ("attngen_attn_nokl", "attention mask, no KL"),
        ("attngen_mask0.10", "attention mask + KL"),
    ]
    out.append("| data set | " + " | ".join(a[1] for a in abl) + " |")
    out.append("|---" * (len(abl) + 1) + "|")
    for ds in datasets:
        out.append(f"| {ds} | " + " | ".join(fmt(get(ds, v, "accuracy")) for v, _ in abl) + " |")
    out += [
        "",
        "**Table II – accuracy after masking m positions** "
        "(AttnGen alpha 0.10; top / random / lowest-ranked)",
        "",
    ]
    ms = [m for m in CURVE_M if m]
    out.append("| data set | ranking | order | m=0 | " + " | ".join(f"m={m}" for m in ms) + " |")
    out.append("|---" * (len(ms) + 4) + "|")
    for ds in datasets:
        for ranking in ("gradient", "attention"):
            for order in ("top", "random", "bottom"):
                cells = [
                    fmt(
                        get(
                            ds,
                            "attngen_mask0.10",
                            "masked_accuracy",
                            ranking=ranking,
                            order=order,
                            m=m,
                        )
                    )
                    for m in CURVE_M
                ]
                out.append(f"| {ds} | {ranking} | {order} | " + " | ".join(cells) + " |")
    out += [
        "",
        "**Recovery of known biology** "
        "(AttnGen alpha 0.10, true-class attributions, |value| ranking)",
        "",
    ]
    metrics = [
        ("precision_at_k", "sim: precision@k in planted motifs"),
        ("top19_in_ctcf_match", "CTCF: top-19 inside MA0139.1 match"),
        ("jaspar_rank_ctcf", "CTCF: rank of MA0139.1 among JASPAR"),
        ("jaspar_best_is_ctcf", "CTCF: best JASPAR match is CTCF/CTCFL (share of seeds)"),
        ("motif_fraction", "sim: motif share (random expectation)"),
        ("ctcf_match_fraction", "CTCF: match share (random expectation)"),
        ("mass_at_GT_EI", "splice: mass at GT (EI)"),
        ("mass_at_AG_IE", "splice: mass at AG (IE)"),
        ("ms_per_seq", "ms / sequence"),
    ]
    out.append("| metric | data set | " + " | ".join(METHODS) + " |")
    out.append("|---" * (len(METHODS) + 2) + "|")
    for metric, label in metrics:
        for ds in datasets:
            cells = [get(ds, f"explain_{m}", metric) for m in METHODS]
            if any(cells):
                digits = 1 if metric == "jaspar_rank_ctcf" else 3
                out.append(
                    f"| {label} | {ds} | " + " | ".join(fmt(c, digits) for c in cells) + " |"
                )
    out += ["", "**Training throughput** (sequences / s, one CPU thread)", ""]
    out.append("| data set | cnn | attngen_mask0.10 | foundation_cnn |")
    out.append("|---|---|---|---|")
    for ds in datasets:
        out.append(
            f"| {ds} | "
            + " | ".join(
                fmt(get(ds, v, "train_seq_per_s"), 0)
                for v in ("cnn", "attngen_mask0.10", "foundation_cnn")
            )
            + " |"
        )
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()

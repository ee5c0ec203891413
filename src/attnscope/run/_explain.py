"""``explain`` and ``trust`` on a run directory: held-out samples, atomic files.

Both commands score only the samples the run did not train on (``split.json``) unless
``all_samples=True``, and say which samples they used in what they write: a figure computed
on training samples is never reported without saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from attnscope._utils.files import check_writable, write_json, write_text, write_with
from attnscope.data import Dataset, GenotypeDataset, TabularDataset
from attnscope.data._digest import row_digests
from attnscope.errors import ConfigError, DataError
from attnscope.run._biology import enrichment_output, genotype_inputs, resolve_gene_sets

__all__ = ["explain_run", "held_out", "training_mask", "trust_run"]


def held_out(run: str | Path, data: Dataset, *, all_samples: bool = False) -> tuple[Dataset, str]:
    """The samples of ``data`` the run did not train on, and a sentence saying so.

    Parameters
    ----------
    run : path
        Run directory with ``split.json``: ``train`` sample ids and (runs fitted since
        content digests were added) ``train_digests``, so a training sample given under
        an id the run does not know is excluded too (the run's own test ids keep its split).
    data : Dataset
    all_samples : bool, default False
        Keep every sample, training samples included (the sentence says how many).

    Returns
    -------
    data : Dataset
        ``data`` without the run's training samples (all of it with ``all_samples``).
    scope : str
        E.g. "held-out: 120 samples (480 training samples of the given data excluded)".

    Raises
    ------
    DataError
        Every given sample was used in training (and ``all_samples`` is False).
    """
    mask, n_copy = training_mask(run, data)
    n_train = int(mask.sum())
    also = f", {n_copy} of them under new ids (identical content)" if n_copy else ""
    if n_train == 0:
        return data, f"held-out: all {len(data)} given samples (none was used in training)"
    if all_samples:
        return data, (
            f"ALL samples: {len(data)}, of which {n_train} were used in training{also} "
            "(--all-samples): these figures are optimistic"
        )
    if n_train == len(data):
        raise DataError(
            f"all {len(data)} given samples were used to train {run}{also}; give held-out "
            "data, or pass --all-samples (all_samples=True) to score training samples knowingly."
        )
    return data.subset(np.flatnonzero(~mask)), (
        f"held-out: {len(data) - n_train} samples ({n_train} training samples of the given "
        f"data excluded{also})"
    )


def training_mask(run: str | Path, data: Dataset) -> tuple[np.ndarray, int]:
    """Which samples of ``data`` the run trained on, by id or by content.

    Returns
    -------
    mask : ndarray of bool, shape (n_samples,)
        True for a training sample (``split.json``'s ids, or a training sample's content
        under an id the run does not know).
    n_copies : int
        How many of them were found by content under a new id.

    Raises
    ------
    DataError
        ``split.json`` is damaged.
    """
    import json

    split_path = Path(run) / "split.json"
    train: set[str] = set()
    digests: set[str] = set()
    known: set[str] = set()  # the run's own test ids: its split stands for them
    if split_path.is_file():
        try:
            split = json.loads(split_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            split = exc
        listed = split.get("train") if isinstance(split, dict) else None
        # fit always writes every training id as a string: anything else was edited or cut
        if not (
            isinstance(split, dict)
            and isinstance(listed, list)
            and listed
            and all(isinstance(s, str) for s in listed)
        ):
            raise DataError(
                f"{split_path} is damaged (not a JSON object with a 'train' list of sample "
                "ids), so the training samples cannot be excluded; re-run the fit."
            )
        train = set(listed)
        tested = split.get("test", [])
        if not (isinstance(tested, list) and all(isinstance(s, str) for s in tested)):
            raise DataError(
                f"{split_path} is damaged ('test' is not a list of sample ids), so the run's "
                "own split cannot be told apart; re-run the fit."
            )
        known |= set(tested)
        given = split.get("train_digests")  # absent in runs fitted before digests (id rule)
        if given is not None and not (
            isinstance(given, list)
            and len(given) == len(listed)
            and all(isinstance(h, str) and len(h) == 16 for h in given)
        ):
            raise DataError(
                f"{split_path} is damaged ('train_digests' is not one 16-digit content digest "
                f"per training sample, {len(listed)}), so training samples under new ids "
                "cannot be excluded; re-run the fit."
            )
        digests = set(given or ())
    ids = np.asarray(data.sample_ids).astype(str)
    in_train = np.fromiter((s in train for s in ids), bool, ids.size)
    copies = np.zeros_like(in_train)  # a training sample's content under an id the run lacks
    if digests and not in_train.all():
        content = row_digests(data)
        if content is not None:
            new = ~in_train & ~np.fromiter((s in known for s in ids), bool, ids.size)
            copies = new & np.fromiter((h in digests for h in content), bool, ids.size)
    return in_train | copies, int(copies.sum())


def _explained_inputs(data: Dataset) -> dict[str, np.ndarray]:
    """What views of an attribution need from the data (saved beside the values)."""
    out: dict[str, np.ndarray] = {}
    tokens = getattr(data, "tokens", None)
    if tokens is not None:
        out["tokens"] = np.asarray(tokens)
    if getattr(data, "truth", None) is not None and np.asarray(data.truth).ndim >= 2:
        out["truth"] = np.asarray(data.truth)
    for key in ("chromosomes", "positions", "snp_ids"):
        if getattr(data, key, None) is not None:
            out[key] = np.asarray(getattr(data, key))
    return out


def explain_run(
    run: str | Path,
    data: Dataset,
    *,
    method: str = "integrated_gradients",
    n_samples: int | None = None,
    all_samples: bool = False,
    device: str | None = None,
    force: bool = False,
    gene_sets: str | Path | None = None,
    **options: Any,
) -> tuple[Any, list[Path]]:
    """Attribute the run's model on ``data``; write ``RUN/attributions/<method>.npz``.

    Everything is checked before anything is written; each file is written atomically.
    Under ``torchrun`` each rank attributes a block of the samples, every rank gathers the
    whole Attribution (:func:`attnscope.run.sharded`) and rank 0 alone writes.
    Genotype runs also get ``snp_importance_<method>.tsv``, a Manhattan plot and the
    explained samples' dosages at the top SNPs (``inputs["dosage"]``, for the sample
    browser); expression (table) runs get the gene-set enrichment of the top genes,
    ``enrichment/<method>.json`` (:mod:`attnscope.run._biology`).

    Parameters
    ----------
    gene_sets : str or Path, optional
        GMT file for the enrichment of table runs; default MSigDB Hallmark from the shared
        data folder when present; ``"none"`` skips it.

    Returns
    -------
    attribution : Attribution
        ``meta["scope"]`` says which samples were explained (held-out by default).
    written : list of Path
    """
    from attnscope.explain import attribute, canonical_method
    from attnscope.run._commands import load_model
    from attnscope.run._shard import sharded
    from attnscope.train import is_main_process

    run = Path(run)
    est = load_model(run)
    name = canonical_method(method, est)
    out = run / "attributions" / f"{name}.npz"
    if out.exists() and not force:
        raise ConfigError(f"{out} exists; pass --force to overwrite it.")
    check_writable(out.parent, fix="move it away: the run keeps its attributions in that folder.")
    if n_samples is not None and n_samples < 1:
        raise ConfigError(f"--n-samples must be positive, got {n_samples}.")
    dataset, scope = held_out(run, est.as_dataset(data), all_samples=all_samples)
    if n_samples is not None:
        dataset = dataset.subset(np.arange(min(n_samples, len(dataset))))
    tabular = isinstance(dataset, TabularDataset)
    if not tabular and gene_sets is not None and str(gene_sets).strip().lower() != "none":
        raise ConfigError(  # it would be read and ignored without a word
            f"--gene-sets {gene_sets}: the gene-set enrichment of the top genes is computed "
            f"for expression tables; {run} holds a model of {dataset.modality} data: leave "
            "the option out."
        )
    sets = resolve_gene_sets(gene_sets) if tabular else None
    # under torchrun each rank attributes its block of samples; rank 0 writes
    attr = sharded(
        lambda part: attribute(est, part, method=name, device=device, **options), dataset
    )
    attr.meta["scope"] = scope
    attr.inputs.update(_explained_inputs(dataset))
    if isinstance(dataset, GenotypeDataset):
        attr.inputs.update(genotype_inputs(attr, dataset))
    if not is_main_process():
        return attr, []
    written = [attr.save(out)]
    if getattr(dataset, "snp_ids", None) is not None:
        written.extend(_snp_outputs(run, attr, dataset, name))
    if sets is not None and attr.feature_names is not None and attr.values.ndim == 2:
        written.append(enrichment_output(run, attr, *sets, stem=name))
    else:  # an enrichment of an overwritten attribution no longer describes it
        (run / "enrichment" / f"{name}.json").unlink(missing_ok=True)
    return attr, written


def _snp_outputs(run: Path, attr: Any, dataset: Dataset, name: str) -> list[Path]:
    """Per-SNP importance over carriers as a TSV and a Manhattan plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from attnscope.explain import snp_importance
    from attnscope.pl import manhattan

    table = snp_importance(attr, dataset)
    tsv = write_text(run / f"snp_importance_{name}.tsv", table.to_csv(sep="\t", index=False))
    ax = manhattan(
        table["importance"].to_numpy(),
        table["chromosome"].to_numpy(),
        table["position"].to_numpy(),
        ylabel=f"{name} (signed mean over carriers)",
    )
    png = run / "plots" / f"manhattan_{name}.png"
    png.parent.mkdir(parents=True, exist_ok=True)
    write_with(png, lambda tmp: ax.figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    plt.close(ax.figure)
    return [tsv, png]


def trust_run(
    run: str | Path,
    data: Dataset,
    *,
    methods: list[str] | None = None,
    n_samples: int = 200,
    all_samples: bool = False,
    random_state: int = 0,
    device: str | None = None,
    force: bool = False,
    progress: Any = None,
    estimator: Any = None,
) -> dict[str, Any]:
    """The trust table of the run's model on ``data``, written to ``RUN/trust.json``.

    Under ``torchrun`` the samples are split by rank (:func:`attnscope.trust.trust_table`)
    and rank 0 alone writes.

    Returns
    -------
    dict
        ``scope`` (which samples), ``n_samples``, ``random_state`` and ``rows``.
    """
    from attnscope.run._commands import load_model
    from attnscope.train import is_main_process
    from attnscope.trust import trust_table

    run = Path(run)
    out = run / "trust.json"
    if out.exists() and not force:
        raise ConfigError(f"{out} exists; pass --force to overwrite it.")
    if methods is not None and not methods:
        raise ConfigError("--methods names no method; give some, or leave it out for all.")
    if n_samples < 1:
        raise ConfigError(f"--n-samples (n_samples) must be positive, got {n_samples}.")
    est = estimator if estimator is not None else load_model(run)
    dataset, scope = held_out(run, est.as_dataset(data), all_samples=all_samples)
    rows = trust_table(
        est,
        dataset,
        methods=methods,
        n_samples=n_samples,
        random_state=random_state,
        device=device,
        progress=progress,
    )
    refused = [r for r in rows if str(r.get("status", "")).startswith("not applicable")]
    if methods and len(refused) == len(rows):  # an empty table would replace trust.json
        why = "; ".join(f"{r['method']}: {r['status'][16:].rstrip('.')}" for r in rows)
        raise ConfigError(
            f"no method of --methods applies to this model ({why}); choose others, or leave "
            "--methods out for every method that applies."
        )
    result = {
        "scope": scope,
        "n_samples": min(n_samples, len(dataset)),
        "random_state": random_state,
        "rows": rows,
    }
    if is_main_process():  # under torchrun every rank holds the gathered table
        write_json(out, result)
    return result

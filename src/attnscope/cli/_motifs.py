"""``attnscope motifs RUN DATA``: TF-MoDISco patterns of a DNA model, named by Tomtom."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from attnscope.cli._options import LabelsOpt

__all__ = ["register", "run_motifs"]


def _target_index(target: str | None, class_names: list[str]) -> int:
    from attnscope.errors import ConfigError

    if target is None:
        return len(class_names) - 1
    if target in class_names:
        return class_names.index(target)
    if target.lstrip("-").isdigit() and 0 <= int(target) < len(class_names):
        return int(target)
    raise ConfigError(f"--target {target!r} is not a class; choose from {class_names}.")


def run_motifs(
    run: Path,
    data: Path | None = None,
    *,
    target: str | None = None,
    method: str = "hypothetical_contributions",
    base: str = "gradient",
    n_samples: int = 2000,
    motif_file: Path | None = None,
    n_leiden_runs: int = 10,
    data_format: str | None = None,
    labels: Path | None = None,
    seed: int = 0,
    force: bool = False,
) -> dict[str, Any]:
    """Explain DATA's sequences of class ``target`` and write ``RUN/motifs/``.

    The sequences of the class are those labelled so (by DATA, ``labels`` or the run's
    labels file) or, for unlabelled sequences, those the model predicts as the class.
    Without ``data``, the run's own data, training sequences included (motifs are what the
    model learned, and modisco needs many seqlets; ``n_sequences`` counts them).

    Returns
    -------
    dict
        ``out``, ``n_sequences``, ``target``, ``selected_by`` ("label" or "prediction"),
        ``seconds_attribution``, ``seconds_discovery`` and ``patterns`` (the table rows).
    """
    import time
    import warnings

    import numpy as np

    from attnscope._utils.files import atomic_dir
    from attnscope._utils.random import check_seed
    from attnscope.cli._options import request, run_data
    from attnscope.cli._ui import spinner
    from attnscope.errors import ConfigError, DataError
    from attnscope.explain import attribute, default_motif_library, discover_motifs
    from attnscope.io import read_jaspar
    from attnscope.run import load_model

    if n_samples < 1:
        raise ConfigError(f"--n-samples must be positive, got {n_samples}.")
    check_seed(seed, "--seed")
    if n_leiden_runs < 1:
        raise ConfigError(f"--n-leiden-runs must be at least 1, got {n_leiden_runs}.")
    est = load_model(run)
    if est.dataset_type.modality != "sequence":
        from attnscope.estimators._registry import models_for

        raise ConfigError(
            f"{run} holds a {est.name} model of {est.dataset_type.modality} data; motif "
            f"discovery needs the run of a DNA model ({', '.join(models_for('sequence'))})."
        )
    req = request(None if data is None else [Path(data)], format=data_format, labels=labels)
    dataset = est.as_dataset(run_data(Path(run), req, labelled=False))
    source = f"{run} (its data)" if data is None else data
    if getattr(dataset, "tokens", None) is None:
        raise DataError(f"{source}: motif discovery needs DNA sequences; this data is not DNA.")
    _check_window(source, dataset.tokens.shape[1], discover_motifs)
    out = Path(run) / "motifs"
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ConfigError(f"{out} already exists and is not empty; pass --force to overwrite it.")
    # the library is read before the (long) attribution, so that a bad --motifs fails at once
    library = default_motif_library() if motif_file is None else read_jaspar(motif_file)
    classes = [str(c) for c in est.classes_]
    idx = _target_index(target, classes)
    selected_by = "label" if dataset.labels is not None else "prediction"
    # labels as indices of the model's classes (unknown labels refused), else predictions
    codes = (
        est._codes(dataset) if dataset.labels is not None else est.predict_proba(dataset).argmax(1)
    )
    rows = np.flatnonzero(codes == idx)
    if rows.size == 0:
        how = "labelled" if selected_by == "label" else "predicted as"
        raise DataError(f"{source}: no sequence is {how} class {classes[idx]!r}.")
    bases = (dataset.tokens[rows] >= 1) & (dataset.tokens[rows] <= 4)  # A, C, G, T
    if not bases.any():
        raise DataError(
            f"{source}: the {rows.size} sequences of class {classes[idx]!r} hold no "
            "A, C, G or T (only N or nothing), so there is no motif to find; give real sequences."
        )
    if rows.size > n_samples:
        rows = np.sort(np.random.default_rng(seed).choice(rows, n_samples, replace=False))
    sub = dataset.subset(rows)
    options = {"base": base} if method in ("hypothetical_contributions", "hypothetical") else {}
    start = time.perf_counter()
    with spinner(f"{method} of {len(sub)} sequences of class {classes[idx]}"):
        attr = attribute(est, sub, method=method, target=idx, random_state=seed, **options)
    t_attr = time.perf_counter() - start
    with spinner(f"TF-MoDISco and Tomtom on {len(sub)} sequences"):
        result = discover_motifs(attr, sub.tokens, motifs=library, n_leiden_runs=n_leiden_runs)
    if result.note:
        target_name = classes[idx]
        warnings.warn(f"{len(sub)} sequences of class {target_name!r}: {result.note}", stacklevel=2)
    result.options |= {
        "method": method,
        "target": classes[idx],
        "n": len(sub),
        "selected_by": selected_by,
    }
    from attnscope.pl import motif_logo

    with atomic_dir(out, force=True) as building:  # replaced whole: no stale logos remain
        result.save(building, logo=motif_logo)
    return {
        "out": str(out),
        "n_sequences": len(sub),
        "target": classes[idx],
        "selected_by": selected_by,
        "seconds_attribution": t_attr,
        "seconds_discovery": result.seconds,
        "patterns": result.table(),
    }


def register(app: typer.Typer) -> None:
    """Add the ``motifs`` command to ``app``."""

    @app.command()
    def motifs(
        run: Annotated[Path, typer.Argument(help="Run directory of a DNA model.")],
        data: Annotated[
            Path | None,
            typer.Argument(
                help="DNA sequences to explain (format detected); default: the run's own "
                "data, training sequences included.",
                show_default=False,
            ),
        ] = None,
        target: Annotated[
            str | None, typer.Option(help="Class to explain (name or index; default the last).")
        ] = None,
        method: Annotated[
            str, typer.Option(help="Attribution method (hypothetical_contributions or per-base).")
        ] = "hypothetical_contributions",
        base: Annotated[
            str, typer.Option(help="Hypothetical contributions from: gradient, deeplift_shap.")
        ] = "gradient",
        n_samples: Annotated[int, typer.Option(help="Sequences of the class explained.")] = 2000,
        motif_file: Annotated[
            Path | None,
            typer.Option("--motifs", help="JASPAR/TRANSFAC library (default JASPAR 2020)."),
        ] = None,
        n_leiden_runs: Annotated[
            int, typer.Option(help="modisco Leiden restarts (modisco-lite's own default: 50).")
        ] = 10,
        format_: Annotated[
            str | None, typer.Option("--format", help="Force the data format.")
        ] = None,
        labels: LabelsOpt = None,
        seed: Annotated[int, typer.Option(help="Sample choice and reference seed.")] = 0,
        force: Annotated[bool, typer.Option(help="Overwrite RUN/motifs.")] = False,
    ) -> None:
        """Motifs a DNA model learned: modisco-lite patterns matched to JASPAR by Tomtom.

        Writes RUN/motifs/patterns.tsv, patterns.json and logos/<pattern>.png.
        """
        from rich.table import Table

        from attnscope.cli._common import console

        summary = run_motifs(
            run,
            data,
            target=target,
            method=method,
            base=base,
            n_samples=n_samples,
            motif_file=motif_file,
            n_leiden_runs=n_leiden_runs,
            data_format=format_,
            labels=labels,
            seed=seed,
            force=force,
        )
        how = "labelled" if summary["selected_by"] == "label" else "predicted"
        table = Table(
            title=f"motifs of class {summary['target']} ({summary['n_sequences']} {how} sequences)"
        )
        for col in ("pattern", "n_seqlets", "consensus", "best_match", "q_value"):
            table.add_column(col)
        for row in summary["patterns"]:
            q = row["q_value"]
            table.add_row(
                row["pattern"],
                str(row["n_seqlets"]),
                row["consensus"],
                row["best_match"],
                "-" if q is None else f"{q:.2g}",
            )
        con = console()
        con.print(table)
        con.print(
            f"attribution {summary['seconds_attribution']:.1f} s, discovery "
            f"{summary['seconds_discovery']:.1f} s; wrote {summary['out']}"
        )


def _check_window(data: Path | str, width: int, discover: Any) -> None:
    """Refuse, before the attribution, sequences shorter than modisco's seqlet window.

    ``discover_motifs`` finds it only after attributing every sequence, and its fix
    (``sliding_window_size``) is a Python argument the command does not take.
    """
    import inspect

    from attnscope.errors import ConfigError

    params = inspect.signature(discover).parameters
    window, flank = params["sliding_window_size"].default, params["flank_size"].default
    need = window + 2 * flank
    if width < need:
        raise ConfigError(
            f"{data}: the model reads sequences of {width} bp, shorter than modisco's window "
            f"({window} + 2 x {flank} flank = {need} bp); motifs needs a model of sequences "
            "of at least that length (in Python, discover_motifs(..., sliding_window_size=, "
            "flank_size=) takes a smaller window)."
        )

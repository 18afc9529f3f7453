"""PNG plots of an experiment: test metrics per configuration, and training curves.

matplotlib is optional (``pip install "hf_absa[plots]"``) and imported only
here, when a plot is drawn. The figures are drawn with matplotlib's
object-oriented API (``Figure`` + Agg), so no global backend or pyplot state
is touched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from .summary import SUMMARY_METRICS

BOXPLOT_FILE = "test_metrics_boxplot.png"
CURVES_FILE = "training_curves.png"
DPI = 120


def require_matplotlib():
    """The ``matplotlib.figure.Figure`` class, or one clear error naming the fix."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            'plots need matplotlib: pip install "hf_absa[plots]" (or pass --no_plots)'
        ) from error
    return Figure


def plot_metric_boxes(
    runs: Sequence[Mapping], path: str | os.PathLike, metrics: Sequence[str] = ("test_accuracy", "test_f1")
) -> Path:
    """Box plot per configuration of each metric across its runs (seeds), every run drawn as a dot.

    ``runs`` are records with ``config``, ``seed`` and the metric values as
    fractions (the runs of `summary.json`); the axes show percent.
    """
    Figure = require_matplotlib()
    configs = list(dict.fromkeys(run["config"] for run in runs))
    metrics = [name for name in metrics if any(name in run for run in runs)]
    width = max(7.0, 2.0 + 1.2 * len(configs) * len(metrics))
    figure = Figure(figsize=(width, 5.0), layout="constrained")
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    rotate = len(configs) > 2 and max(len(config) for config in configs) > 10
    for ax, name in zip(axes, metrics):
        values = [[100 * run[name] for run in runs if run["config"] == config and name in run] for config in configs]
        ax.boxplot(values, tick_labels=configs, widths=0.5, showmeans=True, showfliers=False,  # dots show every run
                   medianprops={"color": "tab:orange", "linewidth": 2},
                   meanprops={"marker": "D", "markerfacecolor": "white", "markeredgecolor": "black"})
        for position, points in enumerate(values, start=1):
            # A small fixed spread keeps runs with equal values apart (no randomness: plots are reproducible).
            offsets = [0.12 * (i - (len(points) - 1) / 2) / max(1, len(points) - 1) for i in range(len(points))]
            ax.scatter([position + offset for offset in offsets], points, s=24, color="tab:blue", alpha=0.8,
                       zorder=3)
        title = metric_title(name)
        ax.set_title(title)
        ax.set_ylabel(f"{title} (%)")
        ax.set_xlabel("configuration")
        ax.grid(axis="y", alpha=0.3)
        if rotate:
            ax.tick_params(axis="x", labelrotation=25)
    seeds = sorted({run["seed"] for run in runs if run.get("seed") is not None})
    figure.suptitle(
        f"Test metrics per configuration across {len(seeds)} seed(s): {', '.join(map(str, seeds))}\n"
        "box = quartiles, orange line = median, ◇ = mean, dots = single runs",
        fontsize="medium",
    )
    return _save(figure, path)


def plot_training_curves(histories: Mapping[str, Sequence[Sequence[Mapping]]], path: str | os.PathLike) -> Path:
    """Training loss and validation accuracy / macro-F1 against the optimizer step.

    ``histories`` maps a configuration to its runs' Trainer ``log_history``
    lists (``trainer_state.json``). One line per run, one colour per
    configuration; the legend names the configurations.
    """
    Figure = require_matplotlib()
    from matplotlib.ticker import MaxNLocator

    panels = (
        ("loss", "training loss (cross-entropy)", 1.0),
        ("accuracy", "validation accuracy (%)", 100.0),
        ("f1", "validation macro-F1 (%)", 100.0),
    )
    figure = Figure(figsize=(15, 4.6), layout="constrained")
    axes = figure.subplots(1, len(panels))
    colours = [f"C{i}" for i in range(10)]
    for index, (config, runs) in enumerate(histories.items()):
        colour = colours[index % len(colours)]
        for run_index, log_history in enumerate(runs):
            for ax, (name, _, scale) in zip(axes, panels):
                steps, values = curve(log_history, name)
                ax.plot(steps, [scale * value for value in values], color=colour, alpha=0.75, linewidth=1.4,
                        marker="o" if name != "loss" else None, markersize=3,
                        label=f"{config} ({len(runs)} run{'s' if len(runs) > 1 else ''})" if run_index == 0 else None)
    for ax, (_, label, _) in zip(axes, panels):
        ax.set_title(label[0].upper() + label[1:])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("optimizer step")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="best", fontsize="small", title="configuration")
    figure.suptitle("Training curves (one line per run: seed or fold)")
    return _save(figure, path)


def curve(log_history: Sequence[Mapping], name: str) -> tuple[list[int], list[float]]:
    """(steps, values) of the training ``loss`` or of a validation metric in a Trainer log.

    Validation metrics are ``eval_<name>``, or ``eval_validation_<name>`` when
    the test split was evaluated too (``report_max_test``). Only the log of
    training counts: the evaluation of the selected model after it (logged at
    the last step) is not a point of the curve.

    >>> log = [{"loss": 1.1, "step": 10}, {"eval_validation_f1": 0.5, "step": 10},
    ...        {"train_runtime": 3.0, "step": 20}, {"eval_f1": 0.4, "step": 20}]
    >>> curve(log, "f1"), curve(log, "loss")
    (([10], [0.5]), ([10], [1.1]))
    """
    keys = ("loss",) if name == "loss" else (f"eval_{name}", f"eval_validation_{name}")
    end = next((i for i, log in enumerate(log_history) if "train_runtime" in log), len(log_history))
    points = [(log["step"], log[key]) for log in log_history[:end] for key in keys if key in log and "step" in log]
    return [step for step, _ in points], [value for _, value in points]


def metric_title(name: str) -> str:
    """'test_f1' → 'test macro-F1' (the wording of the plots)."""
    title = SUMMARY_METRICS.get(name, name).replace(" †", "").replace("acc", "accuracy")
    # ATEPC's extraction and end-to-end F1 are span F1s, not macro averages over classes.
    return title if name.endswith(("ate_f1", "e2e_f1")) else title.replace("F1", "macro-F1")


def _save(figure, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    return path

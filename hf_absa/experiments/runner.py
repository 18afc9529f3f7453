"""Repeated runs and comparisons: several seeds × architectures × backbones in one call.

`run_experiment` trains every configuration (``--architectures`` × ``--backbones``)
once per seed (``--seeds``), each run a fresh model in its own folder, and
writes what compares them::

    output_dir/
      {config}-seed{seed}/      one run: all_results.json, trainer_state.json, model
                                (with --cross_validate_fold k: fold-0/ … and cv_summary.json)
      summary.json              every run's figures, mean ± sample std per configuration
      summary.md                the same as Markdown tables
      test_metrics_boxplot.png  test accuracy / macro-F1 (%) per configuration across seeds
      training_curves.png       training loss, validation accuracy / macro-F1 against the step

A configuration is named after its architecture, plus the backbone's folder or
Hub name when several backbones are compared (``fast_lsa_t_v2-deberta-v3-base``).
With cross-validation a run's figures are the means over its folds.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformers.trainer import TRAINER_STATE_NAME

from ..training.apc import APC_TASK
from ..training.protocols import MAX_TEST_PREFIX
from ..training.training_args import replace_arguments
from ..training.workflow import TrainingTask, fit_and_evaluate
from .cross_validation import CV_SUMMARY_FILE, check_fold_count, cross_validate, fold_dir_name, release
from .plots import BOXPLOT_FILE, CURVES_FILE, plot_metric_boxes, plot_training_curves, require_matplotlib
from .summary import (
    MAX_TEST_NOTE,
    STD_NOTE,
    SUMMARY_METRICS,
    aggregate,
    format_percent,
    headline_metrics,
    markdown_table,
    metric_columns,
    write_json,
)

logger = logging.getLogger(__name__)

SUMMARY_JSON = "summary.json"
SUMMARY_MARKDOWN = "summary.md"


@dataclass
class ExperimentArguments:
    """What to repeat and compare; every other setting comes from the model, data and training arguments.

    >>> ExperimentArguments(architectures=["bert_spc", "fast_lsa_t_v2"], seeds=[1, 2, 3]).seeds
    [1, 2, 3]
    """

    architectures: list[str] | None = field(
        default=None,
        metadata={"help": "Architectures to compare (default: --architecture), e.g. bert_spc fast_lsa_t_v2."},
    )
    backbones: list[str] | None = field(
        default=None, metadata={"help": "Backbones to compare, ids or folders (default: --model_name_or_path)."}
    )
    seeds: list[int] | None = field(
        default=None, metadata={"help": "Seeds; every configuration is trained once per seed (default: --seed)."}
    )
    cross_validate_fold: int = field(
        default=-1,
        metadata={
            "help": "k >= 2: stratified k-fold cross-validation over train for every run (fresh model per fold, "
            "test figures per fold, mean ± std); -1 = off."
        },
    )
    plots: bool = field(
        default=True, metadata={"help": "Write the PNG plots (needs matplotlib: pip install 'hf_absa[plots]')."}
    )

    def __post_init__(self):
        for name in ("architectures", "backbones", "seeds"):
            values = getattr(self, name)
            if values is not None and (not values or len(set(values)) != len(values)):
                raise ValueError(f"{name} must list distinct values, got {values!r}")
        if self.cross_validate_fold != -1:
            check_fold_count(self.cross_validate_fold)


@dataclass
class RunConfiguration:
    """One configuration of an experiment: its name and its model arguments."""

    name: str
    model_args: Any


def experiment_configurations(
    experiment_args: ExperimentArguments, model_args, task: TrainingTask = APC_TASK
) -> list[RunConfiguration]:
    """The configurations to compare: ``models`` × ``backbones``, named for folders and tables.

    >>> from hf_absa.training.apc import APCModelArguments
    >>> [c.name for c in experiment_configurations(ExperimentArguments(architectures=["bert_spc", "lcf_bert"]),
    ...                                            APCModelArguments(model_name_or_path="org/bert-small"))]
    ['bert_spc', 'lcf_bert']
    >>> [c.name for c in experiment_configurations(ExperimentArguments(backbones=["org/a", "b/"]),
    ...                                            APCModelArguments(apc_model="bert_spc"))]
    ['bert_spc-a', 'bert_spc-b']
    """
    architectures = experiment_args.architectures or [getattr(model_args, task.architecture_field)]
    unknown = [name for name in architectures if name not in task.architectures]
    if unknown:
        raise ValueError(f"architectures must be among {', '.join(task.architectures)}, got {unknown[0]!r}")
    backbones = experiment_args.backbones or [model_args.model_name_or_path]
    backbone_names = [Path(str(backbone).rstrip("/")).name for backbone in backbones]
    if len(set(backbone_names)) != len(backbone_names):
        raise ValueError(f"backbones must have distinct last path parts to name their runs, got {backbones!r}")
    return [
        RunConfiguration(
            name=architecture if len(backbones) == 1 else f"{architecture}-{backbone_name}",
            model_args=dataclasses.replace(
                task.with_architecture(model_args, architecture), model_name_or_path=backbone
            ),
        )
        for architecture in architectures
        for backbone, backbone_name in zip(backbones, backbone_names)
    ]


def run_experiment(
    experiment_args: ExperimentArguments, model_args, data_args, training_args, task: TrainingTask = APC_TASK
) -> dict:
    """Train every configuration × seed (optionally k-fold each), then write the summaries and plots.

    ``task`` says how to read the data and build each configuration's setup (default: APC). Returns the
    ``summary.json`` content. ``training_args.output_dir`` is the
    experiment's folder; every other training argument applies to every run. (Skipped in the test suite: it
    trains six MiniLM models.)

    >>> from hf_absa.training.apc import APCDataArguments, APCModelArguments
    >>> summary = run_experiment(ExperimentArguments(architectures=["bert_spc", "fast_lsa_t_v2"], seeds=[1, 2, 3]),
    ...                          APCModelArguments(), APCDataArguments("sample"),
    ...                          APCTrainingArguments("runs/compare"))  # doctest: +SKIP
    >>> summary["configs"]["bert_spc"]["test_accuracy"]  # doctest: +SKIP
    {'mean': 0.81, 'std': 0.013, 'n': 3}
    """
    configurations = experiment_configurations(experiment_args, model_args, task)
    for configuration in configurations:
        task.check_model_arguments(configuration.model_args)  # a bad name fails before anything trains
    if experiment_args.plots:
        require_matplotlib()
    seeds = experiment_args.seeds or [training_args.seed]
    folds = experiment_args.cross_validate_fold
    root = Path(training_args.output_dir)
    raw = task.load_data(data_args)
    runs = []
    for configuration in configurations:
        setup = task.prepare_setup(configuration.model_args, raw, training_args, data_args.dataset)
        for seed in seeds:
            run_name = f"{configuration.name}-seed{seed}"
            logger.info("Run %s (%d of %d)", run_name, len(runs) + 1, len(configurations) * len(seeds))
            run_args = replace_arguments(training_args, seed=seed, output_dir=str(root / run_name))
            if folds != -1:
                cv_summary = cross_validate(setup, run_args, folds)
                figures = {name: stats["mean"] for name, stats in cv_summary["aggregate"].items()}
            else:
                metrics, trainer = fit_and_evaluate(setup, run_args)
                figures = headline_metrics(metrics)
                release(trainer)
            runs.append(
                {
                    "run": run_name,
                    "config": configuration.name,
                    "model": getattr(configuration.model_args, task.architecture_field),
                    "backbone": task.backbone(configuration.model_args),
                    "seed": seed,
                    "output_dir": run_name,
                    **figures,
                }
            )
    summary = summarise_runs(runs, folds)
    if training_args.should_save:
        write_experiment_outputs(summary, root, plots=experiment_args.plots)
    return summary


def summarise_runs(runs: list[dict], folds: int = -1) -> dict:
    """The ``summary.json`` content: every run and, per configuration, mean ± std of each figure over its runs."""
    configs = {}
    for name in dict.fromkeys(run["config"] for run in runs):
        members = [run for run in runs if run["config"] == name]
        configs[name] = {
            "model": members[0]["model"],
            "backbone": members[0]["backbone"],
            "seeds": [run["seed"] for run in members],
            **aggregate(members),
        }
    summary = {
        "metrics": metric_columns(runs),
        "std": STD_NOTE,
        "selection": "Each run's model is selected on validation (or a held-out part of train); test_* are its "
        "test figures",
        "cross_validate_fold": folds,
        "configs": configs,
        "runs": runs,
    }
    if folds != -1:
        summary["run_figures"] = f"mean over the {folds} folds of each run ({CV_SUMMARY_FILE} in its folder)"
    if any(name.startswith(MAX_TEST_PREFIX) for name in summary["metrics"]):
        summary["max_test"] = MAX_TEST_NOTE
    return summary


def summary_markdown(summary: dict) -> str:
    """``summary.md``: mean ± std per configuration, then every run (percent)."""
    columns = summary["metrics"]
    titles = [f"{SUMMARY_METRICS[name]} (%)" for name in columns]
    per_config = [
        [name, len(config["seeds"])] + [format_percent(config[m]["mean"], config[m]["std"]) if m in config else "–"
                                        for m in columns]
        for name, config in summary["configs"].items()
    ]
    per_run = [
        [run["run"], run["config"], run["seed"]] + [format_percent(run.get(m)) for m in columns]
        for run in summary["runs"]
    ]
    notes = [f"Mean ± std over each configuration's runs; std = {summary['std']}.", summary["selection"] + "."]
    if "run_figures" in summary:
        notes.append(f"Each run's figures are the {summary['run_figures']}.")
    if "max_test" in summary:
        notes.append(summary["max_test"])
    return "\n\n".join(
        [
            "# Experiment summary",
            markdown_table(["configuration", "runs"] + titles, per_config),
            "## Runs",
            markdown_table(["run", "configuration", "seed"] + titles, per_run),
            "\n".join(f"- {note}" for note in notes),
        ]
    ) + "\n"


def write_experiment_outputs(summary: dict, root: Path, plots: bool = True) -> list[Path]:
    """Write ``summary.json``, ``summary.md`` and (``plots``) the PNGs into ``root``; returns the paths."""
    written = [write_json(root / SUMMARY_JSON, summary)]
    markdown = root / SUMMARY_MARKDOWN
    markdown.write_text(summary_markdown(summary), encoding="utf-8")
    written.append(markdown)
    if plots:
        # The test figures of the selected models (APC: accuracy, macro-F1; ATEPC: its main-protocol figures),
        # else the validation ones.
        boxed = [name for name in summary["metrics"] if name.startswith("test_")] or [
            name for name in summary["metrics"] if name.startswith("eval_")
        ]
        written.append(plot_metric_boxes(summary["runs"], root / BOXPLOT_FILE, boxed))
        written.append(plot_training_curves(run_histories(summary, root), root / CURVES_FILE))
    return written


def run_histories(summary: dict, root: Path) -> dict[str, list[list[dict]]]:
    """Per configuration, the Trainer log of each of its trainings (each run, or each fold of each run)."""
    histories: dict[str, list[list[dict]]] = {}
    folds = summary.get("cross_validate_fold", -1)
    for run in summary["runs"]:
        run_dir = root / run["output_dir"]
        trainings = [run_dir / fold_dir_name(fold) for fold in range(folds)] if folds != -1 else [run_dir]
        for folder in trainings:
            state = folder / TRAINER_STATE_NAME
            if state.is_file():
                log_history = json.loads(state.read_text(encoding="utf-8"))["log_history"]
                histories.setdefault(run["config"], []).append(log_history)
    return histories

"""Repeated runs and comparisons: several seeds × architectures × backbones in one call.

`run_experiment` trains every configuration (``--architectures`` × ``--backbones``)
once per seed (``--seeds``), each run a fresh model in its own folder, and
writes what compares them::

    output_dir/
      {config}-seed{seed}/      one run: all_results.json, trainer_state.json, model,
                                experiment_run.json (its settings and figures, for resuming)
                                (with --cross_validate_fold k: fold-0/ … and cv_summary.json)
      summary.json              every run's figures, mean ± sample std per configuration
      summary.md                the same as Markdown tables
      test_metrics_boxplot.png  test accuracy / macro-F1 (%) per configuration across seeds
      training_curves.png       training loss, validation accuracy / macro-F1 against the step

A configuration is named after its architecture, plus the backbone's folder or
Hub name when several backbones are compared (``fast_lsa_t_v2-deberta-v3-base``).
With cross-validation a run's figures are the means over its folds.

An interrupted experiment resumes: run the same command again and every run
whose folder holds an ``experiment_run.json`` with the same settings (model,
data and training arguments, output folders aside) is not trained again; its
recorded figures join the summary. A run with other settings is trained again
(and says why in the log); delete a run's folder to retrain it.
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
RUN_RECORD = "experiment_run.json"
# Training arguments that do not change a run's result: where it writes (they differ between the runs of one
# experiment and between a run and its resumed self) and how it reports progress.
NON_RESULT_ARGUMENTS = (
    "output_dir", "logging_dir", "run_name", "disable_tqdm", "log_level", "log_level_replica", "report_to",
    "logging_strategy", "logging_steps", "logging_first_step", "dataloader_num_workers",
    "dataloader_prefetch_factor", "dataloader_persistent_workers",
)


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
        setup = None  # featurised on the first run of this configuration that trains
        for seed in seeds:
            run_name = f"{configuration.name}-seed{seed}"
            logger.info("Run %s (%d of %d)", run_name, len(runs) + 1, len(configurations) * len(seeds))
            run_args = replace_arguments(training_args, seed=seed, output_dir=str(root / run_name))
            settings = run_settings(configuration, data_args, run_args, folds)
            figures = finished_run_figures(root / run_name, settings)
            if figures is not None:
                logger.info("Run %s finished earlier with the same settings: its figures are reused (delete %s "
                            "to train it again)", run_name, root / run_name)
            else:
                if setup is None:
                    setup = task.prepare_setup(configuration.model_args, raw, training_args, data_args.dataset)
                if folds != -1:
                    cv_summary = cross_validate(setup, run_args, folds)
                    figures = {name: stats["mean"] for name, stats in cv_summary["aggregate"].items()}
                else:
                    metrics, trainer = fit_and_evaluate(setup, run_args)
                    figures = headline_metrics(metrics)
                    release(trainer)
                if training_args.should_save:
                    write_json(root / run_name / RUN_RECORD, {"settings": settings, "figures": figures})
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


def run_settings(configuration: RunConfiguration, data_args, run_args, folds: int) -> dict:
    """What decides a run's result, as plain JSON: its configuration's model arguments, the data arguments, the
    training arguments (``NON_RESULT_ARGUMENTS`` aside; the seed stays) and the fold count."""
    training = {name: value for name, value in run_args.to_dict().items() if name not in NON_RESULT_ARGUMENTS}
    settings = {
        "configuration": configuration.name,
        "model_args": dataclasses.asdict(configuration.model_args),
        "data_args": dataclasses.asdict(data_args),
        "training_args": training,
        "cross_validate_fold": folds,
    }
    # One JSON round trip: tuples become lists and other objects (paths, enums) their strings, as when the
    # record is read back.
    return json.loads(json.dumps(settings, default=str))


def finished_run_figures(run_dir: Path, settings: dict) -> dict | None:
    """The figures recorded in ``run_dir``'s `RUN_RECORD` when it was written with exactly ``settings``, else None
    (no record: the run never finished; other settings: logged, the run trains again)."""
    path = run_dir / RUN_RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        recorded, figures = record["settings"], record["figures"]
    except (ValueError, KeyError, TypeError):
        logger.warning("%s is not a run record; the run trains again", path)
        return None
    if recorded != settings:
        changed = changed_settings(recorded, settings)
        logger.info("%s: recorded with other settings (%s); the run trains again", run_dir, ", ".join(changed[:5]))
        return None
    return figures


def changed_settings(before: dict, after: dict) -> list[str]:
    """The settings that differ, as ``part.name`` (``training_args.learning_rate``) or ``part``.

    >>> changed_settings({"model_args": {"x": 1, "y": 2}, "cross_validate_fold": -1},
    ...                  {"model_args": {"x": 1, "y": 3}, "cross_validate_fold": 5})
    ['cross_validate_fold', 'model_args.y']
    """
    changed = []
    for part in sorted(before.keys() | after.keys()):
        old, new = before.get(part), after.get(part)
        if isinstance(old, dict) and isinstance(new, dict):
            changed += [f"{part}.{name}" for name in sorted(old.keys() | new.keys()) if old.get(name) != new.get(name)]
        elif old != new:
            changed.append(part)
    return changed


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

"""Experiments: the two evaluation protocols, k-fold cross-validation, repeated runs, summaries and plots."""

import json
import re
import statistics

import numpy as np
import pytest
import torch
from datasets import DatasetDict

from apc_fixtures import write_apc_dataset_folder
from hf_absa.cli import main
from hf_absa.commands._common import print_results
from hf_absa.data.loading import load_apc_dataset
from hf_absa.experiments import ExperimentArguments, cross_validate, run_experiment, stratified_folds
from hf_absa.experiments.plots import BOXPLOT_FILE, CURVES_FILE
from hf_absa.training import APCTrainingArguments
from hf_absa.training.apc import APCDataArguments, APCModelArguments, prepare_apc_setup
from hf_absa.training.workflow import fit_and_evaluate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    # The models here are tiny: a second thread only adds synchronisation, which dominates on a busy machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory):
    return write_apc_dataset_folder(tmp_path_factory.mktemp("experiment-data"), n_train=48, n_valid=12, n_test=18)


@pytest.fixture(scope="module")
def setup(data_folder, tiny_backbone_dir, tmp_path_factory):
    model_args = APCModelArguments(apc_model="bert_spc", model_name_or_path=str(tiny_backbone_dir), max_seq_len=32)
    args = training_args(tmp_path_factory.mktemp("setup"))
    return prepare_apc_setup(model_args, load_apc_dataset(str(data_folder)), args)


def training_args(output_dir, **overrides) -> APCTrainingArguments:
    values = dict(output_dir=str(output_dir), num_train_epochs=1, per_device_train_batch_size=16, learning_rate=5e-3,
                  eval_steps=1, logging_steps=1, use_cpu=True, disable_tqdm=True, seed=0, save_mode=0)
    values.update(overrides)
    return APCTrainingArguments(**values)


def read_json(path):
    return json.loads(path.read_text(encoding="utf-8"))


# ---- protocols ------------------------------------------------------------------------------------


def test_pyabsa_protocol_reports_both_figures_from_one_run(setup, tmp_path):
    args = training_args(tmp_path / "run", report_max_test=True, num_train_epochs=2)
    metrics, trainer = fit_and_evaluate(setup, args)
    log = trainer.state.log_history
    periodic_test = [entry for entry in log if "eval_test_accuracy" in entry]
    periodic_validation = [entry for entry in log if "eval_validation_accuracy" in entry]
    assert len(periodic_test) == len(periodic_validation) == trainer.state.global_step >= 5
    # Selection stays on validation ...
    assert trainer.args.metric_for_best_model == "validation_accuracy"
    assert trainer.state.best_metric == max(entry["eval_validation_accuracy"] for entry in periodic_validation)
    # ... the clean figure is the selected model's test result (logged at the best step) ...
    at_best = next(entry for entry in periodic_test if entry["step"] == trainer.state.best_global_step)
    assert metrics["test_accuracy"] == pytest.approx(at_best["eval_test_accuracy"])
    # ... and PyABSA's figures are each test metric's own maximum over the periodic evaluations.
    assert metrics["max_test_accuracy"] == max(entry["eval_test_accuracy"] for entry in periodic_test)
    assert metrics["max_test_f1"] == max(entry["eval_test_f1"] for entry in periodic_test)
    assert metrics["max_test_evaluations"] == len(periodic_test)
    assert metrics["max_test_accuracy"] >= metrics["test_accuracy"]
    saved = read_json(tmp_path / "run" / "all_results.json")
    assert {"test_accuracy", "test_f1", "max_test_accuracy", "max_test_f1", "eval_accuracy"} <= set(saved)


def test_default_protocol_never_evaluates_test_during_training(setup, tmp_path):
    metrics, trainer = fit_and_evaluate(setup, training_args(tmp_path / "run"))
    assert not any(key.startswith("eval_test_") for entry in trainer.state.log_history for key in entry)
    assert "test_accuracy" in metrics and not any(key.startswith("max_test_") for key in metrics)


def test_pyabsa_setup_without_hold_out_trains_on_all_of_train_and_reports_the_final_model(setup, tmp_path):
    # PyABSA's own set-up on data without a validation split: nothing held out, test evaluated once per epoch.
    features = DatasetDict(train=setup.features["train"], test=setup.features["test"])
    args = training_args(tmp_path / "run", report_max_test=True, num_train_epochs=2, validation_fraction=0,
                         eval_strategy="epoch", save_strategy="no", load_best_model_at_end=False)
    metrics, trainer = fit_and_evaluate(setup, args, features=features)
    assert len(trainer.train_dataset) == len(features["train"])
    periodic_test = [entry for entry in trainer.state.log_history if "eval_test_accuracy" in entry]
    assert len(periodic_test) == metrics["max_test_evaluations"] == 2
    assert not any("eval_validation_accuracy" in entry for entry in trainer.state.log_history)
    assert "eval_accuracy" not in metrics
    # Nothing selected: the reported clean figure is the final model's, i.e. the last periodic evaluation.
    assert metrics["test_accuracy"] == pytest.approx(periodic_test[-1]["eval_test_accuracy"])
    assert metrics["max_test_accuracy"] == max(entry["eval_test_accuracy"] for entry in periodic_test)


def test_hold_out_by_default_when_the_data_has_no_validation_split(setup, tmp_path):
    features = DatasetDict(train=setup.features["train"], test=setup.features["test"])
    metrics, trainer = fit_and_evaluate(setup, training_args(tmp_path / "run", validation_fraction=0.25),
                                        features=features)
    assert len(trainer.train_dataset) == len(features["train"]) - round(0.25 * len(features["train"]))
    assert "eval_accuracy" in metrics


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({}, "no validation split to evaluate"),
        ({"report_max_test": True}, "--load_best_model_at_end false"),
        ({"report_max_test": True, "load_best_model_at_end": False}, "--save_strategy no"),
    ],
)
def test_no_hold_out_refuses_selection_without_validation(setup, tmp_path, overrides, fragment):
    features = DatasetDict(train=setup.features["train"], test=setup.features["test"])
    args = training_args(tmp_path / "run", validation_fraction=0, **overrides)
    with pytest.raises(ValueError, match=re.escape(fragment)):
        fit_and_evaluate(setup, args, features=features)


def test_pyabsa_protocol_needs_periodic_evaluation(tmp_path):
    with pytest.raises(ValueError, match="report_max_test"):
        training_args(tmp_path, report_max_test=True, eval_strategy="no")


# ---- k-fold cross-validation ----------------------------------------------------------------------


def test_stratified_folds_are_disjoint_complete_and_stratified():
    labels = np.array([0] * 30 + [1] * 12 + [2] * 6)
    folds = stratified_folds(labels, folds=3, seed=7)
    validation_parts = [set(valid.tolist()) for _, valid in folds]
    assert sum(len(part) for part in validation_parts) == len(labels)
    assert set().union(*validation_parts) == set(range(len(labels)))
    for train, valid in folds:
        assert not set(train.tolist()) & set(valid.tolist())
        assert len(train) + len(valid) == len(labels)
        assert np.bincount(labels[valid], minlength=3).tolist() == [10, 4, 2]
    again = stratified_folds(labels, folds=3, seed=7)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    with pytest.raises(ValueError, match="cross_validate_fold"):
        stratified_folds(labels, folds=1, seed=0)


def test_cross_validation_fresh_model_per_fold_and_summary(setup, tmp_path, monkeypatch):
    initial_states = []
    new_model = type(setup).new_model

    def recording_new_model(self, seed):
        model = new_model(self, seed)
        initial_states.append({name: tensor.clone() for name, tensor in model.state_dict().items()})
        return model

    monkeypatch.setattr(type(setup), "new_model", recording_new_model)
    out = tmp_path / "cv"
    summary = cross_validate(setup, training_args(out), folds=3)

    # Every fold starts from the same fresh weights (PyABSA continues from the previous fold's).
    assert len(initial_states) == 3
    for state in initial_states[1:]:
        assert all(torch.equal(state[name], initial_states[0][name]) for name in state)
    per_fold = [read_json(out / f"fold-{fold}" / "all_results.json") for fold in range(3)]
    assert sum(summary["per_fold"][fold]["validation_examples"] for fold in range(3)) == len(setup.features["train"])
    on_disk = read_json(out / "cv_summary.json")
    assert on_disk == json.loads(json.dumps(summary))
    for metric in ("test_accuracy", "test_f1", "eval_accuracy"):
        values = [results[metric] for results in per_fold]
        assert [fold[metric] for fold in summary["per_fold"]] == values
        assert on_disk["aggregate"][metric]["mean"] == pytest.approx(statistics.fmean(values), abs=1e-6)
        assert on_disk["aggregate"][metric]["std"] == pytest.approx(statistics.stdev(values), abs=1e-6)
        assert on_disk["aggregate"][metric]["n"] == 3


def test_bad_fold_count_names_the_argument():
    with pytest.raises(ValueError, match="cross_validate_fold"):
        ExperimentArguments(cross_validate_fold=1)


# ---- repeated runs, summaries, plots ---------------------------------------------------------------


def test_seeds_and_models_summary_matches_each_run_and_plots_render(data_folder, tiny_backbone_dir, tmp_path):
    out = tmp_path / "compare"
    summary = run_experiment(
        ExperimentArguments(architectures=["bert_spc", "fast_lcf_bert"], seeds=[1, 2]),
        APCModelArguments(model_name_or_path=str(tiny_backbone_dir), max_seq_len=32),
        APCDataArguments(str(data_folder)),
        training_args(out, report_max_test=True),
    )
    assert [run["run"] for run in summary["runs"]] == [
        "bert_spc-seed1", "bert_spc-seed2", "fast_lcf_bert-seed1", "fast_lcf_bert-seed2"]
    on_disk = read_json(out / "summary.json")
    for run in on_disk["runs"]:
        results = read_json(out / run["output_dir"] / "all_results.json")
        for metric in ("test_accuracy", "test_f1", "max_test_accuracy", "max_test_f1"):
            assert run[metric] == results[metric]
    for name, config in on_disk["configs"].items():
        values = [run["test_accuracy"] for run in on_disk["runs"] if run["config"] == name]
        assert config["test_accuracy"]["mean"] == pytest.approx(statistics.fmean(values), abs=1e-6)
        assert config["test_accuracy"]["std"] == pytest.approx(statistics.stdev(values), abs=1e-6)
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    assert "| bert_spc | 2 |" in markdown and "| fast_lcf_bert-seed2 | fast_lcf_bert | 2 |" in markdown
    assert "max test acc †" in markdown and "PyABSA protocol" in markdown
    for name in (BOXPLOT_FILE, CURVES_FILE):
        png = (out / name).read_bytes()
        assert png.startswith(PNG_SIGNATURE) and len(png) > 20_000, name


def test_rerun_reuses_finished_runs_and_retrains_interrupted_or_changed_ones(
        data_folder, tiny_backbone_dir, tmp_path, monkeypatch):
    import hf_absa.experiments.runner as runner

    trained = []

    def recording_fit(setup, run_args):
        trained.append(run_args.output_dir.rsplit("/", 1)[-1])
        return fit_and_evaluate(setup, run_args)

    monkeypatch.setattr(runner, "fit_and_evaluate", recording_fit)
    out = tmp_path / "resumable"

    def experiment(**overrides):
        return run_experiment(
            ExperimentArguments(architectures=["bert_spc"], seeds=[1, 2], plots=False),
            APCModelArguments(model_name_or_path=str(tiny_backbone_dir), max_seq_len=32),
            APCDataArguments(str(data_folder)),
            training_args(out, **overrides),
        )

    first = experiment()
    assert trained == ["bert_spc-seed1", "bert_spc-seed2"]
    record = read_json(out / "bert_spc-seed2" / runner.RUN_RECORD)
    assert record["settings"]["training_args"]["seed"] == 2 and "output_dir" not in record["settings"]["training_args"]

    # Same settings (progress display aside): nothing trains, the summary is the same.
    trained.clear()
    assert experiment(disable_tqdm=False)["runs"] == first["runs"]
    assert trained == []

    # An interrupted run (no record) trains again; the finished one is reused.
    (out / "bert_spc-seed1" / runner.RUN_RECORD).unlink()
    experiment()
    assert trained == ["bert_spc-seed1"]

    # Another learning rate: both train again and the records follow.
    trained.clear()
    experiment(learning_rate=1e-3)
    assert trained == ["bert_spc-seed1", "bert_spc-seed2"]
    assert read_json(out / "bert_spc-seed1" / runner.RUN_RECORD)["settings"]["training_args"]["learning_rate"] == 1e-3


# ---- command line -----------------------------------------------------------------------------------


def test_experiment_command_cross_validates_and_prints_the_table(data_folder, tiny_backbone_dir, tmp_path, capsys):
    out = tmp_path / "cli"
    code = main(["experiment", "--dataset", str(data_folder), "--backbone", str(tiny_backbone_dir),
                 "--architectures", "bert_spc", "--seeds", "3", "--cross_validate_fold", "2", "--no_plots",
                 "--max_seq_len", "32", "--num_train_epochs", "1", "--per_device_train_batch_size", "16",
                 "--eval_steps", "1", "--save_mode", "0", "--use_cpu", "--disable_tqdm", "true",
                 "--output_dir", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err[-2000:]
    assert "| bert_spc | 1 |" in captured.out
    cv_summary = read_json(out / "bert_spc-seed3" / "cv_summary.json")
    assert [fold["output_dir"] for fold in cv_summary["per_fold"]] == ["fold-0", "fold-1"]
    assert (out / "bert_spc-seed3" / "fold-1" / "all_results.json").is_file()
    run = read_json(out / "summary.json")["runs"][0]
    assert run["test_accuracy"] == cv_summary["aggregate"]["test_accuracy"]["mean"]
    assert not (out / BOXPLOT_FILE).exists()


@pytest.mark.parametrize(
    "flags, fragments",
    [
        (["--cross_validate_fold", "1"], ["cross_validate_fold", "1"]),
        (["--architectures", "bert_spc", "lstm"], ["architectures", "lstm"]),
        (["--seeds", "1", "one"], ["--seeds", "one"]),
        (["--seeds", "1", "1"], ["seeds", "distinct"]),
        (["--architecture", "bert_spc", "--architectures", "lcf_bert"], ["--architectures replaces --architecture"]),
        (["--report_max_test", "--eval_strategy", "no"], ["report_max_test"]),
    ],
)
def test_experiment_command_bad_values_are_one_line_errors(flags, fragments, tmp_path, capsys):
    code = main(["experiment", *flags, "--output_dir", str(tmp_path)])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert all(fragment in lines[0] for fragment in fragments), lines[0]


def test_printed_results_label_the_pyabsa_figures(capsys):
    print_results({"test_accuracy": 0.8, "max_test_accuracy": 0.84, "max_test_f1": 0.8, "max_test_evaluations": 12},
                  "runs/x")
    out = capsys.readouterr().out
    assert "PyABSA protocol" in out and "maximum over 12 test evaluations" in out
    protocol_line = out.index("PyABSA protocol")
    assert out.index("max_test_accuracy") > protocol_line > out.index("accuracy")

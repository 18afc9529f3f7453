import dataclasses

import pytest
import torch

from hf_absa.commands.train import make_parser as build_train_parser
from hf_absa.training.splits import hold_out_validation
from hf_absa.training.training_args import ABSATrainingArguments, APCTrainingArguments


def test_apc_defaults(tmp_path):
    args = APCTrainingArguments(output_dir=str(tmp_path))
    # PyABSA's optimisation (the accuracy section of BENCHMARKS.md): constant rate, no warmup, no clipping.
    assert args.lr_scheduler_type == "constant"
    assert args.warmup_steps == 0 and args.max_grad_norm == 0 and args.weight_decay == 1e-6
    assert args.train_sampling_strategy == "group_by_length" and args.length_group_window == 4
    assert args.learning_rate == 2e-5
    assert args.eval_strategy == "steps" and args.eval_steps == 0.1
    assert args.load_best_model_at_end and args.metric_for_best_model == "accuracy"
    assert args.greater_is_better is True
    assert args.export_mode == 1 and args.early_stopping_patience is None and args.evaluate_begin == 0
    # the old names mirror the new ones, so code reading them keeps working
    assert args.save_mode == 1 and args.patience is None


def test_task_neutral_base_leaves_the_selection_metric_to_the_task(tmp_path):
    base = ABSATrainingArguments(output_dir=str(tmp_path))
    # the stock fallback when no metric is named: the validation loss
    assert base.metric_for_best_model == "loss" and base.greater_is_better is False
    assert not hasattr(base, "eta_lr")
    assert base.lr_scheduler_type == "constant" and base.export_mode == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"save_mode": 4}, r"export_mode \(PyABSA's save_mode\) must be one of"),
        ({"export_mode": 4}, r"export_mode \(PyABSA's save_mode\) must be one of"),
        ({"eta_lr": 0}, "eta_lr must be > 0"),
        ({"patience": 0}, r"early_stopping_patience \(PyABSA's patience\) must be >= 1"),
        ({"early_stopping_patience": 1, "load_best_model_at_end": False}, "needs load_best_model_at_end=True"),
        ({"evaluate_begin": 1, "eval_strategy": "epoch", "eval_delay": 2}, "evaluate_begin=1 and eval_delay=2"),
        ({"evaluate_begin": -1}, "evaluate_begin must be >= 0"),
        ({"validation_fraction": 1.5}, "validation_fraction must be in"),
        ({"validation_fraction": -0.1}, r"validation_fraction must be in \[0, 1\)"),
    ],
)
def test_invalid_values_name_the_argument(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        APCTrainingArguments(output_dir=str(tmp_path), **kwargs)


def test_hold_out_is_stratified_and_disjoint():
    from datasets import Dataset

    labels = [0] * 50 + [1] * 30 + [2] * 20
    dataset = Dataset.from_dict({"labels": labels, "idx": list(range(100))})
    train, valid = hold_out_validation(dataset, 0.2, seed=3)
    assert len(valid) == 20 and len(train) == 80
    assert sorted(valid["labels"]).count(0) == 10 and sorted(valid["labels"]).count(2) == 4
    assert not set(train["idx"]) & set(valid["idx"])
    again_train, again_valid = hold_out_validation(dataset, 0.2, seed=3)
    assert again_valid["idx"] == valid["idx"]


def test_hold_out_falls_back_when_a_class_is_too_rare():
    from datasets import Dataset

    dataset = Dataset.from_dict({"labels": [0] * 9 + [1]})
    train, valid = hold_out_validation(dataset, 0.2)
    assert len(train) + len(valid) == 10


@pytest.mark.parametrize("new, old, value",
                         [("export_mode", "save_mode", 3), ("early_stopping_patience", "patience", 2)])
def test_pyabsa_names_are_aliases_of_the_hf_names(tmp_path, new, old, value):
    by_old = APCTrainingArguments(output_dir=str(tmp_path), **{old: value})
    by_new = APCTrainingArguments(output_dir=str(tmp_path), **{new: value})
    assert getattr(by_old, new) == getattr(by_new, new) == value
    assert getattr(by_old, old) == getattr(by_new, old) == value
    # both given: the HF name wins (transformers' own rule for gradient_checkpointing)
    assert getattr(APCTrainingArguments(output_dir=str(tmp_path), **{new: 1, old: value}), new) == 1
    # a copy that changes the HF name takes effect (the old name holds the previous value then)
    changed = dataclasses.replace(by_old, **{new: 1})
    assert getattr(changed, new) == getattr(changed, old) == 1
    assert getattr(dataclasses.replace(by_old, learning_rate=1e-4), new) == value


def test_pyabsa_flags_are_aliases_of_the_hf_flags(tmp_path):
    parser = build_train_parser()
    *_, old = parser.parse_args_into_dataclasses(
        ["--output_dir", str(tmp_path), "--save_mode", "2", "--patience", "3"])
    *_, new = parser.parse_args_into_dataclasses(
        ["--output_dir", str(tmp_path), "--export_mode", "2", "--early_stopping_patience", "3"])
    assert (old.export_mode, old.early_stopping_patience) == (new.export_mode, new.early_stopping_patience) == (2, 3)
    assert '"export_mode": 2' in old.to_json_string()


def test_pin_memory_default_follows_cuda_and_an_explicit_choice_is_kept(tmp_path):
    # Without CUDA (this machine) the default is off; on a GPU machine it is on. A choice given is kept either way.
    assert APCTrainingArguments(output_dir=str(tmp_path)).dataloader_pin_memory is torch.cuda.is_available()
    assert APCTrainingArguments(output_dir=str(tmp_path), dataloader_pin_memory=True).dataloader_pin_memory is True
    assert APCTrainingArguments(output_dir=str(tmp_path), dataloader_pin_memory=False).dataloader_pin_memory is False


def test_evaluate_begin_is_the_stock_eval_delay_when_both_count_epochs(tmp_path):
    by_epoch = APCTrainingArguments(output_dir=str(tmp_path), eval_strategy="epoch", save_strategy="epoch",
                                    evaluate_begin=2)
    assert by_epoch.eval_delay == 2 and not by_epoch.evaluate_begin_needs_callback
    # evaluations every N steps: eval_delay would count steps, so a callback counts the epochs
    by_steps = APCTrainingArguments(output_dir=str(tmp_path), evaluate_begin=2)
    assert by_steps.eval_delay == 0 and by_steps.evaluate_begin_needs_callback

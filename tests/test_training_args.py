import pytest

from hf_absa.training.splits import hold_out_validation
from hf_absa.training.training_args import APCTrainingArguments


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
    assert args.save_mode == 1 and args.patience is None and args.evaluate_begin == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"save_mode": 4}, "save_mode must be one of"),
        ({"eta_lr": 0}, "eta_lr must be > 0"),
        ({"patience": 0}, "patience must be >= 1"),
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

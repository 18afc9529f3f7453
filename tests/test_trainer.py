"""APCTrainer: eta optimizer group, warmup-cosine schedule, selection, early stopping, saving."""

import math
import os

import pytest
import torch
from safetensors.torch import load_file

from apc_fixtures import build_features, build_model, synthetic_rows
from hf_absa.onednn import CAPACITY_VARIABLE, DEFAULT_CAPACITY
from hf_absa.training import ABSATrainer, ABSATrainingArguments, APCTrainer, APCTrainingArguments
from hf_absa.training.callbacks import EvaluateBeginCallback
from hf_absa.training.trainer import ETA_PARAMETER_PATTERN

LABELS = ["Negative", "Neutral", "Positive"]


@pytest.fixture(scope="module")
def features(tiny_tokenizer):
    return build_features(tiny_tokenizer, synthetic_rows(60), "fast_lsa_t_v2", LABELS)


def make_trainer(tmp_path, tiny_backbone_dir, tiny_tokenizer, features, trainer_kwargs=None, **overrides):
    torch.manual_seed(0)
    model = build_model(tiny_backbone_dir, "fast_lsa_t_v2", lcf="fusion")
    values = dict(
        output_dir=str(tmp_path / "out"),
        num_train_epochs=2,
        per_device_train_batch_size=8,
        learning_rate=1e-3,
        eta_lr=0.05,
        weight_decay=0.01,
        use_cpu=True,
        disable_tqdm=True,
        seed=0,
    )
    values.update(overrides)
    args = APCTrainingArguments(**values)
    return APCTrainer(model=model, args=args, train_dataset=features["train"], processing_class=tiny_tokenizer,
                      **(trainer_kwargs or {}))


def named_groups(trainer, optimizer):
    by_id = {id(p): n for n, p in trainer.model.named_parameters()}
    return [({by_id[id(p)] for p in group["params"]}, group) for group in optimizer.param_groups]


def test_eta_parameters_get_their_own_group_without_decay(tmp_path, tiny_backbone_dir, tiny_tokenizer, features):
    trainer = make_trainer(tmp_path, tiny_backbone_dir, tiny_tokenizer, features)
    optimizer = trainer.create_optimizer()
    named = dict(trainer.model.named_parameters())
    eta_names = {n for n in named if ETA_PARAMETER_PATTERN.search(n)}
    # fusion = two LSA blocks, each with eta1 and eta2
    assert len(eta_names) == 4
    by_id = {id(p): n for n, p in named.items()}
    groups = [{by_id[id(p)] for p in g["params"]} for g in optimizer.param_groups]
    eta_groups = [g for g, pg in zip(groups, optimizer.param_groups) if g & eta_names]
    assert len(eta_groups) == 1 and eta_groups[0] == eta_names
    eta_group = next(pg for g, pg in zip(groups, optimizer.param_groups) if g == eta_names)
    assert eta_group["lr"] == 0.05 and eta_group["weight_decay"] == 0.0
    decay_group = next(pg for pg in optimizer.param_groups if pg["weight_decay"] == 0.01)
    decay_names = {by_id[id(p)] for p in decay_group["params"]}
    assert not any("bias" in n or "LayerNorm" in n for n in decay_names)
    assert any(n.endswith("dense.weight") for n in decay_names)
    # Every trainable parameter exactly once.
    flat = [n for g in groups for n in g]
    assert sorted(flat) == sorted(n for n, p in named.items() if p.requires_grad)


def test_default_learning_rate_is_constant_in_every_group(tmp_path, tiny_backbone_dir, tiny_tokenizer, features):
    # PyABSA's optimisation is the default: no warmup, no decay of the rate.
    trainer = make_trainer(tmp_path, tiny_backbone_dir, tiny_tokenizer, features)
    trainer.create_optimizer_and_scheduler(num_training_steps=10)
    optimizer, scheduler = trainer.optimizer, trainer.lr_scheduler
    base = [group["initial_lr"] for group in optimizer.param_groups]
    for _ in range(10):
        assert [group["lr"] for group in optimizer.param_groups] == base
        optimizer.step()
        scheduler.step()


def test_warmup_cosine_applies_to_every_group(tmp_path, tiny_backbone_dir, tiny_tokenizer, features):
    trainer = make_trainer(tmp_path, tiny_backbone_dir, tiny_tokenizer, features, warmup_steps=0.1,
                           lr_scheduler_type="cosine")
    trainer.create_optimizer_and_scheduler(num_training_steps=20)
    optimizer, scheduler = trainer.optimizer, trainer.lr_scheduler
    base = [group["initial_lr"] for group in optimizer.param_groups]
    curve = []
    for _ in range(20):
        curve.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    # 2 warmup steps: 0, half, then peak; cosine down to ~0 at the end.
    for step, lrs in enumerate(curve):
        if step < 2:
            factor = step / 2
        else:
            progress = (step - 2) / 18
            factor = 0.5 * (1 + math.cos(math.pi * progress))
        for lr, peak in zip(lrs, base):
            assert lr == pytest.approx(peak * factor, rel=1e-6, abs=1e-12)
    assert max(base) == 0.05  # the eta group keeps its own peak


def test_training_selects_on_held_out_train_and_loads_the_best(tmp_path, tiny_backbone_dir, tiny_tokenizer, features):
    trainer = make_trainer(tmp_path, tiny_backbone_dir, tiny_tokenizer, features, validation_fraction=0.2)
    assert len(trainer.eval_dataset) == 12 and len(trainer.train_dataset) == 48
    trainer.train()
    evaluations = [log for log in trainer.state.log_history if "eval_accuracy" in log]
    assert len(evaluations) >= 5
    best = trainer.state.best_model_checkpoint
    assert best is not None
    assert trainer.state.best_metric == max(log["eval_accuracy"] for log in evaluations)
    saved = load_file(f"{best}/model.safetensors")
    live = trainer.model.state_dict()
    assert all(torch.equal(saved[k], live[k]) for k in saved)
    # no pickled training arguments in checkpoints
    assert not list((tmp_path / "out").rglob("training_args.bin"))
    assert (tmp_path / "out").joinpath(best.split("/")[-1], "training_args.json").is_file()


@pytest.mark.parametrize("name", ["early_stopping_patience", "patience"])
def test_patience_stops_after_evaluations_without_improvement(tmp_path, tiny_backbone_dir, tiny_tokenizer, features,
                                                              name):
    # lr 0: the metric can never improve, so training stops after 1 + patience evaluations.
    trainer = make_trainer(
        tmp_path, tiny_backbone_dir, tiny_tokenizer, features, learning_rate=0.0, eta_lr=1e-9,
        eval_steps=1, num_train_epochs=3, **{name: 2},
    )
    trainer.train()
    evaluations = [log for log in trainer.state.log_history if "eval_accuracy" in log]
    assert len(evaluations) == 3
    assert trainer.state.global_step == 3 < trainer.state.max_steps


def test_evaluate_begin_skips_early_evaluations(tmp_path, tiny_backbone_dir, tiny_tokenizer, features):
    trainer = make_trainer(
        tmp_path, tiny_backbone_dir, tiny_tokenizer, features, evaluate_begin=1, eval_steps=2
    )
    assert any(isinstance(callback, EvaluateBeginCallback) for callback in trainer.callback_handler.callbacks)
    trainer.train()
    epochs = [log["epoch"] for log in trainer.state.log_history if "eval_accuracy" in log]
    assert epochs and min(epochs) >= 1


def test_evaluate_begin_by_epoch_is_the_stock_eval_delay(tmp_path, tiny_backbone_dir, tiny_tokenizer, features):
    trainer = make_trainer(
        tmp_path, tiny_backbone_dir, tiny_tokenizer, features, evaluate_begin=2, eval_strategy="epoch",
        save_strategy="epoch", num_train_epochs=3,
    )
    assert not any(isinstance(callback, EvaluateBeginCallback) for callback in trainer.callback_handler.callbacks)
    trainer.train()
    assert [log["epoch"] for log in trainer.state.log_history if "eval_accuracy" in log] == [2.0, 3.0]


def test_optimizer_cls_and_kwargs_keeps_the_eta_group(tmp_path, tiny_backbone_dir, tiny_tokenizer, features):
    # The stock Trainer never asks get_optimizer_cls_and_kwargs when optimizer_cls_and_kwargs is given.
    requested = (torch.optim.SGD, {"lr": 0.2, "momentum": 0.9})
    trainer = make_trainer(tmp_path, tiny_backbone_dir, tiny_tokenizer, features,
                           trainer_kwargs={"optimizer_cls_and_kwargs": requested})
    optimizer = trainer.create_optimizer()
    assert isinstance(optimizer, torch.optim.SGD)
    eta_names = {n for n, _ in trainer.model.named_parameters() if ETA_PARAMETER_PATTERN.search(n)}
    groups = named_groups(trainer, optimizer)
    eta_group = next(group for names, group in groups if names == eta_names)
    assert eta_group["lr"] == 0.05 and eta_group["weight_decay"] == 0.0 and eta_group["momentum"] == 0.9
    assert all(group["lr"] == 0.2 for names, group in groups if names != eta_names)
    assert any(group["weight_decay"] == 0.01 for _, group in groups)


def test_optimizer_with_its_own_groups_is_refused_when_eta_needs_one(tmp_path, tiny_backbone_dir, tiny_tokenizer,
                                                                    features):
    model_parameters = list(build_model(tiny_backbone_dir, "bert_spc").parameters())
    requested = (torch.optim.AdamW, {"params": model_parameters, "lr": 1e-3})
    trainer = make_trainer(tmp_path, tiny_backbone_dir, tiny_tokenizer, features,
                           trainer_kwargs={"optimizer_cls_and_kwargs": requested})
    with pytest.raises(ValueError, match=r"optimizer_cls_and_kwargs builds its own parameter groups \(params\)"):
        trainer.create_optimizer()


def test_a_task_plugs_in_through_the_hooks(tmp_path, tiny_backbone_dir, tiny_tokenizer, features):
    """What a new task supplies (collator, metrics, parameters with their own rate) is used; no eta here."""

    def collator(rows):
        raise AssertionError("not called in this test")

    def metrics(prediction):
        return {"score": 1.0}

    class TaskTrainer(ABSATrainer):
        def build_data_collator(self, processing_class):
            return collator

        def build_compute_metrics(self, model):
            return metrics

        def learning_rate_mapping(self, args):
            return {r"^classifier\.": 0.5}

    model = build_model(tiny_backbone_dir, "bert_spc")
    args = ABSATrainingArguments(output_dir=str(tmp_path), weight_decay=0.01, use_cpu=True, report_to="none")
    trainer = TaskTrainer(model=model, args=args, train_dataset=features["train"], processing_class=tiny_tokenizer)
    assert trainer.data_collator is collator and trainer.compute_metrics is metrics
    assert len(trainer.eval_dataset) == 6  # the held-out tenth of train
    groups = named_groups(trainer, trainer.create_optimizer())
    classifier = {n for n, _ in model.named_parameters() if n.startswith("classifier.")}
    assert [group["lr"] for names, group in groups if names == classifier] == [0.5]
    with pytest.raises(ValueError, match="names no auto_model_class"):
        TaskTrainer(model=model, args=ABSATrainingArguments(output_dir=str(tmp_path), export_mode=2, use_cpu=True))


def test_plain_training_arguments_are_upgraded(tmp_path, tiny_backbone_dir, tiny_tokenizer, features):
    from transformers import TrainingArguments

    model = build_model(tiny_backbone_dir, "bert_spc")
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, learning_rate=3e-4)
    trainer = APCTrainer(model=model, args=args, train_dataset=features["train"], processing_class=tiny_tokenizer)
    assert isinstance(trainer.args, APCTrainingArguments)
    assert trainer.args.learning_rate == 3e-4 and trainer.args.eta_lr == 0.01


def test_bf16_on_cpu_bounds_the_onednn_primitive_cache(tmp_path, tiny_backbone_dir, tiny_tokenizer, features,
                                                       monkeypatch):
    # Dynamic padding makes every batch length a new oneDNN primitive; the default cache (1,024) grew the
    # process by ~400 MB in one bf16 epoch. The bound must be in place before the first bf16 forward pass.
    monkeypatch.delenv(CAPACITY_VARIABLE, raising=False)
    make_trainer(tmp_path / "fp32", tiny_backbone_dir, tiny_tokenizer, features)
    assert CAPACITY_VARIABLE not in os.environ
    make_trainer(tmp_path / "bf16", tiny_backbone_dir, tiny_tokenizer, features, bf16=True, use_cpu=True)
    assert os.environ[CAPACITY_VARIABLE] == str(DEFAULT_CAPACITY)
    # A value the user chose is left alone.
    monkeypatch.setenv(CAPACITY_VARIABLE, "128")
    make_trainer(tmp_path / "bf16-user", tiny_backbone_dir, tiny_tokenizer, features, bf16=True, use_cpu=True)
    assert os.environ[CAPACITY_VARIABLE] == "128"

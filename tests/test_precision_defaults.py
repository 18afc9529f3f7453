"""Fast by default: automatic bf16 where the hardware runs it natively (training and sentiment prediction), and
best-model checkpoints without optimizer state.

tests/conftest.py makes the hardware probe say "no native bf16" for every test; the tests here patch it both ways.
"""

import json

import pytest
import torch

import hf_absa.hardware as hardware
from apc_fixtures import build_features, build_model, synthetic_rows, write_apc_dataset_folder
from hf_absa.commands.train import parse
from hf_absa.training import APCTrainer, APCTrainingArguments
from hf_absa.training.training_args import ATEPCTrainingArguments, replace_arguments

LABELS = ["Negative", "Neutral", "Positive"]


def native(monkeypatch, cpu: bool, cuda: bool = False) -> None:
    monkeypatch.setattr(hardware, "cpu_has_native_bf16", lambda: cpu)
    monkeypatch.setattr(hardware, "cuda_has_native_bf16", lambda: cuda)


# ---- the hardware probe ------------------------------------------------------------------------------------------


@pytest.mark.real_precision_probe
@pytest.mark.parametrize("capabilities, expected", [
    ({"avx512_bf16": True, "avx512_f": True}, True),
    ({"amx_bf16": True, "amx_tile": True}, True),
    ({"avx512_f": True, "avx2": True}, False),
    ({}, False),
])
def test_cpu_probe_reads_torch_cpu_capabilities(monkeypatch, capabilities, expected):
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: capabilities)
    hardware.cpu_has_native_bf16.cache_clear()
    try:
        assert hardware.cpu_has_native_bf16() is expected
        assert hardware.native_bf16("cpu") is expected
    finally:
        hardware.cpu_has_native_bf16.cache_clear()


@pytest.mark.real_precision_probe
def test_cpu_probe_runs_on_this_torch():
    hardware.cpu_has_native_bf16.cache_clear()
    assert isinstance(hardware.cpu_has_native_bf16(), bool)  # the API exists in the pinned torch


@pytest.mark.real_precision_probe
@pytest.mark.parametrize("supported", [True, False])
def test_cuda_probe_counts_native_bf16_only(monkeypatch, supported):
    calls = []

    def is_bf16_supported(including_emulation=True):
        calls.append(including_emulation)
        return supported

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", is_bf16_supported)
    assert hardware.native_bf16("cuda") is supported
    assert calls == [False]  # emulated bf16 (pre-Ampere) is slower than fp32: not counted


@pytest.mark.real_precision_probe
def test_no_cuda_and_other_devices_are_not_native(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert hardware.native_bf16("cuda") is False
    assert hardware.native_bf16("mps") is False and hardware.native_bf16("xpu") is False


def test_decision_flags_win_over_the_probe():
    yes, no = (lambda device_type: True), (lambda device_type: False)
    assert hardware.decide_bf16(None, "cpu", probe=yes) == hardware.PrecisionDecision("bf16", "auto", "cpu")
    assert hardware.decide_bf16(None, "cuda", probe=no) == hardware.PrecisionDecision("fp32", "auto", "cuda")
    assert hardware.decide_bf16(False, "cpu", probe=yes) == hardware.PrecisionDecision("fp32", "flag", "cpu")
    assert hardware.decide_bf16(True, "cpu", probe=no) == hardware.PrecisionDecision("bf16", "flag", "cpu")
    line = hardware.decide_bf16(None, "cpu", probe=yes).describe()
    assert line.startswith("precision: bf16 autocast (auto: cpu has native bf16") and "--bf16 false" in line


# ---- training arguments ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("arguments_class", [APCTrainingArguments, ATEPCTrainingArguments])
def test_unset_bf16_on_a_cpu_with_native_bf16_is_bf16_autocast_on_cpu(tmp_path, monkeypatch, arguments_class):
    native(monkeypatch, cpu=True)
    args = arguments_class(output_dir=str(tmp_path))
    # exactly today's --bf16 --use_cpu: accelerate's CPU autocast
    assert args.bf16 is True and args.use_cpu is True and args.mixed_precision == "bf16"
    assert args.precision_record() == {"precision": "bf16", "precision_source": "auto"}


def test_unset_bf16_on_a_cpu_without_native_bf16_is_fp32(tmp_path, monkeypatch):
    native(monkeypatch, cpu=False)
    args = APCTrainingArguments(output_dir=str(tmp_path))
    assert args.bf16 is False and args.use_cpu is False and args.mixed_precision == "no"
    assert args.precision_record() == {"precision": "fp32", "precision_source": "auto"}


@pytest.mark.parametrize("cuda_native", [True, False])
def test_unset_bf16_with_a_gpu_asks_the_gpu_and_never_moves_the_run_to_cpu(tmp_path, monkeypatch, cuda_native):
    import transformers.training_args

    import hf_absa.training.training_args as training_args

    native(monkeypatch, cpu=True, cuda=cuda_native)  # the CPU would say yes: it must not be asked
    monkeypatch.setattr(training_args, "training_device_type", lambda use_cpu: "cpu" if use_cpu else "cuda")
    monkeypatch.setattr(transformers.training_args, "is_torch_bf16_gpu_available", lambda: cuda_native)
    args = APCTrainingArguments(output_dir=str(tmp_path))
    assert args.bf16 is cuda_native and args.use_cpu is False
    assert args.precision_record() == {"precision": "bf16" if cuda_native else "fp32", "precision_source": "auto"}


def test_fp16_flag_keeps_bf16_off(tmp_path, monkeypatch):
    import hf_absa.training.training_args as training_args

    native(monkeypatch, cpu=True)
    monkeypatch.setattr(training_args, "training_device_type", lambda use_cpu: "cuda")
    # fp16 needs a GPU, which this machine may lack: the decision step alone, as __post_init__ runs it
    args = APCTrainingArguments.__new__(APCTrainingArguments)
    args.bf16, args.fp16, args.fp16_full_eval, args.use_cpu = None, True, False, False
    args._decide_precision()
    assert args.bf16 is False and args.precision == "fp16" and args.precision_source == "flag"


@pytest.mark.parametrize("cpu_native", [True, False])
@pytest.mark.parametrize("flags, bf16, source", [
    ([], None, "auto"),
    (["--bf16"], True, "flag"),
    (["--bf16", "true"], True, "flag"),
    (["--bf16", "false"], False, "flag"),
    (["--bf16=false"], False, "flag"),
])
@pytest.mark.parametrize("task", ["apc", "atepc"])
def test_bf16_flag_forms_through_the_train_parser(tmp_path, monkeypatch, cpu_native, flags, bf16, source, task):
    native(monkeypatch, cpu=cpu_native)
    *_, args = parse(["--task", task, "--output_dir", str(tmp_path), *flags])
    expected = cpu_native if bf16 is None else bf16
    assert args.bf16 is expected and args.precision_source == source
    assert args.precision == ("bf16" if expected else "fp32")
    assert args.use_cpu is expected  # bf16 on a CPU-only machine runs as --bf16 --use_cpu


def test_help_states_the_automatic_default(capsys):
    from hf_absa.commands.train import make_parser

    help_text = " ".join(make_parser().format_help().split())
    assert "--bf16 [BF16]" in help_text and "Default: automatic" in help_text and "--bf16 false forces fp32" in help_text


def test_replaced_arguments_stay_automatic(tmp_path, monkeypatch):
    native(monkeypatch, cpu=True)
    args = APCTrainingArguments(output_dir=str(tmp_path))
    copy = replace_arguments(args, seed=7)
    assert copy.seed == 7 and copy.precision_record() == args.precision_record() == {
        "precision": "bf16", "precision_source": "auto"}
    forced = replace_arguments(APCTrainingArguments(output_dir=str(tmp_path), bf16=False), seed=7)
    assert forced.precision_record() == {"precision": "fp32", "precision_source": "flag"}


# ---- selection-only checkpoints ------------------------------------------------------------------------------------


@pytest.mark.parametrize("settings, expected", [
    ({}, True),                                                   # save_strategy best, the default
    ({"save_strategy": "steps", "save_steps": 0.1}, False),       # periodic checkpoints: resumable
    ({"save_strategy": "epoch", "eval_strategy": "epoch"}, False),
    ({"save_only_model": False}, False),                          # a value you set is kept
    ({"save_strategy": "steps", "save_steps": 0.1, "save_only_model": True}, True),
])
def test_save_only_model_default_follows_the_save_strategy(tmp_path, settings, expected):
    assert APCTrainingArguments(output_dir=str(tmp_path), **settings).save_only_model is expected


@pytest.fixture(scope="module")
def tiny_features(tiny_tokenizer):
    return build_features(tiny_tokenizer, synthetic_rows(48), "bert_spc", LABELS)


def checkpoint_files(folder):
    checkpoints = sorted(folder.glob("checkpoint-*"))
    assert checkpoints, f"no checkpoint in {folder}"
    return {path.name for path in checkpoints[-1].iterdir()}


@pytest.mark.parametrize("strategy", ["best", "steps"])
def test_best_model_checkpoints_hold_the_model_only(tmp_path, tiny_backbone_dir, tiny_tokenizer, tiny_features,
                                                    strategy):
    torch.manual_seed(0)
    args = APCTrainingArguments(
        output_dir=str(tmp_path), max_steps=4, per_device_train_batch_size=8, learning_rate=1e-3,
        eval_steps=2, save_strategy=strategy, save_steps=2, metric_for_best_model="loss", greater_is_better=False,
        disable_tqdm=True, report_to="none",
    )
    trainer = APCTrainer(model=build_model(tiny_backbone_dir, "bert_spc"), args=args,
                         train_dataset=tiny_features["train"],
                         processing_class=tiny_tokenizer)
    trainer.train()
    files = checkpoint_files(tmp_path)
    assert {"model.safetensors", "config.json", "trainer_state.json", "training_args.json"} <= files
    if strategy == "best":
        assert not {"optimizer.pt", "scheduler.pt"} & files and not any(f.startswith("rng_state") for f in files)
    else:
        assert {"optimizer.pt", "scheduler.pt"} <= files and any(f.startswith("rng_state") for f in files)
    # load_best_model_at_end still reloads the selected model
    best = trainer.state.best_model_checkpoint
    assert best is not None
    from safetensors.torch import load_file

    saved = load_file(f"{best}/model.safetensors")
    live = trainer.model.state_dict()
    assert all(torch.equal(live[name], tensor) for name, tensor in saved.items())


# ---- all_results.json and training_args.json ---------------------------------------------------------------------


@pytest.mark.parametrize("cpu_native, flags, record", [
    (True, [], {"precision": "bf16", "precision_source": "auto"}),
    (False, [], {"precision": "fp32", "precision_source": "auto"}),
    (True, ["--bf16", "false"], {"precision": "fp32", "precision_source": "flag"}),
])
def test_train_records_the_precision(tmp_path, monkeypatch, caplog, tiny_backbone_dir, cpu_native, flags, record):
    import logging

    from hf_absa.cli import main

    native(monkeypatch, cpu=cpu_native)
    data = write_apc_dataset_folder(tmp_path / "data")
    out = tmp_path / "run"
    with caplog.at_level(logging.INFO, logger="hf_absa"):
        assert main(["train", "--dataset", str(data), "--backbone", str(tiny_backbone_dir), "--architecture",
                     "bert_spc", "--max_seq_len", "32", "--max_steps", "2", "--eval_steps", "1",
                     "--per_device_train_batch_size", "8", "--disable_tqdm", "true", "--report_to", "none",
                     "--output_dir", str(out), *flags]) == 0
    results = json.loads((out / "all_results.json").read_text())
    assert {key: results[key] for key in record} == record
    arguments = json.loads((out / "training_args.json").read_text())
    assert {key: arguments[key] for key in record} == record and arguments["bf16"] is (record["precision"] == "bf16")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("precision: ")]
    assert len(lines) == 1 and (("auto" in lines[0]) == (record["precision_source"] == "auto"))


@pytest.mark.slow
def test_atepc_train_records_the_precision(tmp_path, monkeypatch, tiny_backbone_dir):
    from atepc_fixtures import write_atepc_dataset_folder
    from hf_absa.training.atepc import train_atepc

    native(monkeypatch, cpu=True)
    data = write_atepc_dataset_folder(tmp_path / "data", n_train=24, n_test=8)
    _, model_args, data_args, training_args = parse([
        "--task", "atepc", "--dataset", str(data), "--backbone", str(tiny_backbone_dir), "--max_seq_len", "16",
        "--max_steps", "2", "--per_device_train_batch_size", "8", "--eval_steps", "1", "--validation_fraction",
        "0.25", "--disable_tqdm", "true", "--report_to", "none", "--output_dir", str(tmp_path / "run"),
    ])
    metrics, trainer = train_atepc(model_args, data_args, training_args)
    assert trainer.accelerator.mixed_precision == "bf16"
    results = json.loads((tmp_path / "run" / "all_results.json").read_text())
    assert results["precision"] == metrics["precision"] == "bf16" and results["precision_source"] == "auto"


# ---- inference -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cpu_native, expected", [(True, "bf16"), (False, "fp32")])
def test_classifier_default_precision_is_automatic(monkeypatch, tiny_apc_checkpoint, cpu_native, expected):
    from hf_absa import SentimentClassifier

    native(monkeypatch, cpu=cpu_native)
    classifier = SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="cpu")
    assert classifier.precision == expected and classifier.precision_source == "auto"
    pinned = SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="cpu", precision="fp32")
    assert pinned.precision == "fp32" and pinned.precision_source == "flag"
    text = "the [B-ASP]battery[E-ASP] is good but the [B-ASP]screen[E-ASP] is dim"
    assert [a["label"] for a in classifier.predict(text)["aspects"]] == [
        a["label"] for a in pinned.predict(text)["aspects"]]


def test_pipeline_and_predict_command_default_to_auto(monkeypatch, tiny_apc_checkpoint, capsys):
    from transformers import pipeline

    from hf_absa.commands.predict import make_parser

    native(monkeypatch, cpu=True)
    assert pipeline("aspect-sentiment", model=str(tiny_apc_checkpoint), device="cpu").classifier.precision == "bf16"
    fp32 = pipeline("aspect-sentiment", model=str(tiny_apc_checkpoint), device="cpu", precision="fp32")
    assert fp32.classifier.precision == "fp32"
    args, _ = make_parser().parse_args_into_dataclasses(args=["--model", str(tiny_apc_checkpoint), "text"])
    assert args.precision == "auto"


@pytest.mark.parametrize("cpu_native, expected", [(True, "bf16"), (False, "fp32")])
def test_extractor_pipeline_and_extract_command_default_to_auto(monkeypatch, tiny_atepc_checkpoint, cpu_native,
                                                                 expected):
    from transformers import pipeline

    import hf_absa  # noqa: F401  (registers aspect-extraction)
    from hf_absa import AspectExtractor
    from hf_absa.commands.extract import make_parser

    native(monkeypatch, cpu=cpu_native)
    extractor = AspectExtractor.from_pretrained(tiny_atepc_checkpoint, device="cpu")
    assert (extractor.precision, extractor.precision_source) == (expected, "auto")
    assert pipeline("aspect-extraction", model=str(tiny_atepc_checkpoint), device="cpu").extractor.precision == expected
    assert AspectExtractor.from_pretrained(tiny_atepc_checkpoint, device="cpu", precision="fp32").precision == "fp32"
    args, _ = make_parser().parse_args_into_dataclasses(args=["--model", str(tiny_atepc_checkpoint), "text"])
    assert args.precision == "auto"


def test_evaluation_batches_are_sorted_by_length_and_give_the_same_figures(tmp_path, tiny_backbone_dir,
                                                                           tiny_tokenizer, tiny_features):
    from hf_absa.training.sampling import sequence_lengths

    args = APCTrainingArguments(output_dir=str(tmp_path), per_device_eval_batch_size=8, eval_strategy="no",
                                save_strategy="no", load_best_model_at_end=False, bf16=False, report_to="none")
    # lengths 6..13 in no order (the synthetic rows are all of one length)
    dataset = tiny_features["train"].map(
        lambda row, i: {k: row[k][: 6 + (i * 5) % 8] for k in ("input_ids", "attention_mask", "token_type_ids")},
        with_indices=True)
    trainer = APCTrainer(model=build_model(tiny_backbone_dir, "bert_spc"), args=args, train_dataset=dataset,
                         processing_class=tiny_tokenizer)
    batches = [batch["input_ids"].shape[1] for batch in trainer.get_eval_dataloader(dataset)]
    assert batches == sorted(batches)
    assert sum(batches) < sum(max(sequence_lengths(dataset.select(range(i, min(i + 8, len(dataset))))))
                              for i in range(0, len(dataset), 8))
    # predict keeps the dataset's order (the stock sampler shuffles it under group_by_length)
    predictions = trainer.predict(dataset).predictions
    trainer.model.eval()
    with torch.no_grad():
        for row in range(0, len(dataset), 5):
            example = {k: torch.tensor([dataset[row][k]]) for k in ("input_ids", "attention_mask", "token_type_ids")}
            assert torch.allclose(trainer.model(**example).logits[0], torch.as_tensor(predictions[row]), atol=1e-4)
    sorted_figures = trainer.evaluate(dataset)
    trainer.sort_evaluation_by_length = False
    plain_figures = trainer.evaluate(dataset)
    for name in ("eval_accuracy", "eval_f1"):
        assert sorted_figures[name] == plain_figures[name]
    assert sorted_figures["eval_loss"] == pytest.approx(plain_figures["eval_loss"], rel=1e-5)

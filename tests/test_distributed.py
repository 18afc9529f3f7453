"""Two-process DDP on CPU (gloo), launched by torchrun and by accelerate, against a one-process run.

`hf-absa train` runs unchanged under either launcher (hf-practices §5.3 / P7: the CPU variant needs
``--use_cpu`` or ``ACCELERATE_USE_CPU=true``). Dropout is off, so two processes with 8 examples each and
one process with 16 train the same model up to float summation order: for APC, and for ATEPC, whose token and
aspect losses are averaged over the whole optimizer step (`ATEPCTrainer.loss_item_counts`), not per process.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import Trainer

from apc_fixtures import build_model, write_apc_dataset_folder
from atepc_fixtures import synthetic_sentences, write_unified_tag_file
from hf_absa import APCModelForSequenceClassification
from hf_absa.cli import main
from hf_absa.models import ATEPCModelForTokenClassification
from hf_absa.training import APCTrainer, APCTrainingArguments
from hf_absa.training.export import BACKBONE_EXPORT_DIR

ACCELERATE_CONFIGS = Path(__file__).resolve().parents[1] / "examples" / "accelerate_configs"

ETA_LR = 0.05
LAUNCHERS = {
    "torchrun": ([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "{port}",
                  "-m", "hf_absa"], {}),
    "accelerate": ([sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
                    "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
                    "--main_process_port", "{port}", "-m", "hf_absa"], {"ACCELERATE_USE_CPU": "true"}),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def setup(tmp_path_factory, tiny_backbone_dir):
    """Data (48 train examples: 3 global batches of 16 per epoch) and a dropout-free copy of the tiny backbone."""
    root = tmp_path_factory.mktemp("ddp")
    backbone = root / "backbone"
    shutil.copytree(tiny_backbone_dir, backbone)
    config = json.loads((backbone / "config.json").read_text())
    config.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    (backbone / "config.json").write_text(json.dumps(config))
    return root, write_apc_dataset_folder(root / "data"), backbone


def run_train_command(flags, output_dir, launcher=None):
    """``hf-absa train FLAGS`` in a subprocess, in one process or under ``launcher``; returns ``output_dir``."""
    prefix, env = LAUNCHERS[launcher] if launcher else ([sys.executable, "-m", "hf_absa"], {})
    command = [part.format(port=free_port()) for part in prefix] + [
        "train", *map(str, flags), "--seed", "3", "--disable_tqdm", "true", "--report_to", "none",
        "--output_dir", str(output_dir),
    ]
    if launcher != "accelerate":
        command.append("--use_cpu")
    command += ["--bf16", "false"]  # the runs are compared figure by figure: fp32 whatever the CPU's bf16 support
    env = dict(os.environ, OMP_NUM_THREADS="1", **env)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return output_dir


def train(setup, name, launcher=None, per_device_batch=16):
    root, data_dir, backbone = setup
    flags = [
        "--dataset", data_dir, "--backbone", backbone, "--architecture", "fast_lsa_t_v2",
        "--dropout", "0", "--max_seq_len", "40", "--num_train_epochs", "2", "--learning_rate", "1e-3",
        "--eta_lr", ETA_LR, "--per_device_train_batch_size", per_device_batch,
        "--eval_steps", "3", "--save_strategy", "steps", "--save_steps", "3",
        "--metric_for_best_model", "loss", "--greater_is_better", "false",
        "--lr_scheduler_type", "cosine", "--warmup_steps", "0.1", "--max_grad_norm", "1.0",
    ]
    return run_train_command(flags, root / name, launcher)


@pytest.fixture(scope="module")
def single_process_run(setup):
    return train(setup, "single")


@pytest.mark.slow
@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_two_processes_train_like_one(setup, single_process_run, launcher):
    output_dir = train(setup, launcher, launcher=launcher, per_device_batch=8)

    # one writer: one set of results and one model, nothing half-written or staged left behind
    assert [p.relative_to(output_dir).as_posix() for p in output_dir.rglob("all_results.json")] == [
        "all_results.json"
    ]
    assert not [p for p in output_dir.rglob(".*")]
    state = json.loads((output_dir / "trainer_state.json").read_text())
    # 48 examples, 8 per process: 3 optimizer steps per epoch only when 2 processes share each batch
    assert state["train_batch_size"] == 8 and state["global_step"] == 6
    checkpoint = output_dir / "checkpoint-6"  # the best on validation loss, kept at the end
    assert sorted(p.name for p in checkpoint.glob("rng_state*")) == ["rng_state_0.pth", "rng_state_1.pth"]
    # the eta group survives DDP with its own learning rate and no weight decay
    optimizer = torch.load(checkpoint / "optimizer.pt", weights_only=True)
    eta_groups = [g for g in optimizer["param_groups"] if g["initial_lr"] == ETA_LR]
    assert len(eta_groups) == 1 and eta_groups[0]["weight_decay"] == 0.0 and len(eta_groups[0]["params"]) == 2
    # warmup + cosine decayed every group to ~0 at the last step
    assert all(g["lr"] < 1e-3 * g["initial_lr"] for g in optimizer["param_groups"])

    # the result loads and scores like the one-process run with the same global batch
    single = json.loads((single_process_run / "all_results.json").read_text())
    ddp = json.loads((output_dir / "all_results.json").read_text())
    for key in ("eval_loss", "eval_accuracy", "test_loss", "test_accuracy", "test_f1"):
        assert ddp[key] == pytest.approx(single[key], abs=1e-4), key
    single_weights = load_file(single_process_run / "model.safetensors")
    loaded = APCModelForSequenceClassification.from_pretrained(output_dir).state_dict()
    for name, tensor in single_weights.items():
        torch.testing.assert_close(loaded[name], tensor, atol=1e-4, rtol=0)


# Unified-tag files with a dev split (nothing held out of train): 48 train sentences, 3 global batches of 16; 13
# dev and test sentences, so that the last evaluation batch is short and, under DDP, padded with repeats.
ATEPC_SPLITS = {"train": (48, 0), "dev": (13, 1), "test": (13, 2)}
ATEPC_MAIN_FIGURES = ("ate_f1", "e2e_f1", "apc_accuracy", "apc_f1")


@pytest.fixture(scope="module")
def atepc_data(setup):
    folder = setup[0] / "atepc-data"
    folder.mkdir()
    for split, (count, seed) in ATEPC_SPLITS.items():
        write_unified_tag_file(folder / f"tiny.{split}.txt", synthetic_sentences(count, seed))
    return folder


def atepc_flags(setup, atepc_data, per_device_batch, per_device_eval_batch, *extra):
    return ["--task", "atepc", "--dataset", atepc_data, "--backbone", setup[2], "--architecture", "fast_lcf_atepc",
            "--dropout", 0, "--max_seq_len", 16, "--learning_rate", 1e-3,
            "--per_device_train_batch_size", per_device_batch, "--per_device_eval_batch_size", per_device_eval_batch,
            *extra]


def output_files(folder):
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


@pytest.mark.slow
def test_two_processes_train_atepc_like_one(setup, atepc_data, tmp_path):
    schedule = ["--num_train_epochs", 2, "--eval_steps", 3, "--save_strategy", "steps", "--save_steps", 3]
    single = run_train_command(atepc_flags(setup, atepc_data, 16, 2, *schedule), tmp_path / "single")
    # One sentence per process per evaluation batch: an aspect-free sentence on one process meets (1, 0, ...)
    # aspect tensors that the Trainer pads to the other process's aspect count before gathering.
    ddp = run_train_command(atepc_flags(setup, atepc_data, 8, 1, *schedule), tmp_path / "ddp", launcher="torchrun")

    # One writer: the files of the one-process run (one model, the same checkpoints), one RNG state per process.
    assert [name for name in output_files(ddp) if "rng_state" not in name] == [
        name for name in output_files(single) if "rng_state" not in name
    ]
    assert sorted(p.name for p in (ddp / "checkpoint-6").glob("rng_state*")) == ["rng_state_0.pth", "rng_state_1.pth"]
    state = json.loads((ddp / "trainer_state.json").read_text())
    assert state["train_batch_size"] == 8 and state["global_step"] == 6

    single_results = json.loads((single / "all_results.json").read_text())
    ddp_results = json.loads((ddp / "all_results.json").read_text())
    assert single_results["test_num_predicted_aspects"] > 0  # the model tags something: the figures can differ
    for split, prefix in (("dev", "eval"), ("test", "test")):
        sentences = synthetic_sentences(*ATEPC_SPLITS[split])
        # every sentence scored once, though the last batch of each process was padded with repeats
        assert ddp_results[f"{prefix}_num_sentences"] == len(sentences)
        assert ddp_results[f"{prefix}_num_gold_aspects"] == sum(tag == "B-ASP" for words in sentences
                                                                for _, tag, _ in words)
        for name in (*ATEPC_MAIN_FIGURES, "pyabsa_ate_f1", "num_predicted_aspects"):
            assert 0.0 <= ddp_results[f"{prefix}_{name}"] <= len(sentences) * 2, name
            assert ddp_results[f"{prefix}_{name}"] == pytest.approx(single_results[f"{prefix}_{name}"], abs=1e-4), (
                f"{prefix}_{name}")
    # Averaged per process, the losses would weigh a token by its process's labelled-token count: ~1e-2 apart here.
    single_weights = load_file(single / "model.safetensors")
    ddp_weights = load_file(ddp / "model.safetensors")
    for name, tensor in single_weights.items():
        torch.testing.assert_close(ddp_weights[name], tensor, atol=1e-4, rtol=0, msg=name)


def test_atepc_gradient_accumulation_trains_like_one_batch(setup, atepc_data, tmp_path, capsys):
    """Two accumulated batches of 4 make the optimizer step of one batch of 8: the token and aspect losses are
    averaged over the labelled items of the whole step."""
    weights = {}
    for name, batch, accumulation in (("one", 8, 1), ("accumulated", 4, 2)):
        flags = atepc_flags(setup, atepc_data, batch, 8, "--gradient_accumulation_steps", accumulation,
                            "--max_steps", 3, "--eval_strategy", "no", "--save_strategy", "no",
                            "--load_best_model_at_end", "false", "--use_cpu", "--seed", 3, "--disable_tqdm", "true",
                            "--report_to", "none", "--output_dir", tmp_path / name)
        assert main(["train", *map(str, flags)]) == 0, capsys.readouterr().err[-3000:]
        weights[name] = load_file(tmp_path / name / "model.safetensors")
    for name, tensor in weights["one"].items():
        torch.testing.assert_close(weights["accumulated"][name], tensor, atol=1e-4, rtol=0, msg=name)


def test_atepc_loss_shares_of_a_split_batch_add_up_to_its_loss(tiny_backbone_dir):
    """What each process computes under DDP: its rows' losses divided by the whole batch's labelled counts."""
    model = ATEPCModelForTokenClassification.from_pretrained(
        tiny_backbone_dir, polarity_labels=["Negative", "Positive"], atepc_model="fast_lcf_atepc").eval()
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (4, 9), generator=generator)
    labels[:, 0] = labels[0, 4:] = -100  # the first two rows hold fewer labelled tokens than the last two
    batch = {
        "input_ids": torch.randint(5, 60, (4, 9), generator=generator),
        "labels": labels,
        "aspect_spans": torch.tensor([[[1, 3], [4, 5]], [[2, 3], [-1, -1]], [[-1, -1]] * 2, [[6, 8], [-1, -1]]]),
        "polarity_labels": torch.tensor([[0, 1], [1, -100], [-100, -100], [0, -100]]),
    }
    # the tag count includes the special tokens that boundary_loss classifies (ATEPCTrainer.loss_item_counts)
    tag_targets = model.boundary_targets(labels, torch.ones_like(labels))
    counts = torch.stack([tag_targets.ne(-100).sum(), batch["polarity_labels"].ne(-100).sum()])
    halves = [{name: value[rows] for name, value in batch.items()} for rows in (slice(0, 2), slice(2, 4))]
    with torch.no_grad():
        whole = model(**batch).loss
        shares = [model(**half, loss_item_counts=counts).loss for half in halves]
        per_half_means = [model(**half).loss for half in halves]
    torch.testing.assert_close(shares[0] + shares[1], whole)
    assert not torch.allclose((per_half_means[0] + per_half_means[1]) / 2, whole)


def test_final_save_exports_from_the_gathered_state_dict(tmp_path, tiny_backbone_dir, tiny_tokenizer, monkeypatch):
    """Under FSDP / ZeRO-3 the live modules are shards: the stock `save_model` hands `_save` the gathered state
    dict, and the mode-3 backbone must be cut from the weights so saved (hf-practices P12), not from the live
    backbone."""
    model = build_model(tiny_backbone_dir, "bert_spc")
    args = APCTrainingArguments(output_dir=str(tmp_path), save_mode=3, eval_strategy="no", save_strategy="no",
                                load_best_model_at_end=False, use_cpu=True, report_to="none")
    trainer = APCTrainer(model=model, args=args, processing_class=tiny_tokenizer)
    gathered = {name: tensor + 1.0 for name, tensor in model.state_dict().items()}
    stock_save = Trainer._save

    def save_gathered(self, output_dir=None, state_dict=None):  # what the FSDP / DeepSpeed branches pass
        return stock_save(self, output_dir, state_dict=dict(gathered))

    monkeypatch.setattr(Trainer, "_save", save_gathered)
    trainer.save_model()
    saved = load_file(tmp_path / "model.safetensors")
    backbone = load_file(tmp_path / BACKBONE_EXPORT_DIR / "model.safetensors")
    assert torch.equal(saved["classifier.weight"], gathered["classifier.weight"])
    for name, tensor in backbone.items():
        torch.testing.assert_close(tensor, gathered[f"backbone.{name}"])


@pytest.mark.parametrize("name, distributed_type", [
    ("single_gpu", "NO"), ("multi_gpu", "MULTI_GPU"), ("deepspeed_zero2", "DEEPSPEED"), ("fsdp", "FSDP"),
])
def test_example_accelerate_configs_load(name, distributed_type):
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(ACCELERATE_CONFIGS / f"{name}.yaml"))
    assert config.distributed_type.value == distributed_type
    if distributed_type == "FSDP":  # the eta group needs individual parameters; export needs the full state
        assert config.fsdp_config["fsdp_use_orig_params"] is True
        assert config.fsdp_config["fsdp_state_dict_type"] == "FULL_STATE_DICT"

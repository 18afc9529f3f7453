"""Two-process DDP on CPU (gloo), launched by torchrun and by accelerate, against a one-process run.

`hf-absa train` runs unchanged under either launcher (hf-practices §5.3 / P7: the CPU variant needs
``--use_cpu`` or ``ACCELERATE_USE_CPU=true``). Dropout is off, so two processes with 8 examples each and
one process with 16 train the same model up to float summation order.
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
from hf_absa import APCModelForSequenceClassification
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


def train(setup, name, launcher=None, per_device_batch=16):
    root, data_dir, backbone = setup
    output_dir = root / name
    prefix, env = LAUNCHERS[launcher] if launcher else ([sys.executable, "-m", "hf_absa"], {})
    command = [part.format(port=free_port()) for part in prefix] + [
        "train", "--dataset", str(data_dir), "--backbone", str(backbone), "--architecture", "fast_lsa_t_v2",
        "--dropout", "0", "--max_seq_len", "40", "--num_train_epochs", "2", "--learning_rate", "1e-3",
        "--eta_lr", str(ETA_LR), "--per_device_train_batch_size", str(per_device_batch),
        "--eval_steps", "3", "--save_strategy", "steps", "--save_steps", "3",
        "--metric_for_best_model", "loss", "--greater_is_better", "false",
        "--lr_scheduler_type", "cosine", "--warmup_steps", "0.1", "--max_grad_norm", "1.0",
        "--seed", "3", "--disable_tqdm", "true", "--report_to", "none", "--output_dir", str(output_dir),
    ]
    if launcher != "accelerate":
        command.append("--use_cpu")
    env = dict(os.environ, OMP_NUM_THREADS="1", **env)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return output_dir


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

"""Hub upload and model cards, offline: `HfApi`'s upload calls are patched and what they would send is checked.

Loading by Hub id is checked by laying the uploaded files out as a Hugging Face cache and running the card's
own usage snippets in a fresh offline process: transformers resolves the id exactly as after a download.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import pytest
import torch
from huggingface_hub import HfApi, ModelCard, RepoUrl, metadata_load
from huggingface_hub.utils import filter_repo_objects
from huggingface_hub.utils._paths import DEFAULT_IGNORE_PATTERNS

from apc_fixtures import build_features, build_model, synthetic_rows, write_apc_dataset_folder
from hf_absa import push_to_hub
from hf_absa.training.model_card import APCModelCardData
from hf_absa.cli import main
from hf_absa.training import APCTrainer, APCTrainingArguments
from hf_absa.training.export import BACKBONE_EXPORT_DIR
from remote_code import run_without_hf_absa

LABELS = ["Negative", "Neutral", "Positive"]
PICKLE_SUFFIXES = (".bin", ".pkl", ".pickle", ".pt", ".pth")
REPO_ID = "me/tiny-absa"


class FakeHub:
    """Stands in for the Hub: records create_repo / create_branch / upload_folder calls (and their order in
    `calls`) and keeps a copy of every uploaded repo."""

    def __init__(self, store: Path):
        self.store = store
        self.created, self.branches, self.uploads, self.calls = [], [], [], []

    def install(self, monkeypatch):
        hub = self

        def create_repo(api, repo_id, **kwargs):
            hub.created.append({"repo_id": repo_id, **kwargs})
            hub.calls.append("create_repo")
            return RepoUrl(f"https://huggingface.co/{repo_id}")

        def upload_folder(api, *, repo_id, folder_path, allow_patterns=None, ignore_patterns=None, **kwargs):
            folder = Path(folder_path)
            local = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
            ignore = list(ignore_patterns or []) + DEFAULT_IGNORE_PATTERNS  # what the real upload_folder adds
            files = list(filter_repo_objects(local, allow_patterns=allow_patterns, ignore_patterns=ignore))
            remote = hub.store / repo_id
            shutil.rmtree(remote, ignore_errors=True)
            for name in files:
                (remote / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(folder / name, remote / name)
            hub.uploads.append({"repo_id": repo_id, "folder": folder, "files": set(files),
                                "ignore_patterns": ignore_patterns, **kwargs})
            hub.calls.append("upload_folder")
            url = f"https://huggingface.co/{repo_id}/commit/{'0' * 40}"
            if not kwargs.get("run_as_future"):
                return url
            done = Future()  # the real call reads the folder later, in a thread; this one already has
            done.set_result(url)
            return done

        def create_branch(api, repo_id, *, branch, **kwargs):
            hub.branches.append({"repo_id": repo_id, "branch": branch, **kwargs})
            hub.calls.append("create_branch")

        def refuse(api, *args, **kwargs):
            raise AssertionError("unexpected Hub call")

        monkeypatch.setattr(HfApi, "create_repo", create_repo)
        monkeypatch.setattr(HfApi, "create_branch", create_branch)
        monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
        for name in ("create_commit", "model_info", "whoami"):
            monkeypatch.setattr(HfApi, name, refuse)
        return self


@pytest.fixture
def fake_hub(monkeypatch, tmp_path):
    return FakeHub(tmp_path / "hub").install(monkeypatch)


@pytest.fixture(scope="module")
def cli_pushed(tmp_path_factory, tiny_backbone_dir):
    """``hf-absa train ... --save_mode 2 --push_to_hub --hub_model_id me/tiny-absa`` against the fake Hub."""
    root = tmp_path_factory.mktemp("push")
    data_dir = write_apc_dataset_folder(root / "data")
    output_dir = root / "run"
    with pytest.MonkeyPatch.context() as monkeypatch:
        hub = FakeHub(root / "hub").install(monkeypatch)
        code = main([
            "train", "--dataset", str(data_dir), "--backbone", str(tiny_backbone_dir), "--architecture", "bert_spc",
            "--max_seq_len", "40", "--num_train_epochs", "1", "--per_device_train_batch_size", "8",
            "--learning_rate", "1e-3", "--save_mode", "2", "--push_to_hub", "--hub_model_id", REPO_ID,
            "--use_cpu", "--disable_tqdm", "true", "--report_to", "none", "--output_dir", str(output_dir),
        ])
    assert code == 0
    return output_dir, hub


def python_blocks(card: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", card, flags=re.S)


def assert_hub_ready(files: set[str]) -> None:
    assert {"model.safetensors", "config.json", "tokenizer_config.json", "README.md"} <= files
    assert not [f for f in files if f.startswith(("checkpoint-", ".", "_")) or "/." in f]
    assert not [f for f in files if f.endswith(PICKLE_SUFFIXES)]


def test_train_push_to_hub_uploads_the_export_with_a_card(cli_pushed, tiny_backbone_dir):
    output_dir, hub = cli_pushed
    assert [call["repo_id"] for call in hub.created] == [REPO_ID]
    assert hub.branches == []  # no revision: the upload goes to main, no branch is made
    assert len(hub.uploads) == 1  # hub_strategy "end": one push, of the final model
    upload = hub.uploads[0]
    assert upload["repo_id"] == REPO_ID and upload["folder"] == output_dir
    files = upload["files"]
    assert_hub_ready(files)
    assert {"configuration_apc.py", "modeling_apc.py", "all_results.json", "training_args.json"} <= files
    assert list(output_dir.glob("checkpoint-*")), "the run keeps its best checkpoint locally"
    assert json.loads((output_dir / "config.json").read_text())["auto_map"]

    results = json.loads((output_dir / "all_results.json").read_text())
    card_path = hub.store / REPO_ID / "README.md"
    card = card_path.read_text()
    metadata = metadata_load(card_path)
    assert metadata["library_name"] == "hf_absa" and metadata["pipeline_tag"] == "text-classification"
    assert {"absa", "aspect-based-sentiment-analysis", "hf_absa", "bert_spc"} <= set(metadata["tags"])
    reported = {m["type"]: m["value"] for m in metadata["model-index"][0]["results"][0]["metrics"]}
    assert reported == {"accuracy": results["test_accuracy"], "f1": results["test_f1"]}
    for key in ("eval_accuracy", "eval_f1", "test_accuracy", "test_f1", "test_f1_Negative", "test_f1_Positive"):
        assert f"{results[key]:.4f}" in card, key
    assert f'SentimentClassifier.from_pretrained("{REPO_ID}")' in card
    assert f'pipeline("text-classification", model="{REPO_ID}", trust_remote_code=True)' in card
    assert "**Training data:** data" in card  # the data folder's base name, not its local path
    assert str(output_dir.parent) not in card and str(tiny_backbone_dir) not in card  # no local paths
    assert f"**Backbone:** `{tiny_backbone_dir.name}`" in card
    assert "| learning_rate | 0.001 |" in card and "| max_seq_len |" in card
    assert "| srd |" not in card  # bert_spc reads no local-context window


def test_card_snippets_load_the_model_by_hub_id(cli_pushed, tmp_path, monkeypatch):
    """The uploaded repo, laid out as a Hub cache: `from_pretrained("me/tiny-absa")` resolves it offline."""
    _, hub = cli_pushed
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo_cache = tmp_path / "cache" / f"models--{REPO_ID.replace('/', '--')}"
    shutil.copytree(hub.store / REPO_ID, repo_cache / "snapshots" / commit)
    (repo_cache / "refs").mkdir()
    (repo_cache / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    card = (hub.store / REPO_ID / "README.md").read_text()
    with_hf_absa, *remote_code = python_blocks(card)
    assert "SentimentClassifier" in with_hf_absa
    assert len(remote_code) == 2 and all("trust_remote_code=True" in block for block in remote_code)

    result = subprocess.run([sys.executable, "-c", with_hf_absa], cwd=tmp_path, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])), timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"'label': '(Negative|Neutral|Positive)'", result.stdout)
    # save mode 2: the text-classification pipeline and AutoModel work from the Hub id without hf_absa
    result = run_without_hf_absa("\n\n".join(remote_code), workdir=tmp_path)
    assert re.search(r"'label': '(Negative|Neutral|Positive)'", result.stdout)
    assert list((tmp_path / "modules").rglob("modeling_apc.py"))


def test_push_of_a_saved_folder_renders_the_card_for_the_repo(cli_pushed, fake_hub, capsys):
    output_dir, _ = cli_pushed
    push_to_hub(output_dir, "me/renamed", private=True)
    assert fake_hub.created == [{"repo_id": "me/renamed", "private": True, "exist_ok": True}]
    assert fake_hub.branches == []
    upload = fake_hub.uploads[0]
    assert upload["folder"] == output_dir
    assert_hub_ready(upload["files"])
    card = (output_dir / "README.md").read_text()
    assert 'SentimentClassifier.from_pretrained("me/renamed")' in card and REPO_ID not in card
    results = json.loads((output_dir / "all_results.json").read_text())
    assert f"{results['test_accuracy']:.4f}" in card
    assert "**Training data:** data" in card  # carried over from the card written at training time

    assert main(["push", "--folder", str(output_dir), "--repo_id", "me/again"]) == 0
    assert "me/again" in capsys.readouterr().out
    assert fake_hub.uploads[-1]["repo_id"] == "me/again"
    assert main(["push", "--folder", str(output_dir / "missing"), "--repo_id", "me/again"]) == 2


def test_push_to_a_new_branch_creates_it_before_the_upload(cli_pushed, fake_hub):
    output_dir, _ = cli_pushed
    push_to_hub(output_dir, "me/branched", revision="experiment-1")
    assert fake_hub.calls == ["create_repo", "create_branch", "upload_folder"]
    assert fake_hub.branches == [{"repo_id": "me/branched", "branch": "experiment-1", "exist_ok": True}]
    assert fake_hub.uploads[0]["repo_id"] == "me/branched" and fake_hub.uploads[0]["revision"] == "experiment-1"

    assert main(["push", "--folder", str(output_dir), "--repo_id", "me/cli-branch", "--revision", "v2"]) == 0
    assert fake_hub.calls[3:] == ["create_repo", "create_branch", "upload_folder"]
    assert fake_hub.branches[-1] == {"repo_id": "me/cli-branch", "branch": "v2", "exist_ok": True}
    assert fake_hub.uploads[-1]["revision"] == "v2"

    push_to_hub(output_dir, "me/on-main")  # without a revision nothing is branched
    assert fake_hub.calls[6:] == ["create_repo", "upload_folder"] and len(fake_hub.branches) == 2
    assert fake_hub.uploads[-1]["revision"] is None


def test_trainer_push_to_hub_uploads_the_mode_3_backbone(fake_hub, tmp_path, tiny_backbone_dir, tiny_tokenizer):
    features = build_features(tiny_tokenizer, synthetic_rows(24), "fast_lsa_t_v2", LABELS)
    torch.manual_seed(0)
    args = APCTrainingArguments(
        output_dir=str(tmp_path / "out"), max_steps=2, eval_strategy="no", save_strategy="no",
        load_best_model_at_end=False, save_mode=3, hub_model_id="me/mode3", use_cpu=True, disable_tqdm=True,
        report_to="none",
    )
    trainer = APCTrainer(model=build_model(tiny_backbone_dir, "fast_lsa_t_v2"), args=args,
                         train_dataset=features["train"], processing_class=tiny_tokenizer, dataset_name="laptop14")
    trainer.train()
    trainer.push_to_hub()
    files = fake_hub.uploads[0]["files"]
    assert_hub_ready(files)
    backbone = {f"{BACKBONE_EXPORT_DIR}/{name}" for name in ("model.safetensors", "config.json", "tokenizer.json")}
    assert backbone <= files
    card = (fake_hub.store / "me/mode3" / "README.md").read_text()
    assert f'AutoModel.from_pretrained("me/mode3", subfolder="{BACKBONE_EXPORT_DIR}")' in card
    assert "**Training data:** Laptop14" in card and "No evaluation results" in card
    assert 'pipeline("text-classification"' not in card  # fast_lsa_t_v2 needs hf_absa's local-context inputs


def test_save_model_writes_the_card_without_network(tmp_path, tiny_backbone_dir, tiny_tokenizer, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network")

    monkeypatch.setattr(HfApi, "model_info", refuse)
    features = build_features(tiny_tokenizer, synthetic_rows(24), "bert_spc", LABELS)
    args = APCTrainingArguments(output_dir=str(tmp_path / "out"), max_steps=1, eval_strategy="no",
                                save_strategy="no", load_best_model_at_end=False, use_cpu=True, report_to="none")
    trainer = APCTrainer(model=build_model(tiny_backbone_dir, "bert_spc"), args=args,
                         train_dataset=features["train"], processing_class=tiny_tokenizer)
    trainer.save_model(str(tmp_path / "elsewhere"))
    card = (tmp_path / "elsewhere" / "README.md").read_text()
    assert f'SentimentClassifier.from_pretrained("{tmp_path / "elsewhere"}")' in card
    assert APCModelCardData.from_folder(tmp_path / "elsewhere").apc_model == "bert_spc"


def test_checkpoint_pushes_upload_the_renamed_checkpoint(fake_hub, tmp_path, tiny_backbone_dir, tiny_tokenizer):
    """hub_strategy="checkpoint" uploads each checkpoint folder: the final one, never the staging folder."""
    features = build_features(tiny_tokenizer, synthetic_rows(24), "bert_spc", LABELS)
    args = APCTrainingArguments(
        output_dir=str(tmp_path / "out"), max_steps=2, per_device_train_batch_size=8, eval_strategy="no",
        save_strategy="steps", save_steps=1, load_best_model_at_end=False, push_to_hub=True,
        hub_model_id="me/ckpt", hub_strategy="checkpoint", use_cpu=True, disable_tqdm=True, report_to="none",
    )
    trainer = APCTrainer(model=build_model(tiny_backbone_dir, "bert_spc"), args=args,
                         train_dataset=features["train"], processing_class=tiny_tokenizer)
    trainer.train()
    checkpoint_uploads = [u for u in fake_hub.uploads if u.get("path_in_repo") == "last-checkpoint"]
    assert [u["folder"].name for u in checkpoint_uploads] == ["checkpoint-1", "checkpoint-2"]
    assert all(u["folder"].parent == tmp_path / "out" for u in checkpoint_uploads)
    assert {"optimizer.pt", "trainer_state.json"} <= checkpoint_uploads[-1]["files"]


def test_push_to_hub_needs_a_saved_model(tmp_path):
    with pytest.raises(ValueError, match="save_mode=0"):
        APCTrainingArguments(output_dir=str(tmp_path), push_to_hub=True, save_mode=0)


def test_push_renders_the_atepc_card_for_an_atepc_folder(fake_hub, tmp_path, tiny_atepc_checkpoint, capsys):
    folder = tmp_path / "atepc"
    shutil.copytree(tiny_atepc_checkpoint, folder)
    push_to_hub(folder, "me/tiny-atepc", dataset="laptop14", base_model="me/tiny-bert")
    card = (folder / "README.md").read_text()
    metadata = ModelCard(card).data
    assert 'AspectExtractor.from_pretrained("me/tiny-atepc")' in card
    assert (metadata.pipeline_tag, metadata.base_model, metadata.datasets, metadata.language) == (
        "token-classification", "me/tiny-bert", ["Laptop14"], "en")
    assert fake_hub.uploads[0]["repo_id"] == "me/tiny-atepc"
    # the CLI: the card's metadata flags, and a folder of no task refused in one line
    assert main(["push", "--folder", str(folder), "--repo_id", "me/cli-atepc", "--license", "mit",
                 "--language", "en", "fr"]) == 0
    metadata = ModelCard((folder / "README.md").read_text()).data
    assert (metadata.license, metadata.language, metadata.base_model) == ("mit", ["en", "fr"], "me/tiny-bert")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "config.json").write_text(json.dumps({"id2label": {"0": "O"}}))
    assert main(["push", "--folder", str(tmp_path / "other"), "--repo_id", "me/x"]) == 2
    assert "config.json without apc_model or atepc_model" in capsys.readouterr().err

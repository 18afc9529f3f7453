"""ATEPC training on the task-neutral core: `hf-absa train --task atepc`, exports, resume, the experiment runner.

Tiny runs (a few optimizer steps of the random tiny BERT of conftest.py on synthetic sentences written here), so
the figures themselves mean nothing; what is asserted is where they come from and what the files hold.
"""

import json
import shutil

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModel, AutoModelForTokenClassification

from atepc_fixtures import synthetic_sentences, write_atepc_dataset_folder, write_unified_tag_file
from hf_absa.cli import main
from hf_absa.models import ATEPC_TAGS, ATEPCModelForTokenClassification
from hf_absa.training.atepc import ATEPCModelArguments, ATEPCSetup
from hf_absa.training.atepc_trainer import sentence_classes
from remote_code import run_without_hf_absa

MAIN_FIGURES = ("test_ate_f1", "test_apc_accuracy", "test_apc_f1", "test_e2e_f1")
MAX_SEQ_LEN = 9  # [CLS] + 7 words + [SEP]: the second aspect of the longer synthetic sentences is cut off


def train(argv, capsys):
    code = main(["train", "--task", "atepc", *map(str, argv)])
    captured = capsys.readouterr()
    assert code == 0, captured.err[-3000:]
    return captured.out


def tiny_flags(data, backbone, out, *extra):
    return ["--dataset", data, "--backbone", backbone, "--architecture", "fast_lcf_atepc",
            "--max_seq_len", MAX_SEQ_LEN, "--per_device_train_batch_size", 8, "--learning_rate", 1e-3,
            "--use_cpu", "--disable_tqdm", "true", "--output_dir", out, *extra]


def expected_cut_off(sentences, max_seq_len=MAX_SEQ_LEN):
    """Aspects whose last word is beyond the first max_seq_len - 2 words (every synthetic word is one WordPiece)."""
    cut_off = 0
    for words in sentences:
        tags = [tag for _, tag, _ in words]
        for start, tag in enumerate(tags):
            if tag == "B-ASP":
                end = start + 1
                while end < len(tags) and tags[end] == "I-ASP":
                    end += 1
                cut_off += end > max_seq_len - 2
    return cut_off


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory):
    return write_atepc_dataset_folder(tmp_path_factory.mktemp("atepc-data"), n_train=32, n_test=12)


@pytest.fixture(scope="module")
def mode_2_run(data_folder, tiny_backbone_dir, tmp_path_factory):
    """One CLI run with export mode 2 and --report_max_test: (output folder, stdout)."""
    out = tmp_path_factory.mktemp("atepc-run") / "run"
    code = main(["train", "--task", "atepc", *map(str, tiny_flags(
        data_folder, tiny_backbone_dir, out, "--max_steps", 6, "--eval_steps", 3, "--save_mode", 2,
        "--report_max_test", "--tag_head_learning_rate", 0.01,
        "--polarity_head_learning_rate", 0.002))])
    assert code == 0
    return out


def test_cli_train_atepc_writes_the_four_figures_config_and_card(mode_2_run, data_folder):
    results = json.loads((mode_2_run / "all_results.json").read_text())
    for key in MAIN_FIGURES:
        assert 0.0 <= results[key] <= 1.0, key
    assert 0.0 <= results["test_pyabsa_ate_f1"] <= 1.0  # PyABSA's lenient figure, named after its protocol
    assert results["test_num_sentences"] == 12  # one row per sentence, aspect-free ones included
    # The aspects cut off by max_seq_len, per split, counted from the data written here.
    train_sentences = synthetic_sentences(32, 0)
    cut_off = results["gold_aspects_cut_off"]
    assert cut_off["train"] == {"cut_off": expected_cut_off(train_sentences),
                                "gold": sum(tag == "B-ASP" for words in train_sentences for _, tag, _ in words)}
    assert cut_off["train"]["cut_off"] > 0
    assert cut_off["test"]["cut_off"] == expected_cut_off(synthetic_sentences(12, 1))

    config = json.loads((mode_2_run / "config.json").read_text())
    assert config["model_type"] == "hf_absa_atepc" and config["atepc_model"] == "fast_lcf_atepc"
    assert config["max_seq_len"] == MAX_SEQ_LEN
    assert config["id2label"] == {str(i): tag for i, tag in enumerate(ATEPC_TAGS)}
    assert config["polarity_labels"] == ["Negative", "Positive"]
    assert config["auto_map"]["AutoModelForTokenClassification"].endswith("ATEPCModelForTokenClassification")

    card = (mode_2_run / "README.md").read_text()
    assert "pipeline_tag: token-classification" in card
    assert "Scoring protocol" in card and "seqeval's strict IOB2 mode" in card and "lenient" in card
    # a non-default tag head rate is part of how the model was trained
    assert "| tag_head_learning_rate | 0.01 |" in card
    assert "| polarity_head_learning_rate | 0.002 |" in card
    assert f"| e2e_f1 | {results['eval_e2e_f1']:.4f} | {results['test_e2e_f1']:.4f} |" in card
    training_args = json.loads((mode_2_run / "training_args.json").read_text())
    assert training_args["metric_for_best_model"] == "validation_e2e_f1"  # --report_max_test names the split
    assert training_args["label_names"] == ["labels", "polarity_labels"]


def test_report_max_test_adds_pyabsa_maxima_over_the_periodic_test_evaluations(mode_2_run):
    results = json.loads((mode_2_run / "all_results.json").read_text())
    state = json.loads((mode_2_run / "trainer_state.json").read_text())
    log = state["log_history"]
    periodic = [entry for entry in log if "eval_test_pyabsa_ate_f1" in entry]
    assert len(periodic) == results["max_test_evaluations"] == 2
    for name in ("pyabsa_ate_f1", "apc_accuracy", "apc_f1", "ate_f1", "e2e_f1"):
        assert results[f"max_test_{name}"] == max(entry[f"eval_test_{name}"] for entry in periodic), name
    # The model is still selected on validation, never on test.
    validation = [entry for entry in log if "eval_validation_e2e_f1" in entry]
    assert [entry["step"] for entry in validation] == [entry["step"] for entry in periodic]
    assert state["best_metric"] == max(entry["eval_validation_e2e_f1"] for entry in validation)


def test_export_mode_2_loads_and_tags_in_the_stock_pipeline_without_hf_absa(mode_2_run, tmp_path):
    sentence = "the battery life is good but the screen is bad"
    script = """
    import json, sys
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    folder, sentence = sys.argv[1:3]
    model = AutoModelForTokenClassification.from_pretrained(folder, trust_remote_code=True).eval()
    assert "hf_absa" not in sys.modules
    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)
    with torch.no_grad():
        logits = model(**tokenizer(sentence, return_tensors="pt")).logits
    tagger = pipeline("token-classification", model=model, tokenizer=tokenizer, trust_remote_code=True)
    print(json.dumps({"class": type(model).__name__, "module": type(model).__module__,
                      "logits": logits.tolist(), "entities": [e["entity"] for e in tagger(sentence)]}))
    """
    completed = run_without_hf_absa(script, mode_2_run, sentence, workdir=tmp_path)
    remote = json.loads(completed.stdout.strip().splitlines()[-1])
    assert remote["class"] == "ATEPCModelForTokenClassification" and not remote["module"].startswith("hf_absa")
    assert set(remote["entities"]) <= {"B-ASP", "I-ASP"}
    local = ATEPCModelForTokenClassification.from_pretrained(mode_2_run).eval()
    from transformers import AutoTokenizer

    with torch.no_grad():
        expected = local(**AutoTokenizer.from_pretrained(mode_2_run)(sentence, return_tensors="pt")).logits
    torch.testing.assert_close(torch.tensor(remote["logits"]), expected, atol=1e-5, rtol=0)


def test_export_mode_3_writes_the_fine_tuned_backbone(data_folder, tiny_backbone_dir, tmp_path, capsys):
    out = tmp_path / "run"
    train(tiny_flags(data_folder, tiny_backbone_dir, out, "--max_steps", 2, "--eval_steps", 2, "--save_mode", 3),
          capsys)
    backbone = AutoModel.from_pretrained(out / "fine-tuned-pretrained-model")
    assert type(backbone).__name__ == "BertModel"
    trained = load_file(out / "model.safetensors")
    original = load_file(tiny_backbone_dir / "model.safetensors")
    for name, tensor in backbone.state_dict().items():
        if f"backbone.{name}" in trained:
            torch.testing.assert_close(tensor, trained[f"backbone.{name}"])
    changed = [name for name, tensor in backbone.state_dict().items()
               if name in original and not torch.equal(tensor, original[name])]
    assert changed  # fine-tuned, not the starting weights
    # Mode 3 is also a full hf_absa model: the Auto class loads our class with both heads.
    assert isinstance(AutoModelForTokenClassification.from_pretrained(out), ATEPCModelForTokenClassification)


def test_resume_from_a_checkpoint_gives_the_uninterrupted_result(tiny_backbone_dir, tmp_path, capsys):
    data = tmp_path / "unified"  # unified-tag files with an official dev split: no held-out part of train
    data.mkdir()
    for split, count, seed in (("train", 24, 0), ("dev", 8, 1), ("test", 8, 2)):
        write_unified_tag_file(data / f"tiny.{split}.txt", synthetic_sentences(count, seed))
    flags = ["--max_steps", 6, "--eval_steps", 2, "--save_strategy", "steps", "--save_steps", 2,
             "--save_total_limit", 5, "--load_best_model_at_end", "false"]
    reference, resumed = tmp_path / "reference", tmp_path / "resumed"
    train(tiny_flags(data, tiny_backbone_dir, reference, *flags), capsys)
    train(tiny_flags(data, tiny_backbone_dir, resumed, *flags), capsys)
    # As if the run had died after checkpoint-2: later checkpoints and the final files are gone.
    for leftover in resumed.iterdir():
        if leftover.name != "checkpoint-2":
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    # A mark in the checkpoint's log shows that the run continued from it rather than starting afresh.
    checkpoint_state = resumed / "checkpoint-2" / "trainer_state.json"
    state = json.loads(checkpoint_state.read_text())
    state["log_history"].insert(0, {"resume_mark": 1.0, "step": 0})
    checkpoint_state.write_text(json.dumps(state))
    train(tiny_flags(data, tiny_backbone_dir, resumed, *flags, "--resume_from_checkpoint", "latest"), capsys)
    state = json.loads((resumed / "trainer_state.json").read_text())
    assert state["global_step"] == 6 and state["log_history"][0] == {"resume_mark": 1.0, "step": 0}
    reference_results = json.loads((reference / "all_results.json").read_text())
    resumed_results = json.loads((resumed / "all_results.json").read_text())
    assert "eval_e2e_f1" in reference_results and "test_e2e_f1" in reference_results
    for key in (*MAIN_FIGURES, "test_loss", "eval_loss"):
        assert resumed_results[key] == pytest.approx(reference_results[key], abs=1e-6), key
    reference_weights, resumed_weights = load_file(reference / "model.safetensors"), load_file(
        resumed / "model.safetensors")
    for name, tensor in reference_weights.items():
        torch.testing.assert_close(resumed_weights[name], tensor, atol=1e-6, rtol=0)


def test_seeds_and_folds_run_through_the_experiment_runner(data_folder, tiny_backbone_dir, tmp_path, capsys):
    out = tmp_path / "experiment"
    stdout = train(tiny_flags(data_folder, tiny_backbone_dir, out, "--seeds", 1, 2, "--cross_validate_fold", 2,
                              "--max_steps", 2, "--eval_steps", 1, "--save_mode", 0), capsys)
    summary = json.loads((out / "summary.json").read_text())
    assert [run["seed"] for run in summary["runs"]] == [1, 2]
    assert set(MAIN_FIGURES) <= set(summary["metrics"])
    for run in summary["runs"]:
        cv = json.loads((out / run["output_dir"] / "cv_summary.json").read_text())
        folds = [json.loads((out / run["output_dir"] / f"fold-{i}" / "all_results.json").read_text())
                 for i in range(2)]
        # A run's figure is the mean over its folds; the two folds split train's 32 sentences.
        assert run["test_e2e_f1"] == pytest.approx(sum(f["test_e2e_f1"] for f in folds) / 2, abs=1e-6)
        assert sum(fold["validation_examples"] for fold in cv["per_fold"]) == 32
    assert summary["configs"]["fast_lcf_atepc"]["test_ate_f1"]["n"] == 2
    assert "| fast_lcf_atepc | 2 |" in stdout and "test E2E F1 (%)" in stdout


def test_held_out_and_fold_splits_are_stratified_on_sentence_classes(tiny_backbone_dir, tiny_tokenizer):
    from datasets import Dataset

    from hf_absa.training.splits import hold_out_validation

    rows = Dataset.from_dict({"polarity_labels": [[]] * 10 + [[0]] * 10 + [[1, 1]] * 10 + [[0, 1]] * 10})
    classes = sentence_classes(rows)
    assert classes == [-1] * 10 + [0] * 10 + [1] * 10 + [-2] * 10
    setup = ATEPCSetup(tokenizer=tiny_tokenizer, features=None, model_args=ATEPCModelArguments())
    assert setup.stratification_labels(rows) == classes
    _, validation = hold_out_validation(rows, 0.2, seed=3, labels=classes)
    assert sorted(sentence_classes(validation)) == [-2, -2, -1, -1, 0, 0, 1, 1]


TAG_HEAD = {"classifier.weight", "classifier.bias", "boundary_classifier.weight", "boundary_classifier.bias"}
POLARITY_OUTPUT = {"head_pooler.dense.weight", "head_pooler.dense.bias", "polarity_classifier.weight",
                   "polarity_classifier.bias"}
# fast_lcf_atepc's layers between the backbone and the pooler (cdw, its default local context)
LCF_LAYERS = {f"{encoder}.{projection}.{kind}" for encoder in ("local_encoder", "post_encoder")
              for projection in ("query", "key", "value") for kind in ("weight", "bias")} | {
    "post_linear.weight", "post_linear.bias"}
POLARITY_HEADS = {"fast_lcf_atepc": POLARITY_OUTPUT | LCF_LAYERS, "bert_base_atepc": POLARITY_OUTPUT}


@pytest.mark.parametrize("atepc_model", ["fast_lcf_atepc", "bert_base_atepc"])
@pytest.mark.parametrize("tag_rate,polarity_rate", [(0.02, 0.005), (0.02, 0.0), (0.0, 0.005), (0.0, 0.0)])
def test_heads_get_their_own_learning_rates_unless_zero(tiny_backbone_dir, tmp_path, atepc_model, tag_rate,
                                                        polarity_rate):
    from hf_absa.training import ATEPCTrainer, ATEPCTrainingArguments

    model = ATEPCModelForTokenClassification.from_pretrained(
        tiny_backbone_dir, polarity_labels=["Negative", "Neutral", "Positive"], atepc_model=atepc_model)
    args = ATEPCTrainingArguments(tmp_path / "run", learning_rate=1e-4, weight_decay=0.01,
                                  tag_head_learning_rate=tag_rate, polarity_head_learning_rate=polarity_rate,
                                  use_cpu=True, eval_strategy="no")
    optimizer = ATEPCTrainer(model=model, args=args).create_optimizer()
    POLARITY_HEAD = POLARITY_HEADS[atepc_model]  # noqa: N806  (the set under test, as the module's TAG_HEAD)
    by_id = {id(parameter): name for name, parameter in model.named_parameters()}
    groups = [({by_id[id(p)] for p in group["params"]}, group) for group in optimizer.param_groups]
    # every trainable parameter exactly once
    assert sorted(name for names, _ in groups for name in names) == sorted(by_id.values())
    assert POLARITY_HEAD <= set(by_id.values()) and TAG_HEAD <= set(by_id.values())
    own = {frozenset(names): group for names, group in groups if names in (TAG_HEAD, POLARITY_HEAD)}
    for head, rate in ((TAG_HEAD, tag_rate), (POLARITY_HEAD, polarity_rate)):
        if rate:
            assert own[frozenset(head)]["lr"] == rate and own[frozenset(head)]["weight_decay"] == 0.0
        else:  # at the backbone's rate, weights decayed with the rest
            assert frozenset(head) not in own
            assert any(group["weight_decay"] == 0.01 and head & names for names, group in groups)
    # everything else (the backbone) at learning_rate
    assert all(group["lr"] == 1e-4 for names, group in groups if not names & (TAG_HEAD | POLARITY_HEAD))
    assert len(groups) == 2 + bool(tag_rate) + bool(polarity_rate)


@pytest.mark.parametrize("flag", ["tag_head_learning_rate", "polarity_head_learning_rate"])
def test_negative_head_learning_rate_is_refused(tmp_path, capsys, flag):
    code = main(["train", "--task", "atepc", "--output_dir", str(tmp_path), f"--{flag}", "-1"])
    assert code == 2 and f"{flag} must be >= 0" in capsys.readouterr().err

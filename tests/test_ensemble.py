"""APC ensembles (PyABSA's APCEnsembler as one checkpoint) and prediction-time voting over several checkpoints.

Tiny random BERT backbones; the heads are redrawn wide (`randomized`) so that logits differ visibly between members.
"""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModel, AutoModelForSequenceClassification

from apc_fixtures import (
    build_model,
    probabilities_on_processor_features,
    randomized,
    synthetic_rows,
    write_apc_dataset_folder,
)
from hf_absa.cli import main
from hf_absa.data.collator import DataCollatorForAPC
from hf_absa.data.loading import load_apc_dataset
from hf_absa.data.processing import APCProcessor
from hf_absa.experiments.runner import ExperimentArguments, experiment_configurations
from hf_absa.inference import SentimentClassifier, VotingClassifier, vote
from hf_absa.models import APCConfig, APCEnsembleForSequenceClassification, APCModelForSequenceClassification
from hf_absa.models import required_inputs
from hf_absa.training import APCTrainer, APCTrainingArguments, export_checkpoint
from hf_absa.training.apc import APC_TASK, APCModelArguments, prepare_apc_setup
from hf_absa.training.export import BACKBONE_EXPORT_DIR
from hf_absa.training.trainer import ETA_PARAMETER_PATTERN
from remote_code import run_without_hf_absa
from test_export import REMOTE_LOAD_SCRIPT

LABELS = ["Negative", "Neutral", "Positive"]
# lcf_bert's local pass reads the sentence alone: the one member input that differs from the shared pair encoding.
MEMBERS = ["bert_spc", "fast_lcf_bert", "lcf_bert"]
VARIANTS = {"cat": {}, "mean": {"ensemble_mode": "mean"}, "deep": {"deep_ensemble": True}}
TEXTS = ["the [B-ASP]battery[E-ASP] is good but the [B-ASP]screen[E-ASP] is bad", "i hate the [B-ASP]food[E-ASP]"]


def ensemble(backbone_dir, members=MEMBERS, **settings) -> APCEnsembleForSequenceClassification:
    torch.manual_seed(0)
    return randomized(build_model(backbone_dir, "ensemble", ensemble_models=list(members), max_seq_len=40,
                                  **settings))


def labelled_batch(model, tokenizer, n: int = 6) -> dict[str, torch.Tensor]:
    """Collated features of ``n`` synthetic rows with exactly the columns ``model`` reads, and labels."""
    config = model.config
    processor = APCProcessor(tokenizer, max_seq_len=config.max_seq_len, srd=config.srd,
                             input_names=config.forward_inputs, label2id=config.label2id)
    features = processor.apply(load_apc_dataset(synthetic_rows(n, seed=3)))["train"]
    return DataCollatorForAPC(tokenizer)(list(features))


def count_backbone_passes(model) -> list[int]:
    """A counter per backbone module of ``model`` (the shared one, or each member's), increased by every pass."""
    backbones = [model.backbone] if hasattr(model, "backbone") else [member.backbone for member in model.members]
    counts = [0] * len(backbones)
    for index, backbone in enumerate(backbones):
        backbone.register_forward_hook(lambda *_, index=index: counts.__setitem__(index, counts[index] + 1))
    return counts


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_forward_combines_the_member_logits_as_pyabsa(variant, tiny_backbone_dir, tiny_tokenizer):
    model = ensemble(tiny_backbone_dir, **VARIANTS[variant])
    assert type(model) is APCEnsembleForSequenceClassification and isinstance(model, APCModelForSequenceClassification)
    assert [member.config.apc_model for member in model.members] == MEMBERS
    batch = labelled_batch(model, tiny_tokenizer)
    labels = batch.pop("labels")
    passes = count_backbone_passes(model)
    with torch.no_grad():
        output = model(**batch, labels=labels)
        assert passes == ([2] if variant != "deep" else [1, 1, 2])  # lcf_bert's sentence-only pass is its own
        member_logits = [member(**batch).logits for member in model.members]  # each alone, its own backbone pass
    if variant == "mean":
        expected = (member_logits[0] + member_logits[1] + member_logits[2]) / 3
    else:
        assert model.cat_linear.weight.shape == (len(LABELS), len(LABELS) * len(MEMBERS))
        expected = model.cat_linear(torch.cat(member_logits, dim=-1))
    assert output.logits.shape == (len(labels), len(LABELS))
    assert torch.allclose(output.logits, expected, atol=1e-6)
    assert member_logits[0].sub(member_logits[1]).abs().max() > 0.1  # the members really differ
    assert output.loss.item() == pytest.approx(torch.nn.functional.cross_entropy(expected, labels).item(), rel=1e-5)
    keys = model.state_dict().keys()
    shared = [key for key in keys if key.startswith("backbone.")]
    own = {key.split(".")[1] for key in keys if key.startswith("members.") and ".backbone." in key}
    assert (bool(shared), own) == ((False, {"0", "1", "2"}) if variant == "deep" else (True, set()))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_backward_reaches_every_member_and_the_backbones(variant, tiny_backbone_dir, tiny_tokenizer):
    model = ensemble(tiny_backbone_dir, **VARIANTS[variant]).train()
    model(**labelled_batch(model, tiny_tokenizer)).loss.backward()
    for name, parameter in model.named_parameters():
        if "backbone.pooler." in name:  # the backbone's own pooler feeds nothing (as in PyABSA)
            continue
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_config_lists_the_members_and_their_inputs():
    config = APCConfig(labels=LABELS, ensemble_models=["bert_spc_v2", "fast_lsa_t_v2"], lsa=True, lcf="cdm",
                       window="l")
    assert config.apc_model == "ensemble"
    members = config.member_configs()
    assert [(m.apc_model, m.lsa, m.lcf, m.window, m.ensemble_models) for m in members] == [
        ("bert_spc_v2", True, "cdm", "l", None), ("fast_lsa_t_v2", False, "cdm", "l", None)]
    assert set(config.forward_inputs) == set(members[0].forward_inputs) | set(members[1].forward_inputs) == {
        "left_input_ids", "left_attention_mask", "left_token_type_ids", "lcf_cdm_vec", "left_lcf_cdm_vec"}
    reloaded = APCConfig.from_dict(config.to_dict())
    assert (reloaded.apc_model, reloaded.ensemble_models) == ("ensemble", ["bert_spc_v2", "fast_lsa_t_v2"])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"apc_model": "lcf_bert", "ensemble_models": ["bert_spc", "lcf_bert"]}, "contradict"),
        ({"apc_model": "ensemble"}, "needs its members"),
        ({"ensemble_models": ["bert_spc"]}, "at least 2"),
        ({"ensemble_models": ["bert_spc", "lstm"]}, "at least 2 architectures, each one of"),
        ({"ensemble_models": "bert_spc"}, "at least 2"),
        ({"ensemble_models": ["lcf_bert", "fast_lcf_bert"], "lsa": True}, "has none"),
        ({"ensemble_models": ["bert_spc", "lcf_bert"], "ensemble_mode": "max"}, "ensemble_mode"),
    ],
)
def test_bad_ensemble_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        APCConfig(**settings)


def test_the_processor_computes_the_union_of_the_member_inputs(tiny_backbone_dir, tmp_path):
    model_args = APCModelArguments(model_name_or_path=str(tiny_backbone_dir), max_seq_len=40, lsa=True,
                                   ensemble_models=["bert_spc", "fast_lcf_bert"])
    assert model_args.apc_model == "ensemble"
    setup = prepare_apc_setup(model_args, load_apc_dataset(synthetic_rows(8)),
                              APCTrainingArguments(str(tmp_path), use_cpu=True))
    union = set(required_inputs("bert_spc", lsa=True, lcf="cdw", window="lr")) | set(
        required_inputs("fast_lcf_bert", lcf="cdw", window="lr"))  # the default lcf and window
    assert set(setup.features["train"].column_names) == union | {"input_ids", "attention_mask", "token_type_ids",
                                                                 "labels"}


def test_eta_group_holds_the_etas_of_every_member(tiny_backbone_dir, tiny_tokenizer, tmp_path):
    model = build_model(tiny_backbone_dir, "ensemble", ensemble_models=["bert_spc_v2", "fast_lsa_t_v2"], lsa=True,
                        lcf="fusion", max_seq_len=40)
    args = APCTrainingArguments(str(tmp_path), eta_lr=0.05, weight_decay=0.01, eval_strategy="no", save_strategy="no",
                                load_best_model_at_end=False, use_cpu=True)
    trainer = APCTrainer(model=model, args=args, train_dataset=None, processing_class=tiny_tokenizer)
    optimizer = trainer.create_optimizer()
    names = {id(parameter): name for name, parameter in model.named_parameters()}
    eta_names = {"members.0.eta1", "members.0.eta2", "members.1.cdw_lsa.eta1", "members.1.cdw_lsa.eta2",
                 "members.1.cdm_lsa.eta1", "members.1.cdm_lsa.eta2"}
    assert {name for name in names.values() if ETA_PARAMETER_PATTERN.search(name)} == eta_names
    groups = [({names[id(p)] for p in group["params"]}, group) for group in optimizer.param_groups]
    eta_groups = [(group_names, group) for group_names, group in groups if group_names & eta_names]
    assert len(eta_groups) == 1 and eta_groups[0][0] == eta_names
    assert eta_groups[0][1]["lr"] == 0.05 and eta_groups[0][1]["weight_decay"] == 0.0


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_save_and_reload_give_the_same_weights_and_logits(variant, tiny_backbone_dir, tiny_tokenizer, tmp_path):
    model = ensemble(tiny_backbone_dir, **VARIANTS[variant])
    model.save_pretrained(tmp_path)  # safetensors: would raise on a backbone saved twice
    reloaded = AutoModelForSequenceClassification.from_pretrained(tmp_path).eval()
    assert type(reloaded) is APCEnsembleForSequenceClassification
    assert json.loads((tmp_path / "config.json").read_text())["ensemble_models"] == MEMBERS
    original, restored = model.state_dict(), reloaded.state_dict()
    assert original.keys() == restored.keys()
    for name in original:
        assert torch.equal(original[name], restored[name]), name
    batch = labelled_batch(model, tiny_tokenizer)
    with torch.no_grad():
        assert torch.equal(model(**batch).logits, reloaded(**batch).logits)


def test_deep_ensemble_members_start_from_the_pretrained_backbone(tiny_backbone_dir):
    model = build_model(tiny_backbone_dir, "ensemble", ensemble_models=["bert_spc", "fast_lcf_bert"],
                        deep_ensemble=True)
    pretrained = AutoModel.from_pretrained(tiny_backbone_dir).state_dict()
    first, second = (member.backbone for member in model.members)
    assert first is not second
    assert first.embeddings.word_embeddings.weight.data_ptr() != second.embeddings.word_embeddings.weight.data_ptr()
    for backbone in (first, second):
        for name, value in backbone.state_dict().items():
            assert torch.equal(value, pretrained[name]), name


def test_save_mode_2_loads_without_hf_absa(tiny_backbone_dir, tiny_tokenizer, tmp_path):
    model = ensemble(tiny_backbone_dir)
    batch = labelled_batch(model, tiny_tokenizer)
    batch.pop("labels")
    with torch.no_grad():
        logits = model(**batch).logits
    export_checkpoint(model, tiny_tokenizer, tmp_path / "m2", mode=2)
    assert json.loads((tmp_path / "m2" / "config.json").read_text())["auto_map"][
        "AutoModelForSequenceClassification"] == "modeling_apc.APCEnsembleForSequenceClassification"
    torch.save(dict(batch), tmp_path / "inputs.pt")
    run_without_hf_absa(REMOTE_LOAD_SCRIPT, tmp_path / "m2", tmp_path / "inputs.pt", tmp_path / "out.pt",
                        workdir=tmp_path)
    result = torch.load(tmp_path / "out.pt")
    assert result["class"].startswith("transformers_modules.")
    assert result["class"].endswith("modeling_apc.APCEnsembleForSequenceClassification")
    assert torch.allclose(result["logits"], logits, atol=1e-6)


@pytest.mark.parametrize("variant", ["cat", "deep"])
def test_save_mode_3_writes_each_backbone_as_a_stock_model(variant, tiny_backbone_dir, tiny_tokenizer, tmp_path):
    model = ensemble(tiny_backbone_dir, **VARIANTS[variant])
    export_checkpoint(model, tiny_tokenizer, tmp_path, mode=3)
    exported = tmp_path / BACKBONE_EXPORT_DIR
    if variant == "deep":
        folders = {f"member-{index}": member.backbone for index, member in enumerate(model.members)}
    else:
        folders = {"": model.backbone}
    for subfolder, backbone in folders.items():
        assert type(AutoModel.from_pretrained(exported / subfolder)).__name__ == "BertModel"
        saved = load_file(exported / subfolder / "model.safetensors")
        for name, value in backbone.state_dict().items():
            assert torch.equal(saved[name], value), (subfolder, name)
    assert sorted(path.name for path in exported.iterdir() if path.is_dir()) == sorted(name for name in folders
                                                                                        if name)


@pytest.fixture(scope="module")
def checkpoints(tiny_backbone_dir, tiny_tokenizer, tmp_path_factory) -> dict:
    """An ensemble checkpoint and a bert_spc one whose labels are in another order (voting aligns them by name)."""
    folders = {"ensemble": tmp_path_factory.mktemp("ensemble"), "bert_spc": tmp_path_factory.mktemp("bert_spc")}
    export_checkpoint(ensemble(tiny_backbone_dir), tiny_tokenizer, folders["ensemble"], mode=1)
    torch.manual_seed(5)
    single = randomized(build_model(tiny_backbone_dir, "bert_spc", labels=["Positive", "Negative", "Neutral"]))
    export_checkpoint(single, tiny_tokenizer, folders["bert_spc"], mode=1)
    return folders


def test_sentiment_classifier_predicts_with_an_ensemble(checkpoints, tiny_tokenizer):
    classifier = SentimentClassifier.from_pretrained(checkpoints["ensemble"])
    assert type(classifier.model) is APCEnsembleForSequenceClassification
    rows = [{"sentence": "the battery is good but the screen is bad", "aspect": aspect, "label": None}
            for aspect in ("battery", "screen")] + [{"sentence": "i hate the food", "aspect": "food", "label": None}]
    expected = probabilities_on_processor_features(classifier.model, tiny_tokenizer, rows)
    results = classifier.predict(TEXTS)
    predicted = [aspect for result in results for aspect in result["aspects"]]
    assert [aspect["aspect"] for aspect in predicted] == ["battery", "screen", "food"]
    got = torch.tensor([[aspect["probabilities"][label] for label in LABELS] for aspect in predicted])
    assert torch.allclose(got, expected, atol=1e-5)
    assert [aspect["label"] for aspect in predicted] == [LABELS[i] for i in expected.argmax(dim=-1)]


def test_vote_mean_and_majority_on_hand_made_probabilities():
    # One example, three classifiers: two prefer label 1 narrowly, one prefers label 0 strongly.
    probabilities = [[[0.9, 0.1]], [[0.4, 0.6]], [[0.45, 0.55]]]
    mean, predicted = vote(probabilities, "mean")
    assert mean[0].tolist() == pytest.approx([1.75 / 3, 1.25 / 3]) and predicted.tolist() == [0]
    mean_majority, predicted = vote(probabilities, "majority")
    assert mean_majority.tolist() == mean.tolist() and predicted.tolist() == [1]
    # A 1-1 tie between labels 0 and 2 goes to the tied label of higher mean probability (2), not to the first
    # label, nor to label 1, which has a higher mean than label 0 but no vote.
    tie = [[[0.51, 0.49, 0.0], [0.9, 0.1, 0.0]], [[0.0, 0.2, 0.8], [0.2, 0.7, 0.1]]]
    mean, predicted = vote(tie, "majority")
    assert predicted.tolist() == [2, 0]  # second example: a 1-1 tie between labels 0 and 1, label 0's mean is higher
    assert vote(tie, "mean")[1].tolist() == [2, 0]
    with pytest.raises(ValueError, match="voting must be one of mean, majority"):
        vote(tie, "max")


@pytest.mark.parametrize("voting", ["mean", "majority"])
def test_checkpoints_vote_with_aligned_labels(checkpoints, voting):
    folders = [checkpoints["ensemble"], checkpoints["bert_spc"]]
    voter = SentimentClassifier.from_pretrained(folders, voting=voting)
    assert isinstance(voter, VotingClassifier) and voter.labels == LABELS
    alone = [SentimentClassifier.from_pretrained(folder).predict(TEXTS) for folder in folders]
    results = voter.predict(TEXTS)
    aspects = [aspect for result in results for aspect in result["aspects"]]
    members = [[aspect for result in member for aspect in result["aspects"]] for member in alone]
    for index, aspect in enumerate(aspects):
        given = [member[index]["probabilities"] for member in members]
        mean = {label: (given[0][label] + given[1][label]) / 2 for label in LABELS}
        assert aspect["probabilities"] == pytest.approx(mean)
        # majority: two voters that disagree are a tie, which goes to the voted label of higher mean probability
        candidates = LABELS if voting == "mean" else {member[index]["label"] for member in members}
        assert aspect["label"] == max(candidates, key=mean.get)
        assert aspect["score"] == aspect["probabilities"][aspect["label"]]
        assert aspect.keys() == members[0][index].keys()
    assert [result["sentence"] for result in results] == [result["sentence"] for result in alone[0]]


def test_voting_needs_the_same_labels(checkpoints, tiny_backbone_dir, tiny_tokenizer, tmp_path):
    other = build_model(tiny_backbone_dir, "bert_spc", labels=["Negative", "Positive"])
    export_checkpoint(other, tiny_tokenizer, tmp_path, mode=1)
    with pytest.raises(ValueError, match=f"model: {tmp_path} predicts Negative, Positive but .* predicts"):
        SentimentClassifier.from_pretrained([checkpoints["ensemble"], tmp_path])
    with pytest.raises(ValueError, match="voting must be one of"):
        SentimentClassifier.from_pretrained([checkpoints["ensemble"]], voting="max")


def test_cli_trains_an_ensemble_and_predicts_with_it_and_by_voting(tiny_backbone_dir, checkpoints, tmp_path, capsys,
                                                                    caplog):
    caplog.set_level("INFO", logger="hf_absa")
    data = write_apc_dataset_folder(tmp_path / "data")
    out = tmp_path / "run"
    code = main(["train", "--dataset", str(data), "--backbone", str(tiny_backbone_dir), "--ensemble_models",
                 "bert_spc", "fast_lcf_bert", "--ensemble_mode", "mean", "--deep_ensemble", "--max_seq_len", "40",
                 "--max_steps", "2", "--eval_steps", "1", "--per_device_train_batch_size", "8", "--use_cpu",
                 "--disable_tqdm", "true", "--output_dir", str(out)])
    assert code == 0, capsys.readouterr().err
    assert "ensemble of bert_spc, fast_lcf_bert (mean, one backbone each) on" in caplog.text  # the members, named
    config = json.loads((out / "config.json").read_text())
    assert (config["apc_model"], config["ensemble_models"], config["ensemble_mode"], config["deep_ensemble"]) == (
        "ensemble", ["bert_spc", "fast_lcf_bert"], "mean", True)
    assert "| ensemble_models | ['bert_spc', 'fast_lcf_bert'] |" in (out / "README.md").read_text()
    capsys.readouterr()

    assert main(["predict", "--model", str(out), "--json", "true", *TEXTS]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed == SentimentClassifier.from_pretrained(out).predict(TEXTS)

    assert main(["predict", "--model", str(out), str(checkpoints["bert_spc"]), "--voting", "majority", "--json", "true",
                 *TEXTS]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    voter = SentimentClassifier.from_pretrained([out, checkpoints["bert_spc"]], voting="majority")
    assert printed == voter.predict(TEXTS)

    assert main(["predict", "--model", str(out), str(checkpoints["bert_spc"]), *TEXTS]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--voting mean or majority" in err and "Traceback" not in err

    assert main(["predict", "--model", str(out), "--voting", "mean", *TEXTS]) == 2  # the TEXTS follow --voting
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--voting mean needs two or more checkpoints" in err


def test_cli_refuses_an_architecture_next_to_ensemble_models(tiny_backbone_dir, tmp_path, capsys):
    code = main(["train", "--dataset", str(tmp_path), "--backbone", str(tiny_backbone_dir), "--architecture",
                 "fast_lsa_t_v2", "--ensemble_models", "bert_spc", "lcf_bert", "--output_dir", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "contradict" in err


def test_an_experiment_compares_an_ensemble_with_its_members():
    model_args = APCModelArguments(model_name_or_path="org/bert", ensemble_models=["bert_spc", "fast_lcf_bert"])
    compared = experiment_configurations(ExperimentArguments(architectures=["bert_spc", "fast_lcf_bert", "ensemble"]),
                                         model_args, APC_TASK)
    assert [(c.name, c.model_args.apc_model, c.model_args.ensemble_models) for c in compared] == [
        ("bert_spc", "bert_spc", None), ("fast_lcf_bert", "fast_lcf_bert", None),
        ("ensemble", "ensemble", ["bert_spc", "fast_lcf_bert"])]
    for configuration in compared:
        APC_TASK.check_model_arguments(configuration.model_args)
    alone = experiment_configurations(ExperimentArguments(seeds=[1, 2]), model_args, APC_TASK)
    assert [c.name for c in alone] == ["ensemble"]

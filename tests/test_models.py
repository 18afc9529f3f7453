"""Tests of hf_absa.models: every architecture's forward/backward, masking, input checks, config validation,
save/load (own checkpoint, backbone dual mode, Auto classes, remote code without hf_absa).

All on the tiny random BERT of `tiny_backbone_dir`; inputs are synthetic tensors laid out like the processor's
`[CLS] sentence [SEP] aspect [SEP]` pair encoding.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil

import pytest
import torch
from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification, BertModel, DistilBertConfig

import hf_absa
from hf_absa.models import (
    APC_MODEL_INPUTS,
    APC_MODELS,
    HF_ABSA_VERSION,
    LSA_SPC_INPUTS,
    APCConfig,
    APCModelForSequenceClassification,
    register_auto_classes,
    required_inputs,
)
from hf_absa.models.configuration_apc import SYNTAX_INPUTS

LABELS = ["Negative", "Neutral", "Positive"]
ETA_PATTERN = re.compile(r"(^|\.)eta[12]$")
CLS_ID, SEP_ID = 2, 3
VECTOR_COLUMNS = list(APC_MODEL_INPUTS["fast_lsa_t_v2"]) + list(SYNTAX_INPUTS)

# Every (apc_model, settings) the head can be built with; fast_lsa_t_v2 and the lcf models take lcf/window.
CASES = (
    [("bert_spc", {}), ("bert_spc_v2", {})]
    + [(model, {"lsa": True, "window": window}) for model in ("bert_spc", "bert_spc_v2") for window in ("l", "r", "lr")]
    + [("bert_spc", {"lsa": True, "eta": 0.3}), ("bert_spc_v2", {"lsa": True, "eta": -1})]
    + [(model, {"lcf": lcf}) for model in ("lcf_bert", "fast_lcf_bert") for lcf in ("cdw", "cdm", "fusion")]
    + [(model, {"use_bert_spc": False}) for model in ("lcf_bert", "fast_lcf_bert")]
    + [
        ("fast_lsa_t_v2", {"lcf": lcf, "window": window})
        for lcf in ("cdw", "cdm", "fusion")
        for window in ("l", "r", "lr")
    ]
    + [("fast_lsa_t_v2", {"eta": -1}), ("fast_lsa_t_v2", {"eta": 0})]
    + [("bert_mlp", {}), ("fast_lcf_bert_att", {}), ("fast_lcf_bert_att", {"lcf": "cdm", "use_bert_spc": False})]
    + [("lcf_dual_bert", {"lcf": lcf}) for lcf in ("cdw", "cdm", "fusion")] + [("lcf_dual_bert", {"use_bert_spc": False})]
    + [("lca_bert", {}), ("lca_bert", {"use_bert_spc": False, "sigma": 0.9})]
    + [(model, {"lcf": lcf, "window": window}) for model in ("lsa_t", "fast_lsa_t") for lcf, window in
       (("cdw", "lr"), ("cdm", "l"), ("fusion", "r"))]
    + [("lsa_t", {"eta": 0.3}), ("lsa_t", {"eta": -1})]
    + [(model, {"lcf": "fusion"}) for model in ("lcfs_bert", "fast_lcfs_bert", "lcfs_dual_bert")]
    + [("fast_lcfs_bert", {"use_bert_spc": False}), ("lcfs_dual_bert", {"lcf": "cdm"})]
    + [(model, {"lcf": "cdm", "window": "l", "eta": 0.4}) for model in ("lsa_s", "fast_lsa_s", "fast_lsa_s_v2")]
    + [("lsa_s", {"eta": 0.5}), ("fast_lsa_s_v2", {"lcf": "fusion"})]
    + [(model, {"lcf": lcf}) for model in ("dlcf_dca_bert", "dlcfs_dca_bert") for lcf in ("cdw", "cdm")]
    + [("dlcf_dca_bert", {"use_bert_spc": False, "dca_layer": 1, "dca_p": 2.0})]
)


def case_id(case) -> str:
    model, settings = case
    return "-".join([model] + [f"{key}={value}" for key, value in settings.items()])


@pytest.fixture(scope="module")
def backbone_dict(tiny_backbone_dir) -> dict:
    # A wide initialisation gives logits of order 1 (not 1e-5), so numerical comparisons mean something.
    return {**AutoConfig.from_pretrained(tiny_backbone_dir).to_dict(), "initializer_range": 0.3}


def make_model(backbone_dict: dict, apc_model: str, seed: int = 0, **settings) -> APCModelForSequenceClassification:
    torch.manual_seed(seed)
    config = APCConfig(backbone_config=backbone_dict, apc_model=apc_model, labels=LABELS, dropout=0.1, **settings)
    return APCModelForSequenceClassification(config)


def make_batch(vocab_size: int, lengths=(12, 9), extra_pad: int = 0, seed: int = 0) -> dict[str, torch.Tensor]:
    """Every column any architecture reads, for examples of the given real lengths, right-padded to
    max(lengths) + extra_pad. Values depend only on (seed, lengths), not on the padding."""
    generator = torch.Generator().manual_seed(seed)
    low = 5 if vocab_size > 10 else 1  # skip the special tokens when the vocabulary has words
    width = max(lengths) + extra_pad
    batch = {
        name: torch.zeros(len(lengths), width, dtype=torch.long)
        for name in ("input_ids", "attention_mask", "token_type_ids") + LSA_SPC_INPUTS
    }
    batch.update({name: torch.zeros(len(lengths), width) for name in VECTOR_COLUMNS})
    batch["sentence_length"] = torch.zeros(len(lengths), dtype=torch.long)
    for row, length in enumerate(lengths):
        sentence_length = length - 3  # "[CLS] sentence [SEP]" + 2 aspect tokens + "[SEP]"
        for prefix, real in (("", length), ("left_", length - 1), ("right_", length)):  # left aspect is shorter
            ids = torch.randint(low, vocab_size, (real,), generator=generator)
            ids[0], ids[sentence_length - 1], ids[real - 1] = CLS_ID, SEP_ID, SEP_ID
            batch[f"{prefix}input_ids"][row, :real] = ids
            batch[f"{prefix}attention_mask"][row, :real] = 1
            batch[f"{prefix}token_type_ids"][row, sentence_length:real] = 1
        for name in VECTOR_COLUMNS:
            values = torch.rand(sentence_length, generator=generator)
            mask_like = "cdm" in name or name.startswith("depend")  # 0/1 vectors
            batch[name][row, :sentence_length] = (values > 0.4).float() if mask_like else 0.1 + 0.9 * values
        batch["sentence_length"][row] = sentence_length
    batch["labels"] = torch.arange(len(lengths)) % len(LABELS)
    return batch


def set_etas(model: APCModelForSequenceClassification, value: float) -> None:
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if ETA_PATTERN.search(name):
                parameter.fill_(value)


@pytest.fixture(scope="module")
def vocab_size(backbone_dict) -> int:
    return backbone_dict["vocab_size"]


def test_version_constant_matches_package():
    assert HF_ABSA_VERSION == hf_absa.__version__
    assert APCConfig(labels=LABELS).hf_absa_version == hf_absa.__version__


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_forward_backward_reaches_every_parameter(case, backbone_dict, vocab_size):
    apc_model, settings = case
    model = make_model(backbone_dict, apc_model, **settings)
    model.train()
    output = model(**make_batch(vocab_size))
    assert output.logits.shape == (2, len(LABELS))
    assert torch.isfinite(output.loss)
    assert set(output.keys()) == {"loss", "logits"} | ({"local_context_loss"} if apc_model == "lca_bert" else set())
    output.loss.backward()

    for name, parameter in model.named_parameters():
        if name.startswith(("backbone.pooler.", "local_backbone.pooler.")):  # the backbones' own poolers feed
            continue  # nothing (as in PyABSA)
        assert parameter.grad is not None, f"{name} got no gradient"
        assert torch.isfinite(parameter.grad).all(), name
    assert model.backbone.embeddings.word_embeddings.weight.grad.abs().sum() > 0
    assert model.classifier.weight.grad.abs().sum() > 0
    for name, parameter in model.named_parameters():
        if ETA_PATTERN.search(name):
            assert parameter.grad.abs() > 0, f"{name} got a zero gradient"


def test_batch_without_labelled_rows_leaves_the_weights_unchanged(backbone_dict, vocab_size):
    """All labels -100: the loss is 0 (not 0/0 = NaN) and an optimizer step, unclipped, changes nothing."""
    model = make_model(backbone_dict, "fast_lsa_t_v2").train()
    before = {name: parameter.detach().clone() for name, parameter in model.named_parameters()}
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.0)
    batch = {**make_batch(vocab_size, lengths=(12, 9, 10)), "labels": torch.full((3,), -100)}
    output = model(**batch)
    assert output.loss.item() == 0.0 and output.loss.requires_grad
    output.loss.backward()
    optimizer.step()
    for name, parameter in model.named_parameters():
        assert torch.isfinite(parameter).all(), name
        assert torch.equal(parameter, before[name]), name


def test_loss_is_the_mean_over_the_labelled_rows_only(backbone_dict, vocab_size):
    model = make_model(backbone_dict, "lcf_bert", lcf="fusion").eval()
    batch = {**make_batch(vocab_size, lengths=(12, 9, 10)), "labels": torch.tensor([2, -100, 0])}
    with torch.no_grad():
        output = model(**batch)
    log_probabilities = torch.log_softmax(output.logits, dim=-1)
    expected = -(log_probabilities[0, 2] + log_probabilities[2, 0]) / 2
    assert output.loss.item() == pytest.approx(expected.item(), rel=1e-6)
    all_rows = -(log_probabilities[0, 2] + log_probabilities[1, 1] + log_probabilities[2, 0]) / 3
    assert output.loss.item() != pytest.approx(all_rows.item(), rel=1e-3)  # the unlabelled row really is left out


@pytest.mark.parametrize(
    ("apc_model", "settings", "expected"),
    [
        ("bert_spc", {"lsa": True}, set()),  # fixed eta: no parameters
        ("bert_spc_v2", {}, set()),  # etas only weight the LSA windows
        ("bert_spc_v2", {"lsa": True}, {"eta1", "eta2"}),
        ("bert_spc_v2", {"lsa": True, "window": "l"}, {"eta1"}),
        ("bert_spc_v2", {"lsa": True, "window": "r"}, {"eta2"}),
        ("bert_spc_v2", {"lsa": True, "eta": -1}, set()),
        ("fast_lsa_t_v2", {"lcf": "cdw"}, {"cdw_lsa.eta1", "cdw_lsa.eta2"}),
        ("fast_lsa_t_v2", {"lcf": "cdm", "window": "r"}, {"cdm_lsa.eta2"}),
        ("fast_lsa_t_v2", {"lcf": "fusion"}, {"cdw_lsa.eta1", "cdw_lsa.eta2", "cdm_lsa.eta1", "cdm_lsa.eta2"}),
        ("fast_lsa_t_v2", {"eta": -1}, set()),
        ("lcf_bert", {"lcf": "fusion"}, set()),
    ],
)
def test_eta_parameters_are_named_for_the_trainer(apc_model, settings, expected, backbone_dict):
    model = make_model(backbone_dict, apc_model, **{"eta": 0.7, **settings})
    names = {name for name, _ in model.named_parameters() if "eta" in name.rsplit(".", 1)[-1]}
    assert names == expected
    assert {name for name, _ in model.named_parameters() if ETA_PATTERN.search(name)} == expected
    for name in expected:
        assert model.get_parameter(name).item() == pytest.approx(0.7)


def test_eta_is_not_reset_by_forward(backbone_dict, vocab_size):
    """PyABSA re-initialises a non-positive eta inside forward; here it stays what training made it."""
    model = make_model(backbone_dict, "fast_lsa_t_v2", eta=0.5)
    with torch.no_grad():
        model.cdw_lsa.eta1.fill_(-0.25)
    model(**make_batch(vocab_size))
    assert model.cdw_lsa.eta1.item() == -0.25


@pytest.mark.parametrize(
    "case",
    [
        ("bert_spc", {}),
        ("bert_spc", {"lsa": True}),
        ("bert_spc_v2", {"lsa": True}),
        ("lcf_bert", {"lcf": "fusion"}),
        ("lcf_bert", {"use_bert_spc": False}),
        ("fast_lcf_bert", {"lcf": "cdm"}),
        ("fast_lsa_t_v2", {"lcf": "fusion"}),
        ("bert_mlp", {}),
        ("lcf_dual_bert", {"lcf": "fusion"}),
        ("fast_lcf_bert_att", {}),
        ("lca_bert", {}),
        ("lsa_t", {"lcf": "fusion", "eta": 0.3}),
        ("fast_lsa_t", {}),
        ("lcfs_dual_bert", {"lcf": "fusion"}),
        ("lsa_s", {"eta": 0.5}),
        ("fast_lsa_s_v2", {}),
        ("dlcfs_dca_bert", {}),
    ],
    ids=case_id,
)
def test_extra_padding_does_not_change_logits(case, backbone_dict, vocab_size):
    apc_model, settings = case
    model = make_model(backbone_dict, apc_model, **settings).eval()
    tight = make_batch(vocab_size, lengths=(10,))
    padded = make_batch(vocab_size, lengths=(10,), extra_pad=6)
    assert padded["input_ids"].shape[1] == 16 and torch.equal(padded["input_ids"][:, :10], tight["input_ids"])
    with torch.no_grad():
        expected = model(**tight).logits
        assert torch.allclose(model(**padded).logits, expected, atol=1e-5)
        # ... and a shorter batch-mate padded with it changes nothing either.
        in_batch = make_batch(vocab_size, lengths=(10, 7), extra_pad=3)
        single = make_batch(vocab_size, lengths=(10,))
        assert torch.allclose(model(**in_batch).logits[0], model(**single).logits[0], atol=1e-5)


def test_sentence_only_mode_equals_encoding_the_sentence_alone(backbone_dict, vocab_size):
    """lcf_bert's local pass (and its global pass with use_bert_spc=False) keeps attention inside the sentence
    segment: the same as PyABSA feeding "[CLS] sentence [SEP]" on its own."""
    model = make_model(backbone_dict, "lcf_bert", lcf="fusion", use_bert_spc=False).eval()
    pair = make_batch(vocab_size, lengths=(12, 9))
    sentence_only = {name: value.clone() for name, value in pair.items()}
    for row, length in enumerate(pair["sentence_length"].tolist()):
        for name, value in sentence_only.items():
            if value.dim() == 2:
                value[row, length:] = 0  # drop the aspect segment, as padding
    with torch.no_grad():
        assert torch.allclose(model(**pair).logits, model(**sentence_only).logits, atol=1e-5)
        spc_model = make_model(backbone_dict, "lcf_bert", lcf="fusion").eval()
        assert not torch.allclose(spc_model(**pair).logits, spc_model(**sentence_only).logits, atol=1e-3)


TINY_BACKBONES = {
    "roberta": {"type_vocab_size": 1, "pad_token_id": 1},
    "deberta-v2": {
        "type_vocab_size": 0,
        "relative_attention": True,
        "position_buckets": 8,
        "pos_att_type": ["p2c", "c2p"],
    },
    "distilbert": {},
}


@pytest.mark.parametrize("model_type", TINY_BACKBONES)
@pytest.mark.parametrize(
    "case", [("bert_spc", {"lsa": True}), ("lcf_bert", {"lcf": "fusion"}), ("fast_lsa_t_v2", {})], ids=case_id
)
def test_other_backbone_families(model_type, case):
    apc_model, settings = case
    size = {"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}
    if model_type == "distilbert":
        size = {"dim": 16, "n_layers": 1, "n_heads": 2, "hidden_dim": 32}
    backbone = AutoConfig.for_model(
        model_type, vocab_size=60, max_position_embeddings=64, **size, **TINY_BACKBONES[model_type]
    )
    model = make_model(backbone.to_dict(), apc_model, **settings).train()
    keys = model.state_dict().keys()
    assert not [key for key in keys if f"backbone.{key}" in keys], "head name clashes with a backbone module"
    batch = make_batch(60)
    for name in ("token_type_ids", "left_token_type_ids", "right_token_type_ids"):  # these tokenizers make none
        del batch[name]
    output = model(**batch)
    output.loss.backward()
    assert torch.isfinite(output.loss) and model.classifier.weight.grad is not None


@pytest.mark.parametrize(
    ("apc_model", "settings", "dropped", "missing"),
    [
        ("lcf_bert", {}, ["sentence_length"], "sentence_length"),
        ("lcf_bert", {"lcf": "cdm"}, ["lcf_cdm_vec"], "lcf_cdm_vec"),
        ("fast_lcf_bert", {"lcf": "fusion"}, ["lcf_cdw_vec"], "lcf_cdw_vec"),
        ("fast_lcf_bert", {"use_bert_spc": False}, ["sentence_length"], "sentence_length"),
        ("fast_lsa_t_v2", {}, ["left_lcf_cdw_vec", "right_lcf_cdw_vec"], "left_lcf_cdw_vec, right_lcf_cdw_vec"),
        ("bert_spc", {"lsa": True}, ["right_input_ids"], "right_input_ids"),
        ("bert_spc_v2", {"lsa": True, "window": "l"}, ["left_attention_mask"], "left_attention_mask"),
        ("bert_spc", {"lsa": True}, ["left_token_type_ids"], "left_token_type_ids"),
    ],
)
def test_missing_input_names_argument_and_architecture(
    apc_model, settings, dropped, missing, backbone_dict, vocab_size
):
    model = make_model(backbone_dict, apc_model, **settings)
    batch = make_batch(vocab_size)
    for name in dropped:
        del batch[name]
    with pytest.raises(ValueError, match=re.escape(missing)) as error:
        model(**batch)
    assert repr(apc_model) in str(error.value)


def test_only_the_inputs_of_the_chosen_lcf_and_window_are_needed(backbone_dict, vocab_size):
    batch = make_batch(vocab_size)
    lcf_cdm_only = {name: batch[name] for name in ("input_ids", "attention_mask", "lcf_cdm_vec", "sentence_length")}
    make_model(backbone_dict, "lcf_bert", lcf="cdm")(**lcf_cdm_only)
    left_window = {k: v for k, v in batch.items() if not k.startswith("right_") and "cdm" not in k}
    make_model(backbone_dict, "fast_lsa_t_v2", window="l")(**left_window)
    spc_only = {name: batch[name] for name in ("input_ids", "attention_mask", "token_type_ids")}
    assert make_model(backbone_dict, "bert_spc")(**spc_only, return_dict=False)[0].shape == (2, 3)


def test_misaligned_per_token_input_is_rejected(backbone_dict, vocab_size):
    batch = make_batch(vocab_size)
    batch["lcf_cdw_vec"] = batch["lcf_cdw_vec"][:, :-1]
    with pytest.raises(ValueError, match="lcf_cdw_vec has shape"):
        make_model(backbone_dict, "fast_lcf_bert")(**batch)


def test_required_inputs_follow_the_spec():
    for apc_model in APC_MODELS:
        expected = APC_MODEL_INPUTS[apc_model]
        assert required_inputs(apc_model) == expected
    assert required_inputs("bert_spc", lsa=True) == LSA_SPC_INPUTS
    assert required_inputs("bert_spc_v2", lsa=True) == LSA_SPC_INPUTS
    assert required_inputs("fast_lcf_bert", use_bert_spc=False)[-1] == "sentence_length"
    assert required_inputs("fast_lsa_t_v2", lcf="cdm", window="r") == ("lcf_cdm_vec", "right_lcf_cdm_vec")
    assert required_inputs("bert_spc", lsa=True, window="l") == (
        "left_input_ids",
        "left_attention_mask",
        "left_token_type_ids",
    )
    assert APC_MODELS[:5] == ("bert_spc", "bert_spc_v2", "lcf_bert", "fast_lcf_bert", "fast_lsa_t_v2")
    with pytest.raises(ValueError, match="apc_model='lsa_x'"):
        required_inputs("lsa_x")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"apc_model": "lcx_bert"}, "apc_model='lcx_bert'"),
        ({"apc_model": "fast_lcf_bert_att", "lcf": "fusion"}, "lcf='fusion' is not defined for 'fast_lcf_bert_att'"),
        ({"sigma": 1.5}, "sigma"),
        ({"lcf": "cdx"}, "lcf='cdx'"),
        ({"window": "rl"}, "window='rl'"),
        ({"srd": -1}, "srd"),
        ({"SRD": 2.5}, "srd"),
        ({"eta": -0.5}, "eta"),
        ({"dropout": 1.0}, "dropout"),
        ({"dropout": -0.1}, "dropout"),
        ({"apc_model": "lcf_bert", "lsa": True}, "lsa=True"),
        ({"labels": ["Positive", "Positive"]}, "distinct"),
        ({"labels": ["Positive"]}, "at least 2"),
        ({"backbone_config": {"hidden_size": 8}}, "model_type"),
    ],
)
def test_config_validation(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        APCConfig(**{"labels": LABELS, **kwargs})


def test_config_round_trip_needs_no_backbone_files(tmp_path, backbone_dict):
    config = APCConfig(
        backbone_config=backbone_dict,
        apc_model="fast_lsa_t_v2",
        lcf="fusion",
        window="l",
        eta=0.25,
        SRD=5,
        labels=LABELS,
        backbone_name_or_path=str(tmp_path / "no-such-backbone"),  # never read back
    )
    config.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["model_type"] == "hf_absa_apc" and saved["backbone_config"]["model_type"] == "bert"
    assert saved["hf_absa_version"] == HF_ABSA_VERSION

    reloaded = AutoConfig.from_pretrained(tmp_path)
    assert isinstance(reloaded, APCConfig)
    assert reloaded.id2label == {0: "Negative", 1: "Neutral", 2: "Positive"}
    assert reloaded.label2id == {"Negative": 0, "Neutral": 1, "Positive": 2}
    assert reloaded.problem_type == "single_label_classification"
    for field in ("apc_model", "lcf", "window", "eta", "srd", "lsa", "use_bert_spc", "dropout", "max_seq_len"):
        assert getattr(reloaded, field) == getattr(config, field), field
    backbone = reloaded.get_backbone_config()
    assert type(backbone).__name__ == "BertConfig"
    assert backbone.hidden_size == backbone_dict["hidden_size"] == 16
    assert backbone.vocab_size == backbone_dict["vocab_size"]


def test_registration_is_idempotent_and_auto_classes_return_ours(tmp_path, backbone_dict):
    register_auto_classes()
    register_auto_classes()
    model = make_model(backbone_dict, "bert_spc")
    model.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    # Plain saves stay code-free; save mode 2 (training/export.py) adds the code and auto_map.
    assert "auto_map" not in saved
    assert "modeling_apc.py" not in os.listdir(tmp_path)
    loaded = AutoModelForSequenceClassification.from_pretrained(tmp_path)  # local code, no trust_remote_code
    assert type(loaded) is APCModelForSequenceClassification


@pytest.mark.parametrize(
    "case",
    [("lcf_bert", {"lcf": "fusion"}), ("fast_lsa_t_v2", {"lcf": "fusion"}), ("bert_spc_v2", {"lsa": True})],
    ids=case_id,
)
def test_checkpoint_round_trip_restores_every_tensor(case, tmp_path, backbone_dict, vocab_size):
    apc_model, settings = case
    model = make_model(backbone_dict, apc_model, **settings).eval()
    set_etas(model, 0.123)  # not the config's initial value: must come from the file
    model.save_pretrained(tmp_path)  # safetensors: would raise on shared tensors
    reloaded = APCModelForSequenceClassification.from_pretrained(tmp_path)
    original, restored = model.state_dict(), reloaded.state_dict()
    assert original.keys() == restored.keys()
    for name in original:
        assert torch.equal(original[name], restored[name]), name
    batch = make_batch(vocab_size)
    with torch.no_grad():
        assert torch.equal(model(**batch).logits, reloaded(**batch).logits)


def test_from_pretrained_backbone_mode(tiny_backbone_dir, tmp_path, vocab_size):
    model = APCModelForSequenceClassification.from_pretrained(
        tiny_backbone_dir, labels=LABELS, apc_model="fast_lsa_t_v2", lcf="cdm", window="r", eta=0.5
    )
    assert (model.config.apc_model, model.config.lcf, model.config.window) == ("fast_lsa_t_v2", "cdm", "r")
    assert model.config.backbone_name_or_path == str(tiny_backbone_dir)
    assert model.config.id2label == dict(enumerate(LABELS))
    assert model.cdm_lsa.eta2.item() == 0.5
    reference = BertModel.from_pretrained(tiny_backbone_dir).state_dict()
    ours = model.backbone.state_dict()
    assert ours.keys() == reference.keys()
    for name in reference:
        assert torch.equal(ours[name], reference[name]), name

    # ... and our checkpoint of it loads back in checkpoint mode with identical logits.
    model.save_pretrained(tmp_path)
    reloaded = APCModelForSequenceClassification.from_pretrained(tmp_path)
    batch = make_batch(vocab_size)
    with torch.no_grad():
        assert torch.equal(model(**batch).logits, reloaded(**batch).logits)
    with pytest.raises(ValueError, match="does not match"):
        APCModelForSequenceClassification.from_pretrained(tmp_path, labels=["Positive", "Negative"])
    with pytest.raises(ValueError, match="does not match"):
        APCModelForSequenceClassification.from_pretrained(tmp_path, apc_model="bert_spc")


def test_from_pretrained_backbone_mode_errors(tiny_backbone_dir):
    with pytest.raises(ValueError, match=r"labels=\[") as error:
        APCModelForSequenceClassification.from_pretrained(tiny_backbone_dir)
    assert "not an hf_absa checkpoint" in str(error.value)
    with pytest.raises(TypeError, match="lfc"):
        APCModelForSequenceClassification.from_pretrained(tiny_backbone_dir, labels=LABELS, lfc="cdm")


def head_state(model: APCModelForSequenceClassification) -> dict[str, torch.Tensor]:
    return {name: value for name, value in model.state_dict().items() if not name.startswith("backbone.")}


def test_backbone_mode_builds_one_backbone(tiny_backbone_dir, monkeypatch):
    """The pretrained backbone is loaded once and used as it is: no random copy is built next to it."""
    calls = collections.Counter()
    original_from_pretrained, original_from_config = AutoModel.from_pretrained, AutoModel.from_config
    original_init = BertModel.__init__

    def counting(name, original):
        def call(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        return call

    monkeypatch.setattr(AutoModel, "from_pretrained", counting("AutoModel.from_pretrained", original_from_pretrained))
    monkeypatch.setattr(AutoModel, "from_config", counting("AutoModel.from_config", original_from_config))
    monkeypatch.setattr(BertModel, "__init__", counting("BertModel.__init__", original_init))
    model = APCModelForSequenceClassification.from_pretrained(tiny_backbone_dir, labels=LABELS, apc_model="lcf_bert")
    assert calls == {"AutoModel.from_pretrained": 1, "BertModel.__init__": 1}
    reference = original_from_pretrained(tiny_backbone_dir).state_dict()
    assert model.backbone.state_dict().keys() == reference.keys()
    assert all(torch.equal(model.backbone.state_dict()[name], reference[name]) for name in reference)


@pytest.mark.parametrize("seed", [0, 1])
def test_backbone_mode_head_is_initialised_as_in_the_config_path(seed, tiny_backbone_dir, monkeypatch):
    """Before the single load, backbone mode was `cls(config)` (random backbone, then the head) plus a weight copy,
    so its head was the config path's for the same seed. It still is, once the config path's random backbone
    draws are set aside: the head initialisation itself (scheme, order, eta values) is unchanged."""
    torch.manual_seed(seed)
    model = APCModelForSequenceClassification.from_pretrained(
        tiny_backbone_dir, labels=LABELS, apc_model="fast_lsa_t_v2", eta=0.7
    )

    original_from_config = AutoModel.from_config

    def random_backbone_aside(config, **kwargs):
        with torch.random.fork_rng(devices=[]):
            return original_from_config(config, **kwargs)

    monkeypatch.setattr(AutoModel, "from_config", random_backbone_aside)
    torch.manual_seed(seed)
    reference = APCModelForSequenceClassification(model.config)

    ours, expected = head_state(model), head_state(reference)
    assert ours.keys() == expected.keys() and len(ours) > 20
    for name in expected:
        assert torch.equal(ours[name], expected[name]), name
    assert model.cdw_lsa.eta1.item() == pytest.approx(0.7)
    bound = 1 / (model.config.get_backbone_config().hidden_size ** 0.5)  # PyTorch's Linear init, not N(0, 0.02)
    assert 0.5 * bound < model.head_pooler.dense.weight.abs().max() <= bound
    torch.manual_seed(seed + 10)
    other = APCModelForSequenceClassification.from_pretrained(
        tiny_backbone_dir, labels=LABELS, apc_model="fast_lsa_t_v2"
    )
    assert not torch.equal(head_state(other)["classifier.weight"], ours["classifier.weight"])


def test_backbone_mode_passes_load_options_to_the_backbone(tiny_backbone_dir, tmp_path, vocab_size):
    model = APCModelForSequenceClassification.from_pretrained(
        tiny_backbone_dir, labels=LABELS, apc_model="bert_spc_v2", lsa=True, dtype=torch.bfloat16, device_map="cpu"
    )
    assert {parameter.dtype for parameter in model.parameters()} == {torch.bfloat16}  # head follows the backbone
    reference = BertModel.from_pretrained(tiny_backbone_dir, dtype=torch.bfloat16).state_dict()
    assert all(torch.equal(model.backbone.state_dict()[name], reference[name]) for name in reference)
    batch = make_batch(vocab_size)
    assert model(**batch).logits.dtype == torch.bfloat16
    model.save_pretrained(tmp_path / "bf16")
    reloaded = APCModelForSequenceClassification.from_pretrained(tmp_path / "bf16")
    assert {parameter.dtype for parameter in reloaded.parameters()} == {torch.bfloat16}
    with torch.no_grad():
        assert torch.equal(model(**batch).logits, reloaded(**batch).logits)

    # An fp32 checkpoint loaded with dtype=: the backbone too (it used to stay in its stored config's float32).
    fp32 = APCModelForSequenceClassification.from_pretrained(tiny_backbone_dir, labels=LABELS)
    fp32.save_pretrained(tmp_path / "fp32")
    cast = APCModelForSequenceClassification.from_pretrained(tmp_path / "fp32", dtype=torch.bfloat16)
    assert {parameter.dtype for parameter in cast.parameters()} == {torch.bfloat16}

    for implementation in ("eager", "sdpa"):
        model = APCModelForSequenceClassification.from_pretrained(
            tiny_backbone_dir, labels=LABELS, attn_implementation=implementation
        )
        assert model.backbone.config._attn_implementation == implementation
    with pytest.raises(ValueError, match="one device"):
        APCModelForSequenceClassification.from_pretrained(tiny_backbone_dir, labels=LABELS, device_map="auto")


def custom_code_backbone(tiny_backbone_dir, folder, model_type: str):
    """A copy of the tiny BERT whose config.json points at custom code (the code files are never read)."""
    shutil.copytree(tiny_backbone_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config.update(
        model_type=model_type,
        auto_map={"AutoConfig": "configuration_custom.CustomConfig", "AutoModel": "modeling_custom.CustomModel"},
    )
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_custom_code_backbones_are_refused_before_loading(tiny_backbone_dir, tmp_path, monkeypatch):
    unknown = custom_code_backbone(tiny_backbone_dir, tmp_path / "custom", "my_custom_bert")
    known = custom_code_backbone(tiny_backbone_dir, tmp_path / "bert-with-code", "bert")

    def refuse(*args, **kwargs):
        raise AssertionError("the backbone was loaded")

    with monkeypatch.context() as patched:
        patched.setattr(AutoModel, "from_pretrained", refuse)
        with pytest.raises(ValueError, match="'my_custom_bert', which transformers .* does not build in") as error:
            APCModelForSequenceClassification.from_pretrained(unknown, labels=LABELS, trust_remote_code=True)
        assert "\n" not in str(error.value)
        with pytest.raises(ValueError, match="omit trust_remote_code") as error:
            APCModelForSequenceClassification.from_pretrained(known, labels=LABELS, trust_remote_code=True)
        assert "\n" not in str(error.value)
    # Without trust_remote_code, transformers' own BERT classes are used, as a saved model would rebuild them.
    model = APCModelForSequenceClassification.from_pretrained(known, labels=LABELS, trust_remote_code=False)
    assert type(model.backbone) is BertModel


def test_a_given_backbone_must_match_the_config(backbone_dict):
    config = APCConfig(backbone_config=backbone_dict, labels=LABELS)
    other = AutoModel.from_config(DistilBertConfig(vocab_size=60, dim=16, n_layers=1, n_heads=2, hidden_dim=32))
    with pytest.raises(ValueError, match="model_type 'distilbert'.*describes model_type 'bert'"):
        APCModelForSequenceClassification(config, backbone=other)


def test_stock_text_classification_pipeline_runs_bert_spc(tiny_backbone_dir, tiny_tokenizer):
    from transformers import pipeline

    model = APCModelForSequenceClassification.from_pretrained(tiny_backbone_dir, labels=LABELS)
    classifier = pipeline("text-classification", model=model, tokenizer=tiny_tokenizer)
    result = classifier({"text": "the battery life is good", "text_pair": "battery life"})
    entry = result[0] if isinstance(result, list) else result
    assert entry["label"] in LABELS


def test_gradient_checkpointing(backbone_dict, vocab_size):
    model = make_model(backbone_dict, "fast_lcf_bert").train()
    model.activation_checkpointing_enable()
    model(**make_batch(vocab_size)).loss.backward()
    assert model.backbone.embeddings.word_embeddings.weight.grad is not None



@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_bf16_linear_weights_give_the_autocast_logits_bit_for_bit(case, backbone_dict, vocab_size):
    from hf_absa.inference.precision import with_bf16_linear_weights

    apc_model, settings = case
    model = make_model(backbone_dict, apc_model, **settings).eval()
    batch = make_batch(vocab_size)
    cast = with_bf16_linear_weights(model)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        expected, got = model(**batch).logits, cast(**batch).logits
    assert torch.equal(got, expected)
    assert {parameter.dtype for parameter in model.parameters()} == {torch.float32}  # the original is untouched
    linear = [module for module in cast.modules() if type(module) is torch.nn.Linear]
    assert linear and all(module.weight.dtype == torch.bfloat16 for module in linear)
    # Everything else is shared, not copied: the word embeddings are the very same tensor.
    assert cast.get_input_embeddings().weight is model.get_input_embeddings().weight


def test_bf16_linear_weights_leave_tied_and_subclassed_layers_alone():
    from hf_absa.inference.precision import with_bf16_linear_weights

    class ScaledLinear(torch.nn.Linear):
        pass

    model = torch.nn.ModuleDict({"embed": torch.nn.Embedding(10, 4), "head": torch.nn.Linear(4, 10, bias=False),
                                 "own": torch.nn.Linear(4, 4), "scaled": ScaledLinear(4, 4)})
    model["head"].weight = model["embed"].weight  # tied, as a language-model head is
    cast = with_bf16_linear_weights(model)
    assert cast["own"].weight.dtype == cast["own"].bias.dtype == torch.bfloat16
    assert cast["head"].weight is model["embed"].weight and model["embed"].weight.dtype == torch.float32
    assert cast["scaled"].weight.dtype == torch.float32

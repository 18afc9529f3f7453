"""The rest of PyABSA's LCF family (bert_mlp, lcf_dual_bert, fast_lcf_bert_att, lca_bert, lsa_t, fast_lsa_t): what
each architecture reads and computes, checked against PyABSA's definitions written out by hand; their second
backbones, the LCA loss, the Trainer, ensembles of them and their remote-code export.

Tiny random BERT backbones (`tiny_backbone_dir`); the generic checks (shapes, gradients to every parameter, padding,
missing inputs) are in test_models.py, which runs every architecture.
"""

from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoModel, AutoModelForSequenceClassification

from apc_fixtures import build_features, build_model, randomized, synthetic_rows
from hf_absa.commands import train
from hf_absa.commands._common import CommandLineError
from hf_absa.data.collator import DataCollatorForAPC
from hf_absa.models import APCConfig, APCModelForSequenceClassification, required_inputs
from hf_absa.models.configuration_apc import LSA_SPC_INPUTS
from hf_absa.training import APCTrainer, APCTrainingArguments, export_checkpoint
from remote_code import run_without_hf_absa
from test_ensemble import labelled_batch
from test_export import REMOTE_LOAD_SCRIPT
from test_models import LABELS, make_batch, make_model

NEW_MODELS = ["bert_mlp", "lcf_dual_bert", "fast_lcf_bert_att", "lca_bert", "lsa_t", "fast_lsa_t"]


@pytest.fixture(scope="module")
def backbone_dict(tiny_backbone_dir) -> dict:
    from transformers import AutoConfig

    return {**AutoConfig.from_pretrained(tiny_backbone_dir).to_dict(), "initializer_range": 0.3}


@pytest.fixture(scope="module")
def vocab_size(backbone_dict) -> int:
    return backbone_dict["vocab_size"]


def test_pyabsa_1_name_bert_base_is_bert_mlp_everywhere(tiny_backbone_dir):
    assert APCConfig(apc_model="bert_base", labels=LABELS).apc_model == "bert_mlp"
    assert required_inputs("bert_base") == ()
    model = build_model(tiny_backbone_dir, "bert_base")
    assert model.config.apc_model == "bert_mlp"
    ensemble = APCConfig(labels=LABELS, ensemble_models=["bert_base", "lca_bert"])
    assert ensemble.ensemble_models == ["bert_mlp", "lca_bert"]
    _, model_args, _, _ = train.parse(["--architecture", "bert_base", "--output_dir", "unused"])
    assert APCConfig(apc_model=model_args.apc_model, labels=LABELS).apc_model == "bert_mlp"


def test_lca_bert_records_the_cdm_vector_it_reads_whatever_lcf_says():
    for lcf in ("cdw", "fusion", "cdm"):
        assert APCConfig(apc_model="lca_bert", lcf=lcf, labels=LABELS).lcf == "cdm"
    assert APCConfig(apc_model="lcf_bert", lcf="fusion", labels=LABELS).lcf == "fusion"


def test_pyabsa_class_names_in_upper_case_name_the_architectures(tiny_backbone_dir):
    from hf_absa.models import ATEPCConfig

    assert APCConfig(apc_model="FAST_LSA_T", labels=LABELS).apc_model == "fast_lsa_t"
    assert APCConfig(labels=LABELS, ensemble_models=["BERT_SPC", "LCA_BERT"]).ensemble_models == ["bert_spc",
                                                                                               "lca_bert"]
    assert ATEPCConfig(atepc_model="FAST_LCF_ATEPC", polarity_labels=LABELS).atepc_model == "fast_lcf_atepc"
    _, model_args, _, _ = train.parse(["--architecture", "FAST_LSA_T", "--output_dir", "unused"])
    assert APCConfig(apc_model=model_args.apc_model, labels=LABELS).apc_model == "fast_lsa_t"
    _, model_args, _, _ = train.parse(["--ensemble_models", "BERT_SPC", "Lsa_T", "--output_dir", "unused"])
    assert APCConfig(ensemble_models=model_args.ensemble_models, labels=LABELS).ensemble_models == ["bert_spc",
                                                                                                "lsa_t"]
    with pytest.raises(CommandLineError, match="invalid choice: 'FAST_LSA'"):  # another name stays an error
        train.parse(["--architecture", "FAST_LSA", "--output_dir", "unused"])
    with pytest.raises(ValueError, match="not an hf_absa ATEPC architecture"):
        ATEPCConfig(atepc_model="LCF_BERT", polarity_labels=LABELS)


@pytest.mark.parametrize(
    ("apc_model", "settings", "expected"),
    [
        ("lca_bert", {"lcf": "cdw"}, ("lcf_cdm_vec", "sentence_length")),  # always the CDM mask
        ("lcf_dual_bert", {"lcf": "cdm"}, ("lcf_cdm_vec", "sentence_length")),
        ("fast_lcf_bert_att", {"lcf": "cdw"}, ("lcf_cdw_vec",)),
        ("fast_lcf_bert_att", {"lcf": "cdw", "use_bert_spc": False}, ("lcf_cdw_vec", "sentence_length")),
        ("fast_lsa_t", {"lcf": "cdm", "window": "r"}, ("lcf_cdm_vec", "right_lcf_cdm_vec")),
        ("lsa_t", {"lcf": "cdw", "window": "l"},
         ("lcf_cdw_vec", "left_lcf_cdw_vec", "left_input_ids", "left_attention_mask", "left_token_type_ids")),
        ("bert_mlp", {"lcf": "fusion"}, ()),
    ],
)
def test_each_architecture_reads_only_its_inputs(apc_model, settings, expected):
    assert required_inputs(apc_model, **{"lcf": "cdw", "window": "lr", **settings}) == expected
    config = APCConfig(apc_model=apc_model, labels=LABELS, **settings)
    assert config.forward_inputs == expected


def test_lsa_t_reads_the_neighbours_pairs_with_pyabsas_fixed_weights(backbone_dict, vocab_size):
    """lsa_t encodes the neighbours' own pairs; with the default eta=1 PyABSA's right window weight is 1 - eta = 0."""
    batch = make_batch(vocab_size)
    other_pairs = {**batch}
    for side in ("left", "right"):
        other_pairs[f"{side}_input_ids"] = batch[f"{side}_input_ids"].flip(0)
        other_pairs[f"{side}_attention_mask"] = batch[f"{side}_attention_mask"].flip(0)
        other_pairs[f"{side}_token_type_ids"] = batch[f"{side}_token_type_ids"].flip(0)
    right_changed = {**batch, "right_input_ids": other_pairs["right_input_ids"]}
    with torch.no_grad():
        lsa_t = make_model(backbone_dict, "lsa_t").eval()
        assert not torch.allclose(lsa_t(**batch).logits, lsa_t(**other_pairs).logits, atol=1e-4)
        assert torch.allclose(lsa_t(**batch).logits, lsa_t(**right_changed).logits, atol=1e-6)  # × (1 - 1) = 0
        weighted = make_model(backbone_dict, "lsa_t", eta=0.3).eval()
        assert not torch.allclose(weighted(**batch).logits, weighted(**right_changed).logits, atol=1e-4)
        # fast_lsa_t has one pass: it reads no neighbour pairs, and no eta (unweighted windows, as PyABSA's).
        fast = make_model(backbone_dict, "fast_lsa_t").eval()
        assert torch.equal(fast(**batch).logits, fast(**other_pairs).logits)
        assert torch.equal(fast(**batch).logits, make_model(backbone_dict, "fast_lsa_t", eta=0.3).eval()(**batch).logits)
    assert not [name for name, _ in fast.named_parameters() if "eta" in name]
    assert not [name for name, _ in lsa_t.named_parameters() if "eta" in name]


def test_lsa_t_left_window_is_its_own_backbone_pass(backbone_dict, vocab_size):
    """The left window's encoder sees the backbone's features of the left pair weighted by the left vector."""
    model = make_model(backbone_dict, "lsa_t", window="l").eval()
    batch = make_batch(vocab_size, lengths=(10,))
    seen = {}
    model.cdw_lsa.left_encoder.register_forward_hook(lambda module, args, output: seen.update(left=args[0]))
    with torch.no_grad():
        model(**batch)
        left_hidden = model.backbone(input_ids=batch["left_input_ids"], attention_mask=batch["left_attention_mask"],
                                     token_type_ids=batch["left_token_type_ids"])[0]
    expected = left_hidden * batch["left_attention_mask"].unsqueeze(-1) * batch["left_lcf_cdw_vec"].unsqueeze(-1)
    assert torch.allclose(seen["left"], expected, atol=1e-6)


def test_fast_lcf_bert_att_attention_is_pyabsas(backbone_dict, vocab_size):
    """PyABSA: alpha = softmax(sum over dim 1 of local @ globalᵀ); attended = alpha @ global; logits =
    dense(linear3(cat(pooler(global), attended, pooler(local)))) — here computed with the (length × length) matrix."""
    model = make_model(backbone_dict, "fast_lcf_bert_att").eval()
    batch = make_batch(vocab_size, lengths=(11,))  # unpadded: PyABSA attends every position
    seen = {}
    model.backbone.register_forward_hook(lambda module, args, output: seen.update(global_=output[0]))
    model.cdw_encoder.register_forward_hook(lambda module, args, output: seen.update(local=output))
    with torch.no_grad():
        logits = model(**batch).logits
        global_, local = seen["global_"], seen["local"]
        alpha = torch.softmax(torch.matmul(local, global_.transpose(1, 2)).sum(1, keepdim=True), dim=2)
        attended = torch.matmul(alpha, global_).squeeze(1)
        features = torch.cat([model.head_pooler(global_), attended, model.head_pooler(local)], dim=-1)
        expected = model.classifier(model.att_linear(features))
    assert torch.allclose(logits, expected, atol=1e-5)


def test_lca_bert_loss_is_sigma_weighted_local_context_prediction(backbone_dict, vocab_size):
    model = make_model(backbone_dict, "lca_bert", sigma=0.4).eval()
    batch = make_batch(vocab_size, lengths=(12, 9, 10), extra_pad=2)
    batch["labels"] = torch.tensor([2, -100, 0])
    seen = {}
    model.local_context_classifier.register_forward_hook(lambda module, args, output: seen.update(token=output))
    with torch.no_grad():
        output = model(**batch)
    # By hand: per-token cross-entropy against the CDM mask, over the real tokens of the labelled rows.
    counted = batch["attention_mask"].bool() & batch["labels"].ne(-100).unsqueeze(1)
    targets = batch["lcf_cdm_vec"].long()
    expected_local = torch.nn.functional.cross_entropy(seen["token"][counted], targets[counted])
    assert output.local_context_loss.item() == pytest.approx(expected_local.item(), rel=1e-5)
    sentiment = torch.nn.functional.cross_entropy(output.logits[[0, 2]], torch.tensor([2, 0]))
    assert output.loss.item() == pytest.approx((0.6 * sentiment + 0.4 * expected_local).item(), rel=1e-5)
    # The local-context labels are the CDM mask: another mask, another loss.
    with torch.no_grad():
        flipped = model(**{**batch, "lcf_cdm_vec": 1.0 - batch["lcf_cdm_vec"]}).local_context_loss
    assert flipped.item() != pytest.approx(output.local_context_loss.item(), rel=1e-3)
    # No labels, no loss; no labelled row, a zero loss (not NaN).
    with torch.no_grad():
        assert model(**{k: v for k, v in batch.items() if k != "labels"}).local_context_loss is None
        unlabelled = model(**{**batch, "labels": torch.full((3,), -100)})
    assert unlabelled.loss.item() == 0.0 and unlabelled.local_context_loss.item() == 0.0


@pytest.mark.parametrize("apc_model", ["lcf_dual_bert", "lca_bert"])
def test_second_backbone_starts_pretrained_trains_apart_and_reloads(apc_model, tiny_backbone_dir, tmp_path):
    model = build_model(tiny_backbone_dir, apc_model)
    pretrained = AutoModel.from_pretrained(tiny_backbone_dir).state_dict()
    for backbone in (model.backbone, model.local_backbone):
        assert all(torch.equal(backbone.state_dict()[name], value) for name, value in pretrained.items())
    weight = model.local_backbone.embeddings.word_embeddings.weight
    assert weight.data_ptr() != model.backbone.embeddings.word_embeddings.weight.data_ptr()

    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    batch = make_batch(model.config.get_backbone_config().vocab_size)
    model(**batch).loss.backward()
    optimizer.step()
    changed = [not torch.equal(model.backbone.state_dict()[name], model.local_backbone.state_dict()[name])
               for name in pretrained]
    assert any(changed), "the two backbones trained as one"

    model.eval().save_pretrained(tmp_path)
    reloaded = AutoModelForSequenceClassification.from_pretrained(tmp_path).eval()
    assert reloaded.state_dict().keys() == model.state_dict().keys()
    for name, value in model.state_dict().items():
        assert torch.equal(reloaded.state_dict()[name], value), name
    with torch.no_grad():
        assert torch.equal(model(**batch).logits, reloaded(**batch).logits)


@pytest.mark.parametrize("apc_model", NEW_MODELS)
def test_trains_and_evaluates_with_the_trainer(apc_model, tiny_backbone_dir, tiny_tokenizer, tmp_path):
    features = build_features(tiny_tokenizer, synthetic_rows(24), apc_model, LABELS)
    torch.manual_seed(0)
    model = build_model(tiny_backbone_dir, apc_model, max_seq_len=40)
    args = APCTrainingArguments(str(tmp_path), max_steps=2, per_device_train_batch_size=8, eval_strategy="no",
                                save_strategy="no", load_best_model_at_end=False, use_cpu=True, disable_tqdm=True,
                                learning_rate=1e-3)
    trainer = APCTrainer(model=model, args=args, train_dataset=features["train"], processing_class=tiny_tokenizer)
    before = model.classifier.weight.detach().clone()
    trainer.train()
    assert not torch.equal(before, model.classifier.weight)
    metrics = trainer.evaluate(features["train"], metric_key_prefix="test")
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["test_loss"] > 0


ENSEMBLE_MEMBERS = NEW_MODELS


@pytest.fixture(scope="module")
def new_member_ensemble(tiny_backbone_dir):
    torch.manual_seed(0)
    return randomized(build_model(tiny_backbone_dir, "ensemble", ensemble_models=ENSEMBLE_MEMBERS, max_seq_len=40,
                                  sigma=0.25))


def test_ensemble_of_the_new_architectures_combines_members_and_lca_loss(new_member_ensemble, tiny_tokenizer):
    model = new_member_ensemble
    assert [member.config.apc_model for member in model.members] == ENSEMBLE_MEMBERS
    assert set(model.config.forward_inputs) >= set(LSA_SPC_INPUTS) | {"lcf_cdm_vec", "lcf_cdw_vec", "sentence_length"}
    batch = labelled_batch(model, tiny_tokenizer)
    labels = batch.pop("labels")
    with torch.no_grad():
        output = model(**batch, labels=labels)
        members = [member(**batch, labels=labels) for member in model.members]
    expected = model.cat_linear(torch.cat([member.logits for member in members], dim=-1))
    assert torch.allclose(output.logits, expected, atol=1e-5)
    lca = members[ENSEMBLE_MEMBERS.index("lca_bert")].local_context_loss
    assert output.local_context_loss.item() == pytest.approx(lca.item(), rel=1e-5)
    cross_entropy = torch.nn.functional.cross_entropy(expected, labels)
    assert output.loss.item() == pytest.approx((0.75 * cross_entropy + 0.25 * lca).item(), rel=1e-4)
    # The members' second backbones are their own, not the shared one.
    dual = model.members[ENSEMBLE_MEMBERS.index("lcf_dual_bert")]
    assert dual.local_backbone is not model.backbone
    assert any(key.startswith("members.1.local_backbone.") for key in model.state_dict())


def test_ensemble_of_the_new_architectures_trains_every_parameter(tiny_backbone_dir, tiny_tokenizer):
    # eta=0.5: with the default eta=1, lsa_t's right window is weighted 0 (PyABSA's fixed weights) and learns nothing.
    model = build_model(tiny_backbone_dir, "ensemble", ensemble_models=ENSEMBLE_MEMBERS, max_seq_len=40,
                        eta=0.5).train()
    model(**labelled_batch(model, tiny_tokenizer)).loss.backward()
    for name, parameter in model.named_parameters():
        if ".pooler." in name and "backbone" in name:  # the backbones' own poolers feed nothing (as in PyABSA)
            continue
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_ensemble_of_the_new_architectures_loads_without_hf_absa(new_member_ensemble, tiny_tokenizer, tmp_path):
    """Save mode 2 (remote code): every new architecture's code runs where hf_absa cannot be imported."""
    model = new_member_ensemble
    batch = labelled_batch(model, tiny_tokenizer)
    batch.pop("labels")
    with torch.no_grad():
        logits = model(**batch).logits
    export_checkpoint(model, tiny_tokenizer, tmp_path / "m2", mode=2)
    assert json.loads((tmp_path / "m2" / "config.json").read_text())["ensemble_models"] == ENSEMBLE_MEMBERS
    torch.save(dict(batch), tmp_path / "inputs.pt")
    run_without_hf_absa(REMOTE_LOAD_SCRIPT, tmp_path / "m2", tmp_path / "inputs.pt", tmp_path / "out.pt",
                        workdir=tmp_path)
    result = torch.load(tmp_path / "out.pt")
    assert result["class"].startswith("transformers_modules.")
    assert torch.allclose(result["logits"], logits, atol=1e-5)
    reloaded = APCModelForSequenceClassification.from_pretrained(tmp_path / "m2").eval()
    with torch.no_grad():
        assert torch.equal(reloaded(**batch).logits, logits)


def test_processor_features_feed_every_new_architecture(tiny_backbone_dir, tiny_tokenizer):
    """The processor's columns (not synthetic tensors) run each architecture, through the collator."""
    rows = synthetic_rows(6, seed=2)
    for apc_model in NEW_MODELS:
        features = build_features(tiny_tokenizer, rows, apc_model, LABELS)["train"]
        assert set(features.column_names) == {"input_ids", "attention_mask", "token_type_ids", "labels",
                                              *required_inputs(apc_model)}
        batch = DataCollatorForAPC(tiny_tokenizer)(list(features))
        model = build_model(tiny_backbone_dir, apc_model, max_seq_len=40).eval()
        with torch.no_grad():
            output = model(**batch)
        assert output.logits.shape == (6, len(LABELS)) and torch.isfinite(output.loss)


def test_the_pyabsa_equivalence_check_covers_every_architecture_pyabsa_has():
    """benchmarks/check_pyabsa_equivalence.py (run in PyABSA's virtualenv, not here) names every architecture but
    bert_spc_v2 (PyABSA's BERT_SPC_V2 always builds eta weights that hf_absa's only has with lsa)."""
    import sys

    from conftest import REPO_ROOT
    from hf_absa.models import APC_MODELS

    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from check_pyabsa_equivalence import ARCHITECTURES, renamed

    assert set(ARCHITECTURES) == set(APC_MODELS) - {"bert_spc_v2"}
    state = {"dca_layers.1.encoder.query.weight": torch.ones(2, 2), "cat_feed_forward.0.weight": torch.ones(2, 4),
             "local_backbone.pooler.dense.bias": torch.ones(2)}
    pyabsa = renamed(state, ARCHITECTURES["dlcf_dca_bert"][1] + ARCHITECTURES["lca_bert"][1])
    assert set(pyabsa) == {"dca_sa.1.encoder.0.SA.query.weight", "mean_pooling_double.w_1.weight",
                           "bert4local.pooler.dense.bias"}
    assert pyabsa["mean_pooling_double.w_1.weight"].shape == (2, 4, 1)  # PyABSA's 1x1 convolution


def test_fast_lcf_bert_att_scores_stay_fp32_under_bf16_autocast():
    """Scores in the thousands: bf16 holds them to 16 units and the near-argmax softmax moves with them."""
    from hf_absa.models.modeling_apc import local_attention_weights

    local = torch.full((1, 4, 4), 10.0, dtype=torch.bfloat16)
    global_ = torch.full((1, 4, 4), 25.0, dtype=torch.bfloat16)
    global_[0, 1, 3] = 25.125  # its score is 3003.75 against 3000: both 3008 in bf16
    mask = torch.tensor([[1, 1, 1, 0]])
    summed = (local.double() * mask.unsqueeze(-1)).sum(dim=1)
    scores = torch.einsum("bh,blh->bl", summed, global_.double()).masked_fill(mask == 0, float("-inf"))
    expected = torch.softmax(scores, dim=-1)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        alpha = local_attention_weights(local, global_, mask)
        bf16_scores = torch.einsum("bh,blh->bl", (local * mask.unsqueeze(-1)).sum(dim=1), global_)
    in_bf16 = torch.softmax(bf16_scores.float().masked_fill(mask == 0, float("-inf")), dim=-1)
    assert alpha.dtype == torch.float32 and torch.allclose(alpha.double(), expected, atol=1e-6)
    assert alpha[0, 1] > 0.9 and alpha[0, 3] == 0
    assert in_bf16[0, 1] < 0.5  # what bf16 scores would have given

"""The syntax-distance architectures (lcfs_bert, fast_lcfs_bert, lcfs_dual_bert, lsa_s, fast_lsa_s, fast_lsa_s_v2,
dlcf_dca_bert, dlcfs_dca_bert): each is its token-distance counterpart on the syntax vectors, DLCF-DCA's cluster
weights are PyABSA's, and they train, save and load (remote code too) alone and in ensembles, from processor
features of hand-made parses. The generic checks (gradients, padding, missing inputs) are in test_models.py.
"""

from __future__ import annotations

import json

import pytest
import torch

from apc_fixtures import build_model, randomized, synthetic_rows
from hf_absa.cli import main
from hf_absa.data.collator import DataCollatorForAPC
from hf_absa.data.loading import load_apc_dataset
from hf_absa.data.processing import APCProcessor
from hf_absa.models.configuration_apc import SYNTAX_MODELS
from hf_absa.models.layers import DependencyClusterWeights
from hf_absa.training import APCTrainer, APCTrainingArguments, export_checkpoint
from remote_code import run_without_hf_absa
from test_ensemble import write_apc_dataset_folder
from test_export import REMOTE_LOAD_SCRIPT
from test_models import LABELS, make_batch, make_model

# Each syntax architecture and the token-distance one it mirrors (same weights, other vectors).
COUNTERPARTS = {
    "lcfs_bert": "lcf_bert",
    "fast_lcfs_bert": "fast_lcf_bert",
    "lcfs_dual_bert": "lcf_dual_bert",
    "lsa_s": "lsa_t",
    "fast_lsa_s": "fast_lsa_t",
    "fast_lsa_s_v2": "fast_lsa_t_v2",
    "dlcfs_dca_bert": "dlcf_dca_bert",
}


@pytest.fixture(scope="module")
def backbone_dict(tiny_backbone_dir) -> dict:
    from transformers import AutoConfig

    return {**AutoConfig.from_pretrained(tiny_backbone_dir).to_dict(), "initializer_range": 0.3}


def test_the_syntax_architectures_are_listed():
    assert set(SYNTAX_MODELS) == set(COUNTERPARTS) | {"dlcf_dca_bert"}


@pytest.mark.parametrize(("syntax_model", "token_model"), list(COUNTERPARTS.items()))
def test_each_is_its_counterpart_on_the_syntax_vectors(syntax_model, token_model, backbone_dict):
    """Same weights, the counterpart's vectors given under the syntax names: the same logits; other syntax vectors:
    other logits (the syntax vectors are what is read)."""
    settings = {"lcf": "fusion"} if "dca" not in syntax_model else {"lcf": "cdm"}
    ours = make_model(backbone_dict, syntax_model, eta=0.4, **settings).eval()
    counterpart = make_model(backbone_dict, token_model, eta=0.4, **settings).eval()
    counterpart.load_state_dict(ours.state_dict())
    batch = make_batch(backbone_dict["vocab_size"])
    family = {"dlcfs_dca_bert": ("dlcfs_", "dlcf_")}.get(syntax_model, ("lcfs_", "lcf_"))
    renamed = {**batch}
    for name in ours.config.forward_inputs:
        if family[0] in name:
            renamed[name.replace(family[0], family[1])] = batch[name]
    with torch.no_grad():
        expected = ours(**batch).logits
        assert torch.allclose(counterpart(**renamed).logits, expected, atol=1e-6)
        flipped = {**batch, **{name: batch[name].flip(0) for name in ours.config.forward_inputs if family[0] in name}}
        assert not torch.allclose(ours(**flipped).logits, expected, atol=1e-4)


def test_dependency_cluster_weights_are_pyabsas(backbone_dict):
    """PyABSA's weight_calculate + weight_distrubute_local, written as its per-example loop."""
    torch.manual_seed(0)
    layer = DependencyClusterWeights(16, 2, 0.0, dropout=0.3, power=2.0).eval()
    features = torch.randn(3, 7, 16)
    mask = torch.ones(3, 7, dtype=torch.long)
    depend_vec = torch.tensor([[1, 1, 0, 0, 1, 0, 0]] * 3, dtype=torch.float)
    depended_vec = torch.tensor([[1, 0, 0, 1, 0, 1, 1]] * 3, dtype=torch.float)
    previous = (torch.tensor([[1.0], [0.5], [0.0]]), torch.tensor([[1.0], [1.5], [0.0]]))  # row 2 sums to 0
    with torch.no_grad():
        reweighted, (depend, depended) = layer(features, mask, depend_vec, depended_vec, previous)
        raw_depend = layer.cluster_weight(features * depend_vec.unsqueeze(-1), mask)
        raw_depended = layer.cluster_weight(features * depended_vec.unsqueeze(-1), mask)
    for row in range(3):
        w1, w2 = raw_depend[row].item() * previous[0][row].item(), raw_depended[row].item() * previous[1][row].item()
        total = w1 + w2
        if total != 0:
            w1, w2 = min((2 * w1 / total) ** 2.0, 2), min((2 * w2 / total) ** 2.0, 2)
        else:
            w1 = w2 = 1
        assert depend[row].item() == pytest.approx(w1, rel=1e-5) and depended[row].item() == pytest.approx(w2, rel=1e-5)
        expected = features[row] * (depend_vec[row] * w1 + depended_vec[row] * w2).unsqueeze(-1)
        expected[0] = features[row, 0]
        assert torch.allclose(reweighted[row], expected, atol=1e-6)


def chain_parser(text: str):
    """A stand-in dependency parser for any text: each word depends on the next, the last is the root."""
    import spacy
    from spacy.tokens import Doc

    words = text.split(" ")
    heads = [index + 1 for index in range(len(words) - 1)] + [len(words) - 1]
    deps = ["dep"] * (len(words) - 1) + ["ROOT"]
    return Doc(spacy.blank("en").vocab, words=words, spaces=[True] * (len(words) - 1) + [False], heads=heads,
               deps=deps)


def syntax_batch(model, tokenizer, n: int = 6) -> dict[str, torch.Tensor]:
    """Collated processor features of ``n`` synthetic rows for ``model``, parsed by `chain_parser`, with labels."""
    pytest.importorskip("spacy")
    config = model.config
    processor = APCProcessor(tokenizer, **{**config.processor_arguments(), "parser": chain_parser},
                             label2id=config.label2id)
    features = processor.apply(load_apc_dataset(synthetic_rows(n, seed=3)))["train"]
    return DataCollatorForAPC(tokenizer)(list(features))


@pytest.mark.parametrize("apc_model", sorted(SYNTAX_MODELS))
def test_trains_on_processor_features(apc_model, tiny_backbone_dir, tiny_tokenizer, tmp_path):
    batch = syntax_batch(build_model(tiny_backbone_dir, apc_model, max_seq_len=40), tiny_tokenizer, n=16)
    features = [{name: values[row] for name, values in batch.items()} for row in range(16)]
    torch.manual_seed(0)
    model = build_model(tiny_backbone_dir, apc_model, max_seq_len=40, eta=0.5)
    args = APCTrainingArguments(str(tmp_path), max_steps=2, per_device_train_batch_size=8, eval_strategy="no",
                                save_strategy="no", load_best_model_at_end=False, use_cpu=True, disable_tqdm=True,
                                learning_rate=1e-3)
    trainer = APCTrainer(model=model, args=args, train_dataset=features, processing_class=tiny_tokenizer)
    before = model.classifier.weight.detach().clone()
    trainer.train()
    assert not torch.equal(before, model.classifier.weight)
    assert 0.0 <= trainer.evaluate(features)["eval_accuracy"] <= 1.0


@pytest.fixture(scope="module")
def syntax_ensemble(tiny_backbone_dir):
    torch.manual_seed(0)
    return randomized(build_model(tiny_backbone_dir, "ensemble", ensemble_models=list(SYNTAX_MODELS),
                                  max_seq_len=40, dca_layer=2))


def test_ensemble_of_the_syntax_architectures_saves_reloads_and_loads_without_hf_absa(
    syntax_ensemble, tiny_tokenizer, tmp_path
):
    model = syntax_ensemble
    batch = syntax_batch(model, tiny_tokenizer)
    labels = batch.pop("labels")
    assert {"lcfs_cdw_vec", "right_lcfs_cdw_vec", "dlcf_cdw_vec", "dlcfs_cdw_vec", "depend_vec"} <= set(batch)
    with torch.no_grad():
        output = model(**batch, labels=labels)
        members = [member(**batch).logits for member in model.members]
    assert torch.allclose(output.logits, model.cat_linear(torch.cat(members, dim=-1)), atol=1e-5)
    export_checkpoint(model, tiny_tokenizer, tmp_path / "m2", mode=2)
    config = json.loads((tmp_path / "m2" / "config.json").read_text())
    assert config["ensemble_models"] == list(SYNTAX_MODELS) and config["spacy_model"] == "en_core_web_sm"
    torch.save(dict(batch), tmp_path / "inputs.pt")
    run_without_hf_absa(REMOTE_LOAD_SCRIPT, tmp_path / "m2", tmp_path / "inputs.pt", tmp_path / "out.pt",
                        workdir=tmp_path)
    assert torch.allclose(torch.load(tmp_path / "out.pt")["logits"], output.logits, atol=1e-5)


def test_cli_reports_a_missing_spacy_pipeline_in_one_line(tiny_backbone_dir, tmp_path, capsys):
    pytest.importorskip("spacy")
    data = write_apc_dataset_folder(tmp_path / "data")
    code = main(["train", "--dataset", str(data), "--backbone", str(tiny_backbone_dir), "--architecture",
                 "lcfs_bert", "--spacy_model", "hf_absa_no_such_pipeline", "--max_steps", "1", "--use_cpu",
                 "--output_dir", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "python -m spacy download hf_absa_no_such_pipeline" in err

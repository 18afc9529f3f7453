"""ATEPC models (hf_absa.models.modeling_atepc) on the tiny random BERT: shapes, losses, local context, loading."""

import collections
import json

import pytest
import torch
from transformers import AutoConfig, AutoModel, AutoModelForTokenClassification, BertModel, pipeline

from hf_absa.models import ATEPC_MODELS, ATEPC_TAGS, ATEPCConfig, ATEPCModelForTokenClassification
from hf_absa.models.configuration_atepc import BOUNDARY_CLASSES
from hf_absa.models.modeling_atepc import local_context_weights
from hf_absa.training.export import write_model_code
from remote_code import run_without_hf_absa

POLARITIES = ["Negative", "Neutral", "Positive"]
# bert_base_atepc has no local context (lcf is unused there).
ARCHITECTURES = [("bert_base_atepc", "cdw")] + [
    (model, lcf) for model in ("fast_lcf_atepc", "lcf_atepc") for lcf in ("cdw", "cdm", "fusion")
]
PICKLE_SUFFIXES = {".bin", ".pkl", ".pickle", ".pt", ".pth"}


def build(backbone_dir, atepc_model="fast_lcf_atepc", lcf="cdw", seed=0, **settings):
    torch.manual_seed(seed)
    return ATEPCModelForTokenClassification.from_pretrained(
        backbone_dir, polarity_labels=POLARITIES, atepc_model=atepc_model, lcf=lcf, **settings
    )


def encode(tokenizer, sentences):
    """Tokenised sentences (lists of words), padded, and each word's first sub-token position per sentence."""
    batch = tokenizer(sentences, is_split_into_words=True, padding=True, return_tensors="pt")
    first_tokens = []
    for row in range(len(sentences)):
        word_ids = batch.word_ids(row)
        first_tokens.append({word: word_ids.index(word) for word in set(word_ids) if word is not None})
    return dict(batch), first_tokens


def span(first_tokens, row, first_word, end_word):
    """Token span [first sub-token of first_word, first sub-token of end_word) of one sentence."""
    return [first_tokens[row][first_word], first_tokens[row][end_word]]


SENTENCES = [
    "the staff was so nice to us but the service was bad .".split(),
    "battery life lasts forever".split(),
    "i love this place".split(),
]


@pytest.fixture(scope="module")
def batch(tiny_tokenizer):
    inputs, first = encode(tiny_tokenizer, SENTENCES)
    aspect_spans = torch.tensor(
        [
            [span(first, 0, 1, 2), span(first, 0, 9, 10)],  # staff, service
            [span(first, 1, 0, 2), [-1, -1]],  # battery life
            [[-1, -1], [-1, -1]],  # no aspect
        ]
    )
    polarity_labels = torch.tensor([[2, 0], [2, -100], [-100, -100]])
    labels = torch.full_like(inputs["input_ids"], -100)
    for row, sentence in enumerate(SENTENCES):
        for word in range(len(sentence)):
            labels[row, first[row][word]] = 0
    labels[0, first[0][1]] = labels[0, first[0][9]] = labels[1, first[1][0]] = 1
    labels[1, first[1][1]] = 2
    return {**inputs, "labels": labels, "aspect_spans": aspect_spans, "polarity_labels": polarity_labels}


@pytest.mark.parametrize(("atepc_model", "lcf"), ARCHITECTURES)
def test_shapes_and_every_parameter_is_trained(tiny_backbone_dir, batch, atepc_model, lcf):
    model = build(tiny_backbone_dir, atepc_model, lcf).train()
    output = model(**batch)
    batch_size, length = batch["input_ids"].shape
    assert output.logits.shape == (batch_size, length, len(ATEPC_TAGS))
    assert output.polarity_logits.shape == (batch_size, 2, len(POLARITIES))
    assert output.loss.dim() == 0 and torch.isfinite(output.loss)
    output.loss.backward()
    # Every head parameter receives a gradient (no unused head module); the backbone's own pooler feeds nothing
    # (as in PyABSA).
    unused = [name for name, parameter in model.named_parameters() if parameter.grad is None]
    assert unused == ["backbone.pooler.dense.weight", "backbone.pooler.dense.bias"]

    model.eval()
    with torch.no_grad():
        plain = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        as_tuple = model(**batch, return_dict=False)
    assert plain.polarity_logits is None and plain.loss is None
    assert len(as_tuple) == 3 and as_tuple[2].shape == (batch_size, 2, len(POLARITIES))


@pytest.mark.parametrize("atepc_model", ATEPC_MODELS)
def test_loss_is_finite_without_aspects_or_labels(tiny_backbone_dir, batch, atepc_model):
    model = build(tiny_backbone_dir, atepc_model, boundary_loss=False).eval()
    batch_size = batch["input_ids"].shape[0]
    no_aspects = {
        "input_ids": batch["input_ids"],
        "attention_mask": batch["attention_mask"],
        "aspect_spans": torch.zeros(batch_size, 0, 2, dtype=torch.long),
        "polarity_labels": torch.zeros(batch_size, 0, dtype=torch.long),
    }
    output = model(**no_aspects, labels=torch.full_like(batch["input_ids"], -100))
    assert output.polarity_logits.shape == (batch_size, 0, len(POLARITIES))
    assert output.loss.item() == 0.0
    # Real tag labels, no aspect: the loss is the tag loss alone.
    output = model(**no_aspects, labels=batch["labels"])
    expected = torch.nn.functional.cross_entropy(output.logits.reshape(-1, 3), batch["labels"].reshape(-1))
    assert torch.isfinite(output.loss) and torch.allclose(output.loss, expected)
    # Aspects whose polarities are all unknown (-100) add nothing either.
    unknown = model(**{**batch, "polarity_labels": torch.full_like(batch["polarity_labels"], -100)})
    assert torch.allclose(unknown.loss, expected)


def test_joint_loss_is_tag_loss_plus_weighted_polarity_loss(tiny_backbone_dir, batch):
    model = build(tiny_backbone_dir, "fast_lcf_atepc", polarity_loss_weight=0.25, boundary_loss=False).eval()
    with torch.no_grad():
        output = model(**batch)
    tag_loss = torch.nn.functional.cross_entropy(output.logits.reshape(-1, 3), batch["labels"].reshape(-1))
    polarity_loss = torch.nn.functional.cross_entropy(
        output.polarity_logits.reshape(-1, 3), batch["polarity_labels"].reshape(-1)
    )
    assert torch.allclose(output.loss, tag_loss + 0.25 * polarity_loss)


def test_boundary_loss_classifies_the_special_tokens_in_training_only(tiny_backbone_dir, batch):
    model = build(tiny_backbone_dir, "fast_lcf_atepc").eval()
    assert model.config.boundary_loss and model.boundary_classifier.out_features == len(BOUNDARY_CLASSES)
    with torch.no_grad():
        output = model(**batch)
    # predictions stay the three tags
    assert output.logits.shape[-1] == len(ATEPC_TAGS) and model.config.id2label == dict(enumerate(ATEPC_TAGS))
    targets = model.boundary_targets(batch["labels"], batch["attention_mask"])
    last = batch["attention_mask"].sum(-1) - 1
    rows = torch.arange(len(SENTENCES))
    # [CLS] (first token) and [SEP] (last real token) get the two extra classes; padding and words are untouched
    assert targets[:, 0].tolist() == [3] * len(SENTENCES) and targets[rows, last].tolist() == [4] * len(SENTENCES)
    changed = targets != batch["labels"]
    assert changed.sum() == 2 * len(SENTENCES)
    with torch.no_grad():
        all_logits = torch.cat([output.logits, model.boundary_classifier(model.dropout(model._encode(
            batch["input_ids"], batch["attention_mask"], batch.get("token_type_ids"))))], dim=-1)
    tag_loss = torch.nn.functional.cross_entropy(all_logits.reshape(-1, 5), targets.reshape(-1))
    polarity_loss = torch.nn.functional.cross_entropy(
        output.polarity_logits.reshape(-1, 3), batch["polarity_labels"].reshape(-1)
    )
    assert torch.allclose(output.loss, tag_loss + model.config.polarity_loss_weight * polarity_loss, atol=1e-6)
    # the boundary classifier learns in training (it gets a gradient) and a model without it has no such module
    model.train()
    model(**batch).loss.backward()
    assert model.boundary_classifier.weight.grad is not None and model.boundary_classifier.weight.grad.abs().sum() > 0
    assert build(tiny_backbone_dir, boundary_loss=False).boundary_classifier is None
    with pytest.raises(ValueError, match="boundary_loss must be True or False"):
        build(tiny_backbone_dir, boundary_loss="yes")


@pytest.mark.parametrize(("atepc_model", "lcf"), ARCHITECTURES)
def test_padding_aspects_and_padding_tokens_change_nothing(tiny_backbone_dir, tiny_tokenizer, atepc_model, lcf):
    model = build(tiny_backbone_dir, atepc_model, lcf).eval()
    inputs, first = encode(tiny_tokenizer, SENTENCES[:1])
    real_spans = [span(first, 0, 1, 2), span(first, 0, 9, 10)]
    with torch.no_grad():
        alone = model(**inputs, aspect_spans=torch.tensor([real_spans])).polarity_logits
        # The same sentence with padding aspects between and after its real ones, in a batch beside a longer
        # sentence (so it gets padding tokens too).
        longer = SENTENCES[0] + SENTENCES[1] + SENTENCES[2]
        padded_inputs, _ = encode(tiny_tokenizer, [SENTENCES[0], longer])
        padded_spans = torch.tensor(
            [[real_spans[0], [-1, -1], real_spans[1], [-1, -1]], [[1, 2], [-1, -1], [-1, -1], [-1, -1]]]
        )
        padded = model(**padded_inputs, aspect_spans=padded_spans).polarity_logits
    assert padded_inputs["attention_mask"][0].sum() < padded_inputs["attention_mask"].shape[1]
    assert torch.allclose(padded[0, [0, 2]], alone[0], atol=1e-5)
    assert torch.equal(padded[0, [1, 3]], torch.zeros(2, len(POLARITIES)))
    assert not torch.allclose(alone[0, 0], alone[0, 1])  # the two aspects are classified from different contexts


def test_local_context_weights_match_a_hand_computation():
    # Sentence of 6 real tokens (CLS, 4 words, SEP) padded to 8; aspect = tokens [2, 4).
    mask = torch.tensor([[1, 1, 1, 1, 1, 1, 0, 0]] * 3)
    starts, ends = torch.tensor([2, 2, 0]), torch.tensor([4, 4, 1])
    cdm, cdw = local_context_weights(starts, ends, mask, srd=1)
    # srd=1: window [1, 4]; distance 1 at positions 0 and 5; padding 0.
    assert cdm[0].tolist() == [0, 1, 1, 1, 1, 0, 0, 0]
    assert torch.allclose(cdw[0], torch.tensor([5 / 6, 1, 1, 1, 1, 5 / 6, 0, 0]))
    cdm, cdw = local_context_weights(starts, ends, mask, srd=0)
    # srd=0: window [2, 3]; aspect at [0, 1): window [0, 0].
    assert cdm[1].tolist() == [0, 0, 1, 1, 0, 0, 0, 0]
    assert torch.allclose(cdw[1], torch.tensor([4 / 6, 5 / 6, 1, 1, 5 / 6, 4 / 6, 0, 0]))
    assert cdm[2].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert torch.allclose(cdw[2], torch.tensor([1, 5 / 6, 4 / 6, 3 / 6, 2 / 6, 1 / 6, 0, 0]))


@pytest.mark.parametrize("lcf", ["cdm", "cdw"])
def test_the_local_context_weights_the_features_in_their_own_positions(tiny_backbone_dir, batch, lcf):
    """The local encoder of fast_lcf_atepc gets each real aspect's sentence features × its vector, token by token."""
    model = build(tiny_backbone_dir, "fast_lcf_atepc", lcf, srd=1).eval()
    seen = []
    model.local_encoder.register_forward_hook(lambda module, args, output: seen.append(args))
    with torch.no_grad():
        model(**batch)
        hidden = model.backbone(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])[0]
    weighted, mask = seen[0]
    rows, aspects = (batch["aspect_spans"][..., 0] >= 0).nonzero(as_tuple=True)
    spans = batch["aspect_spans"][rows, aspects]
    cdm, cdw = local_context_weights(spans[:, 0], spans[:, 1], batch["attention_mask"][rows], srd=1)
    vectors = {"cdm": cdm, "cdw": cdw}[lcf]
    assert weighted.shape == (len(rows),) + hidden.shape[1:]
    assert torch.allclose(weighted, hidden[rows] * vectors.unsqueeze(-1), atol=1e-6)
    assert torch.equal(mask, batch["attention_mask"][rows] * cdm.to(mask.dtype))  # attention within the window
    if lcf == "cdm":  # "staff" is token 2; with srd 1 tokens 1..3 are kept, all others zeroed
        assert (weighted[0, 1:4] != 0).any(dim=-1).all() and (weighted[0, 4:] == 0).all()


@pytest.mark.parametrize(("atepc_model", "lcf"), [("fast_lcf_atepc", "cdm"), ("fast_lcf_atepc", "fusion"),
                                                ("lcf_atepc", "cdw")])
def test_the_lcf_heads_pool_each_aspect_over_its_own_tokens(tiny_backbone_dir, batch, atepc_model, lcf):
    """The pooler sees the mean over the aspect's tokens of the final encoder's input plus its output (a residual),
    so two aspects of one sentence get their own features even where their local contexts are the same."""
    model = build(tiny_backbone_dir, atepc_model, lcf, srd=1000).eval()  # every local context: the whole sentence
    encoder_calls, pooler_inputs = [], []
    model.post_encoder.register_forward_hook(lambda module, args, output: encoder_calls.append((args[0], output)))
    model.head_pooler.register_forward_hook(lambda module, args, output: pooler_inputs.append(args[0]))
    with torch.no_grad():
        polarity_logits = model(**batch).polarity_logits
    ((combined, encoded),) = encoder_calls
    rows, aspects = (batch["aspect_spans"][..., 0] >= 0).nonzero(as_tuple=True)
    spans = batch["aspect_spans"][rows, aspects].tolist()
    expected = torch.stack([(combined[index, start:end] + encoded[index, start:end]).mean(dim=0)
                            for index, (start, end) in enumerate(spans)])
    assert pooler_inputs[0].shape == (len(spans), 1, expected.shape[-1])
    assert torch.allclose(pooler_inputs[0][:, 0], expected, atol=1e-6)
    # staff and service, one sentence, one local context: pooling [CLS] would give them the same logits
    assert not torch.allclose(polarity_logits[0, 0], polarity_logits[0, 1], atol=1e-4)


@pytest.mark.parametrize(("atepc_model", "lcf"), [("fast_lcf_atepc", "cdm"), ("fast_lcf_atepc", "cdw"),
                                                ("fast_lcf_atepc", "fusion"), ("lcf_atepc", "cdw")])
def test_the_lcf_polarity_head_reads_only_the_aspects_local_context(tiny_backbone_dir, batch, atepc_model, lcf):
    """Features outside an aspect's local context window (srd tokens each side) change nothing of its polarity, but
    those inside do: "staff" ignores the other clause of "the staff was so nice to us but the service was bad"."""
    model = build(tiny_backbone_dir, atepc_model, lcf, srd=1).eval()
    inputs = {name: batch[name] for name in ("input_ids", "attention_mask")}
    with torch.no_grad():
        hidden = model.backbone(**inputs)[0]
    start, end = batch["aspect_spans"][0, 0].tolist()  # staff
    outside = torch.ones(hidden.shape[1], dtype=torch.bool)
    outside[max(0, start - 1) : end + 1] = False

    def staff_logits(features):
        with torch.no_grad():
            logits = model._polarity_logits(
                inputs["input_ids"], inputs["attention_mask"], None, features, features, batch["aspect_spans"]
            )
        return logits[0, 0]

    reference = staff_logits(hidden)
    elsewhere = hidden.clone()
    elsewhere[0, outside] = torch.randn_like(elsewhere[0, outside]) * 3
    assert torch.allclose(staff_logits(elsewhere), reference, atol=1e-5)
    inside = hidden.clone()
    inside[0, end] = torch.randn_like(inside[0, end]) * 3  # the token just after the aspect, in its window
    assert not torch.allclose(staff_logits(inside), reference, atol=1e-4)


def assert_same_outputs(first, second):
    assert torch.allclose(first.logits, second.logits, atol=1e-6)
    assert torch.allclose(first.polarity_logits, second.polarity_logits, atol=1e-6)


def test_save_pretrained_round_trip_through_the_auto_class(tiny_backbone_dir, batch, tmp_path):
    import hf_absa  # noqa: F401  (registers the Auto classes)

    model = build(tiny_backbone_dir, "lcf_atepc", "fusion", srd=2, polarity_loss_weight=0.5).eval()
    model.save_pretrained(tmp_path)
    files = {path.name for path in tmp_path.iterdir()}
    assert "model.safetensors" in files
    assert not [name for name in files if any(name.endswith(suffix) for suffix in PICKLE_SUFFIXES)]
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["model_type"] == "hf_absa_atepc" and "auto_map" not in saved
    config = AutoConfig.from_pretrained(tmp_path)
    assert isinstance(config, ATEPCConfig)
    assert config.polarity_labels == POLARITIES and config.id2label == dict(enumerate(ATEPC_TAGS))
    assert config.model_settings() == model.config.model_settings()
    loaded = AutoModelForTokenClassification.from_pretrained(tmp_path).eval()
    assert type(loaded) is ATEPCModelForTokenClassification
    with torch.no_grad():
        assert_same_outputs(loaded(**batch), model(**batch))
    with pytest.raises(ValueError, match="polarity labels"):
        ATEPCModelForTokenClassification.from_pretrained(tmp_path, polarity_labels=["Negative", "Positive"])
    with pytest.raises(ValueError, match="'lcf_atepc' checkpoint"):
        ATEPCModelForTokenClassification.from_pretrained(tmp_path, atepc_model="bert_base_atepc")


def test_the_stock_token_classification_pipeline_tags_with_the_token_head(tiny_backbone_dir, tiny_tokenizer):
    model = build(tiny_backbone_dir, "fast_lcf_atepc").eval()
    with torch.no_grad():
        model.classifier.weight.mul_(100.0)  # confident, input-dependent tags from the random head
    sentence = "the staff was so nice but the service was bad"
    tagger = pipeline("token-classification", model=model, tokenizer=tiny_tokenizer, aggregation_strategy="none")
    found = {(entity["index"], entity["entity"]) for entity in tagger(sentence)}
    encoding = tiny_tokenizer(sentence, return_tensors="pt", return_special_tokens_mask=True)
    special = encoding.pop("special_tokens_mask")[0].tolist()
    with torch.no_grad():
        predicted = model(**encoding).logits[0].argmax(-1).tolist()
    # The pipeline reports the words' tokens, not the special ones, and leaves out "O".
    expected = {(index, ATEPC_TAGS[tag]) for index, tag in enumerate(predicted) if tag != 0 and not special[index]}
    assert found == expected and expected


REMOTE_LOAD_SCRIPT = """
import sys

import torch
from transformers import AutoModelForTokenClassification

checkpoint, inputs_path, out_path = sys.argv[1:4]
model = AutoModelForTokenClassification.from_pretrained(checkpoint, trust_remote_code=True).eval()
assert "hf_absa" not in sys.modules, "hf_absa was imported"
with torch.no_grad():
    output = model(**torch.load(inputs_path))
torch.save(
    {"logits": output.logits, "polarity_logits": output.polarity_logits,
     "class": type(model).__module__ + "." + type(model).__name__},
    out_path,
)
"""


def test_remote_code_round_trip_where_hf_absa_is_not_importable(tiny_backbone_dir, batch, tmp_path):
    model = build(tiny_backbone_dir, "fast_lcf_atepc", "cdm").eval()
    checkpoint = tmp_path / "checkpoint"
    model.save_pretrained(checkpoint)
    write_model_code(model, checkpoint, auto_class="AutoModelForTokenClassification")
    assert json.loads((checkpoint / "config.json").read_text())["auto_map"] == {
        "AutoConfig": "configuration_atepc.ATEPCConfig",
        "AutoModelForTokenClassification": "modeling_atepc.ATEPCModelForTokenClassification",
    }
    assert {"configuration_atepc.py", "modeling_atepc.py", "layers.py"} <= {p.name for p in checkpoint.iterdir()}
    inputs = {name: value for name, value in batch.items() if name not in ("labels", "polarity_labels")}
    torch.save(inputs, tmp_path / "inputs.pt")
    run_without_hf_absa(REMOTE_LOAD_SCRIPT, checkpoint, tmp_path / "inputs.pt", tmp_path / "out.pt", workdir=tmp_path)
    result = torch.load(tmp_path / "out.pt")
    assert result["class"].startswith("transformers_modules.")
    assert result["class"].endswith("modeling_atepc.ATEPCModelForTokenClassification")
    with torch.no_grad():
        expected = model(**inputs)
    assert torch.allclose(result["logits"], expected.logits, atol=1e-6)
    assert torch.allclose(result["polarity_logits"], expected.polarity_logits, atol=1e-6)


def test_backbone_mode_builds_one_backbone(tiny_backbone_dir, monkeypatch):
    """The pretrained backbone is loaded once and used as it is (not rebuilt at random next to it)."""
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
    model = build(tiny_backbone_dir, "lcf_atepc", SRD=4, ate_loss_weight=2.0)
    assert calls == {"AutoModel.from_pretrained": 1, "BertModel.__init__": 1}
    reference = original_from_pretrained(tiny_backbone_dir).state_dict()
    assert all(torch.equal(model.backbone.state_dict()[name], reference[name]) for name in reference)
    assert model.config.srd == 4 and model.config.polarity_loss_weight == 2.0
    assert model.config.backbone_name_or_path == str(tiny_backbone_dir)


@pytest.mark.parametrize("atepc_model", ATEPC_MODELS)
def test_the_polarity_loss_weight_defaults_to_the_architectures(tiny_backbone_dir, tmp_path, atepc_model):
    from hf_absa.models.configuration_atepc import POLARITY_LOSS_WEIGHTS

    assert POLARITY_LOSS_WEIGHTS == {"bert_base_atepc": 1.0, "fast_lcf_atepc": 0.3, "lcf_atepc": 0.3}
    model = build(tiny_backbone_dir, atepc_model)
    assert model.config.polarity_loss_weight == POLARITY_LOSS_WEIGHTS[atepc_model]
    assert build(tiny_backbone_dir, atepc_model, polarity_loss_weight=0.25).config.polarity_loss_weight == 0.25
    assert ATEPCConfig(atepc_model=atepc_model, ate_loss_weight=2.0).polarity_loss_weight == 2.0  # PyABSA's name
    model.save_pretrained(tmp_path)  # the resolved value is saved, so a checkpoint never changes with the default
    assert json.loads((tmp_path / "config.json").read_text())["polarity_loss_weight"] == POLARITY_LOSS_WEIGHTS[
        atepc_model]


def test_backbone_mode_and_config_refuse_bad_arguments(tiny_backbone_dir):
    with pytest.raises(ValueError, match="polarity_labels="):
        ATEPCModelForTokenClassification.from_pretrained(tiny_backbone_dir)
    with pytest.raises(TypeError, match="window"):
        build(tiny_backbone_dir, window="lr")
    with pytest.raises(ValueError, match="atepc_model='lsa'"):
        build(tiny_backbone_dir, atepc_model="lsa")
    with pytest.raises(ValueError, match="lcf='both'"):
        ATEPCConfig(lcf="both")
    with pytest.raises(ValueError, match="srd"):
        ATEPCConfig(srd=-1)
    with pytest.raises(ValueError, match="polarity_loss_weight"):
        ATEPCConfig(polarity_loss_weight=-0.5)
    with pytest.raises(ValueError, match="polarity_labels"):
        ATEPCConfig(polarity_labels=["Positive", "Positive"])
    with pytest.raises(ValueError, match="id2label of an ATEPC model"):
        ATEPCConfig(id2label={0: "Negative", 1: "Positive"})


def test_forward_refuses_inconsistent_inputs(tiny_backbone_dir, batch):
    model = build(tiny_backbone_dir).eval()
    with pytest.raises(ValueError, match="not \\[first, end\\) token spans"):
        model(**{**batch, "aspect_spans": torch.tensor([[[3, 3], [-1, -1]]] * 3)})
    with pytest.raises(ValueError, match="polarity_labels has shape"):
        model(**{**batch, "polarity_labels": batch["polarity_labels"][:, :1]})
    with pytest.raises(ValueError, match="without aspect_spans"):
        model(**{**batch, "aspect_spans": None})


@pytest.mark.parametrize("atepc_model", ATEPC_MODELS)
def test_a_few_steps_learn_aspects_of_one_sentence_that_disagree(tiny_tokenizer, tiny_backbone_dir, atepc_model):
    """Staff positive, service negative, in one sentence (and the mirror sentence): both losses fall and both
    aspects of each sentence end up with their own polarity."""
    sentences = [
        "the staff was so nice to us but the service was bad".split(),
        "the service was nice but the staff was bad".split(),
    ]
    inputs, first = encode(tiny_tokenizer, sentences)
    aspect_spans = torch.tensor(
        [[span(first, 0, 1, 2), span(first, 0, 9, 10)], [span(first, 1, 1, 2), span(first, 1, 6, 7)]]
    )
    polarity_labels = torch.tensor([[2, 0], [2, 0]])
    labels = torch.full_like(inputs["input_ids"], -100)
    for row, sentence in enumerate(sentences):
        for word in range(len(sentence)):
            labels[row, first[row][word]] = 1 if sentence[word] in ("staff", "service") else 0
    # boundary_loss off: with a 16-wide, 1-layer random backbone the two special-token classes take the capacity
    # that telling the aspects apart needs within 40 steps (they keep the polarity loss at ln 2); at MiniLM scale
    # they do not cost polarity accuracy (BENCHMARKS.md) and the Laptop14 integration test trains with them.
    model = build(tiny_backbone_dir, atepc_model, dropout=0.0, boundary_loss=False).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)

    def losses():
        with torch.no_grad():
            tag = model(**inputs, labels=labels).loss
            polarity = model(**inputs, aspect_spans=aspect_spans, polarity_labels=polarity_labels)
        return tag.item(), polarity.loss.item(), polarity.polarity_logits.argmax(-1)

    tag_before, polarity_before, _ = losses()
    for _ in range(40):
        optimizer.zero_grad()
        model(**inputs, labels=labels, aspect_spans=aspect_spans, polarity_labels=polarity_labels).loss.backward()
        optimizer.step()
    tag_after, polarity_after, predicted = losses()
    assert tag_after < 0.5 * tag_before
    assert polarity_after < 0.5 * polarity_before
    assert predicted.tolist() == polarity_labels.tolist()


@pytest.mark.parametrize(("atepc_model", "passes_in_training"), [("fast_lcf_atepc", 1), ("lcf_atepc", 2)])
def test_lcf_atepc_runs_its_second_backbone_pass_only_in_training(tiny_backbone_dir, batch, atepc_model,
                                                                  passes_in_training):
    """Without dropout the second pass would repeat the first exactly, so evaluation reuses the first."""
    model = build(tiny_backbone_dir, atepc_model)
    passes = []
    model.backbone.register_forward_hook(lambda module, args, output: passes.append(1))
    model.train()(**batch)
    assert len(passes) == passes_in_training
    passes.clear()
    with torch.no_grad():
        model.eval()(**batch)
    assert len(passes) == 1

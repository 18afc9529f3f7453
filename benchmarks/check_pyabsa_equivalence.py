#!/usr/bin/env python3
"""Same weights, same logits: hf_absa's APC architectures against PyABSA 2.4.2's classes of the same name.

For each architecture it builds an hf_absa model on all-MiniLM-L6-v2, featurises two aspects of one sentence with
`APCProcessor` (pair encodings of equal length, so that nothing is padded), saves the weights under PyABSA's names,
and loads them into PyABSA's own class (``tasks/AspectPolarityClassification/models/__lcf__/``) in PyABSA's
virtualenv (one subprocess for all; see compare_pyabsa.py for its set-up). PyABSA gets the inputs its dataset builds:
``text_indices`` = the pair, ``text_raw_bert_indices`` = "[CLS] sentence [SEP]" padded to the pair's length,
``lcf_vec`` = the CDW vector (PyABSA 2.4.2 always reads CDW), the neighbours' pairs and vectors, ``polarity`` = the
labels (LCA_BERT's loss is compared too). Both run in eval mode, in float64, so that a difference is one of the
definitions, not of rounding (in float32 the logits differ by up to 2e-4). It shows that an accuracy difference between the
two libraries comes from training, not from the architectures.

PyABSA passes no attention mask, so its sentence-only (local) pass attends the padding of its padded input, and the
self-attention over the local features attends those padded positions; hf_absa masks them (its declared difference).
The check gives PyABSA's local backbone and those encoders the padding mask of ``text_raw_bert_indices``, so that
the definitions, not the padding, are compared. The syntax-distance architectures read vectors of a stand-in parse
(each word depends on the next; spaCy's blank English tokenizer, no pipeline): a forward pass does not parse.

    python benchmarks/check_pyabsa_equivalence.py --peer-venv ../peer-venv [--models bert_mlp lca_bert ...]

Prints one JSON object per architecture (largest logit difference, the logits' scale, the modules of PyABSA's class
that hf_absa's weights do not fill: ones PyABSA builds but never uses) and exits with 1 when a difference exceeds
``--tolerance`` or a weight has no place in PyABSA's class. Last run: every architecture within 1e-13
(benchmarks/results/2026-11-30_pyabsa_equivalence.jsonl, BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SENTENCE = "the battery lasts forever but the screen is dim"
ASPECTS = ("battery", "screen")  # one word piece each in MiniLM's vocabulary: equal pair lengths
SA = ".encoder.0.SA."  # PyABSA's Encoder(layer_num=1) wraps one BertSelfAttention

# hf_absa head prefix → PyABSA prefix (first match wins), per family of architectures.
TAIL = [("head_pooler.", "bert_pooler."), ("classifier.", "dense.")]
LCF = [("backbone.", "bert4global."), ("local_backbone.", "bert4local."), ("cdw_encoder.", "bert_SA" + SA),
       ("post_linear.", "linear2."), ("post_encoder.", "bert_SA_" + SA)] + TAIL


def lsa_block(ours: str, theirs: str) -> list[tuple[str, str]]:
    return [(f"{ours}.centre_encoder.", f"{theirs}encoder" + SA), (f"{ours}.left_encoder.", f"{theirs}encoder_left" + SA),
            (f"{ours}.right_encoder.", f"{theirs}encoder_right" + SA),
            (f"{ours}.window_linear.", f"{theirs}linear_window_3h."), (f"{ours}.eta", f"{theirs}eta")]


LSA = lsa_block("cdw_lsa", "") + [("post_linear.", "post_linear."), ("post_encoder.", "post_encoder_" + SA)] + TAIL
LSA_V2 = lsa_block("cdw_lsa", "CDW_LSA.") + [("post_linear.", "post_linear."), ("post_encoder.", "post_encoder_" + SA)] + TAIL
DCA = [(f"dca_layers.{i}.{ours}", f"{theirs}.{i}.{rest}") for i in range(3) for ours, theirs, rest in
       (("encoder.", "dca_sa", SA[1:]), ("pooler.", "dca_pool", ""), ("weight.", "dca_lin", ""))]
DCA += [("cat_feed_forward.0.", "mean_pooling_double.w_1."), ("cat_feed_forward.2.", "mean_pooling_double.w_2."),
        ("backbone.", "bert4global."), ("post_encoder.", "bert_SA_" + SA)] + TAIL

# architecture: (PyABSA file, renames, PyABSA input ← hf_absa column, PyABSA encoders over the local features).
# "raw" is text_raw_bert_indices, "ones" spc_mask_vec (all ones in PyABSA 2.4.2).
TEXT = {"text_indices": "input_ids"}
SIDES = {"left_text_indices": "left_input_ids", "right_text_indices": "right_input_ids", "spc_mask_vec": "ones"}


def vectors(family: str, kinds: tuple[str, ...] = ("cdw",), pyabsa: str | None = None) -> dict[str, str]:
    """PyABSA's names of the centre / left / right vectors of ``family`` (its ``lcf_vec`` is the CDW vector)."""
    out = {}
    for side in ("", "left_", "right_"):
        for kind in kinds:
            out[f"{side}{pyabsa or f'{family}_{kind}'}_vec"] = f"{side}{family}_{kind}_vec"
    return out


ARCHITECTURES = {
    "bert_spc": ("bert_spc", [("backbone.", "bert."), ("post_encoder.", "encoder" + SA),
                              ("head_pooler.", "pooler."), ("classifier.", "dense.")], TEXT, ()),
    "bert_mlp": ("bert_base", [("backbone.", "bert."), ("head_pooler.", "pooler."), ("classifier.", "dense.")],
                 TEXT, ()),
    "lcf_bert": ("lcf_bert", LCF, {**TEXT, "text_raw_bert_indices": "raw", "lcf_vec": "lcf_cdw_vec"}, ("bert_SA",)),
    "fast_lcf_bert": ("fast_lcf_bert", LCF, {**TEXT, "text_raw_bert_indices": "raw", "lcf_vec": "lcf_cdw_vec"}, ()),
    "lcf_dual_bert": ("lcf_dual_bert", LCF, {**TEXT, "text_raw_bert_indices": "raw", "lcf_vec": "lcf_cdw_vec"},
                      ("bert_SA",)),
    "fast_lcf_bert_att": ("fast_lcf_bert_att", [("att_linear.", "linear3.")] + LCF,
                          {**TEXT, "text_raw_bert_indices": "raw", "lcf_vec": "lcf_cdw_vec"}, ()),
    "lca_bert": ("lca_bert", [("backbone.", "bert4global."), ("local_backbone.", "bert4local."),
                              ("local_context_embedding.", "lc_embed."), ("local_context_linear.", "lc_linear."),
                              ("cdm_encoder.", "bert_SA_L" + SA), ("post_linear.", "cat_linear."),
                              ("local_context_classifier.", "classifier."), ("head_pooler.", "pool."),
                              ("classifier.", "dense.")],
                 {**TEXT, "text_raw_bert_indices": "raw", "lcf_cdm_vec": "lcf_cdm_vec", "polarity": "labels"},
                 ("bert_SA_L",)),
    "fast_lsa_t_v2": ("fast_lsa_t_v2", [("backbone.", "bert4global.")] + LSA_V2,
                      {**TEXT, "spc_mask_vec": "ones", **vectors("lcf", ("cdw", "cdm"))}, ()),
    "lsa_t": ("lsa_t", [("backbone.", "bert4central.")] + LSA, {**TEXT, **SIDES, **vectors("lcf", pyabsa="lcf")}, ()),
    "fast_lsa_t": ("fast_lsa_t", [("backbone.", "bert4global.")] + LSA,
                   {**TEXT, "spc_mask_vec": "ones", **vectors("lcf", pyabsa="lcf")}, ()),
    "lcfs_bert": ("lcfs_bert", LCF, {**TEXT, "text_raw_bert_indices": "raw", "lcfs_vec": "lcfs_cdw_vec"},
                  ("bert_SA",)),
    "fast_lcfs_bert": ("fast_lcfs_bert", LCF, {**TEXT, "text_raw_bert_indices": "raw", "lcfs_vec": "lcfs_cdw_vec"},
                       ()),
    "lcfs_dual_bert": ("lcfs_dual_bert", LCF, {**TEXT, "text_raw_bert_indices": "raw", "lcfs_vec": "lcfs_cdw_vec"},
                       ("bert_SA",)),
    "lsa_s": ("lsa_s", [("backbone.", "bert4central.")] + LSA, {**TEXT, **SIDES, **vectors("lcfs", pyabsa="lcfs")},
              ()),
    "fast_lsa_s": ("fast_lsa_s", [("backbone.", "bert4global.")] + LSA,
                   {**TEXT, "spc_mask_vec": "ones", **vectors("lcfs", pyabsa="lcfs")}, ()),
    "fast_lsa_s_v2": ("fast_lsa_s_v2", [("backbone.", "bert4global.")] + LSA_V2,
                      {**TEXT, "spc_mask_vec": "ones", **vectors("lcfs", ("cdw", "cdm"))}, ()),
    "dlcf_dca_bert": ("dlcf_dca_bert", DCA, {**TEXT, "text_raw_bert_indices": "raw", "dlcf_vec": "dlcf_cdw_vec",
                                             "depend_vec": "depend_vec", "depended_vec": "depended_vec"},
                      ("dca_sa.0", "dca_sa.1", "dca_sa.2")),
    "dlcfs_dca_bert": ("dlcfs_dca_bert", DCA, {**TEXT, "text_raw_bert_indices": "raw", "dlcfs_vec": "dlcfs_cdw_vec",
                                               "depend_vec": "depend_vec", "depended_vec": "depended_vec"},
                       ("dca_sa.0", "dca_sa.1", "dca_sa.2")),
}
# Non-default settings that exercise more of a definition (fixed / learnable window weights).
SETTINGS = {"lsa_t": {"eta": 0.3}, "lsa_s": {"eta": 0.3}, "fast_lsa_t_v2": {"eta": 0.7}, "fast_lsa_s_v2": {"eta": 0.7}}

PEER_SCRIPT = r"""
import argparse, importlib, json, sys, torch
from safetensors.torch import load_file
from transformers import AutoModel

backbone, folder = sys.argv[1:3]
jobs = json.loads(open(folder + "/jobs.json").read())


class PaddingMaskedBackbone(torch.nn.Module):
    # PyABSA's local PLM given the padding mask of its padded "[CLS] sentence [SEP]" input.
    def __init__(self, plm, mask):
        super().__init__()
        self.plm, self.mask = plm, mask

    def forward(self, ids):
        return self.plm(ids, attention_mask=self.mask)


def mask_keys(encoder, mask):
    # PyABSA's Encoder adds a zero mask; this one keeps padded keys out, as hf_absa does.
    layer = encoder.encoder[0]
    additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    layer.forward = lambda inputs: layer.SA(inputs, additive)


results = {}
for name, job in jobs.items():
    module = importlib.import_module("pyabsa.tasks.AspectPolarityClassification.models.__lcf__." + job["file"])
    config = argparse.Namespace(**job["config"])
    torch.manual_seed(0)
    model = getattr(module, job["class"])(AutoModel.from_pretrained(backbone), config).eval().double()
    state = load_file(f"{folder}/{name}.safetensors")
    for key in model.state_dict():  # a module PyABSA registers twice (bert4local = bert4global)
        if key not in state and key.startswith("bert4local.") and "bert4global." + key[11:] in state:
            state[key] = state["bert4global." + key[11:]]
    missing, unexpected = model.load_state_dict(state, strict=False)
    inputs = {key: value.double() if value.is_floating_point() else value
              for key, value in torch.load(f"{folder}/{name}.inputs.pt").items()}
    if job["two_pass"]:
        sentence_mask = (inputs["text_raw_bert_indices"] != job["pad_id"]).long()
        model.bert4local = PaddingMaskedBackbone(model.bert4local, sentence_mask)
        for path in job["local_encoders"]:
            mask_keys(model.get_submodule(path), sentence_mask)
    with torch.no_grad():
        output = model(inputs)
    results[name] = {"logits": output["logits"].tolist(), "missing": missing, "unexpected": unexpected,
                     "loss": float(output["loss"]) if "loss" in output else None}
print(json.dumps(results))
"""


def pyabsa_config(config, length: int) -> dict:
    """The PyABSA config namespace of an hf_absa config (PyABSA's names)."""
    return {"embed_dim": config.get_backbone_config().hidden_size, "dropout": config.dropout, "lsa": config.lsa,
            "max_seq_len": length, "output_dim": config.num_labels, "window": config.window, "eta": config.eta,
            "lcf": config.lcf, "use_bert_spc": config.use_bert_spc, "sigma": config.sigma, "SRD": config.srd,
            "dca_p": config.dca_p, "dca_layer": config.dca_layer, "dlcf_a": config.dlcf_a}


def stand_in_parser():
    """Each word depends on the next, the last is the root (spaCy's blank English tokenizer: no pipeline)."""
    import spacy
    from spacy.tokens import Doc

    nlp = spacy.blank("en")

    def parse(text: str) -> Doc:
        words = nlp(text)
        heads = [min(token.i + 1, len(words) - 1) for token in words]
        return Doc(nlp.vocab, words=[token.text for token in words], spaces=[bool(token.whitespace_) for token in words],
                   heads=heads, deps=["dep"] * (len(words) - 1) + ["ROOT"])

    return parse


def renamed(state: dict, renames: list[tuple[str, str]]) -> dict:
    """Our weights under PyABSA's names (first matching prefix); its 1×1 convolutions take a kernel axis."""
    out = {}
    for key, value in state.items():
        new = next((theirs + key[len(ours):] for ours, theirs in renames if key.startswith(ours)), key)
        if ".w_1.weight" in new or ".w_2.weight" in new:
            value = value.unsqueeze(-1)
        out[new] = value.contiguous()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-venv", default=str(HERE.parent.parent / ".peer_venv"))
    parser.add_argument("--models", nargs="+", default=list(ARCHITECTURES), choices=list(ARCHITECTURES))
    parser.add_argument("--tolerance", type=float, default=1e-9, help="largest accepted logit difference (float64)")
    args = parser.parse_args()
    import torch
    from safetensors.torch import save_file
    from transformers import AutoTokenizer

    sys.path.insert(0, str(HERE))
    from compare_pyabsa import minilm_in, peer_venv_python

    from hf_absa import APCModelForSequenceClassification
    from hf_absa.data import DataCollatorForAPC, load_apc_dataset
    from hf_absa.data.processing import APCProcessor
    from hf_absa.models.configuration_apc import PYABSA_MODEL_NAMES, SYNTAX_MODELS
    from hf_absa.training.workflow import bundled_minilm_path

    venv = Path(args.peer_venv).resolve()
    peer_python = peer_venv_python(venv)
    backbone = bundled_minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    labels = ["Negative", "Neutral", "Positive"]
    rows = [{"sentence": SENTENCE, "aspect": aspect, "label": label} for aspect, label in zip(ASPECTS, labels[::2])]
    ours, jobs = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for name in args.models:
            file, renames, columns, local_encoders = ARCHITECTURES[name]
            torch.manual_seed(0)
            model = APCModelForSequenceClassification.from_pretrained(
                backbone, labels=labels, apc_model=name, dropout=0.5, **SETTINGS.get(name, {})
            ).eval().double()
            with torch.no_grad():  # a wider head: logits of order 1, not 0.05, so that a difference shows
                for key, parameter in model.named_parameters():
                    if "backbone." not in key and parameter.dim() == 2:
                        parameter.mul_(5.0)
            arguments = model.config.processor_arguments()
            if name in SYNTAX_MODELS:
                arguments["parser"] = stand_in_parser()
            # PyABSA's class may read more columns than ours does (e.g. every vector kind).
            arguments["input_names"] = model.config.forward_inputs + tuple(
                column for column in columns.values() if column.endswith("_vec")) + ("sentence_length",)
            processor = APCProcessor(tokenizer, **arguments, label2id=model.config.label2id)
            batch = DataCollatorForAPC(tokenizer)(list(processor.apply(load_apc_dataset(rows))["train"]))
            ids = batch["input_ids"]
            assert bool(batch["attention_mask"].all()), "the check needs unpadded pair encodings"
            # PyABSA passes neither attention mask nor token type ids: all ones / all zeros on unpadded input.
            feed = {key: value for key, value in batch.items() if key in model.config.forward_inputs}
            feed.setdefault("sentence_length", batch["sentence_length"])
            for key in [key for key in feed if key.endswith("token_type_ids")]:
                feed[key] = torch.zeros_like(feed[key])
            feed.update(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids))
            for side in ("left", "right"):
                if f"{side}_input_ids" in feed:
                    feed[f"{side}_attention_mask"] = torch.ones_like(ids)
            with torch.no_grad():
                output = model(**feed, labels=batch["labels"])
            ours[name] = {"logits": output.logits, "loss": float(output.loss)}

            raw = torch.where(torch.arange(ids.shape[1]) < batch["sentence_length"].view(-1, 1), ids,
                              tokenizer.pad_token_id)
            sources = {**batch, "raw": raw, "ones": torch.ones(ids.shape, dtype=torch.float)}
            torch.save({theirs: sources[column] for theirs, column in columns.items()}, f"{folder}/{name}.inputs.pt")
            save_file(renamed(model.state_dict(), renames), f"{folder}/{name}.safetensors")
            jobs[name] = {"file": file, "class": PYABSA_MODEL_NAMES[name], "config": pyabsa_config(model.config,
                          ids.shape[1]), "local_encoders": list(local_encoders), "pad_id": tokenizer.pad_token_id,
                          "two_pass": "raw" in columns.values() and not file.startswith("fast_")}
        Path(folder, "jobs.json").write_text(json.dumps(jobs))
        done = subprocess.run([str(peer_python), "-c", PEER_SCRIPT, str(minilm_in(venv)), folder],
                              capture_output=True, text=True, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    peer = json.loads(done.stdout.strip().splitlines()[-1])
    failed = False
    for name in args.models:
        difference = (torch.tensor(peer[name]["logits"], dtype=torch.float64) - ours[name]["logits"]).abs().max().item()
        result = {"architecture": name, "max_abs_logit_difference": difference,
                  "max_abs_logit": ours[name]["logits"].abs().max().item(),
                  "pyabsa_unused_modules_left_unfilled": sorted(
                      {key.rsplit(".", 1)[0].split(SA[:-1])[0] for key in peer[name]["missing"]}),
                  "pyabsa_unexpected_keys": peer[name]["unexpected"]}
        if peer[name]["loss"] is not None:  # LCA_BERT's own loss
            result["loss_difference"] = abs(peer[name]["loss"] - ours[name]["loss"])
        result["passes"] = difference <= args.tolerance and not peer[name]["unexpected"] and (
            result.get("loss_difference", 0.0) <= args.tolerance)
        failed |= not result["passes"]
        print(json.dumps(result))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

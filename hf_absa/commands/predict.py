"""``hf-absa predict``: classify the marked aspects of sentences given as arguments, or of a whole file.

    hf-absa predict --model runs/demo "The [B-ASP]battery[E-ASP] dies fast"
    hf-absa predict --model runs/demo --input test.inference --output predictions.jsonl
    hf-absa predict --model runs/a runs/b runs/c --voting majority "The [B-ASP]battery[E-ASP] dies fast"

Several checkpoints vote only with ``--voting``; without it, ``--model`` takes one value and the words after it are
TEXT arguments (``--model runs/demo "text"`` stays what it always was).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..inference import VOTING_MODES, SentimentClassifier, format_metrics, format_prediction
from ._common import (
    BOOLEAN_FLAGS_NOTE,
    CommandLineError,
    OneLineArgumentParser,
    check_texts_or_input,
    checkpoint_field,
    device_field,
    json_field,
    output_field,
    precision_field,
    quiet_transformers,
)

HELP = "classify the aspects of marked sentences or of a file with a trained model (hf-absa predict --help)"


@dataclass
class PredictArguments:
    """``hf-absa predict`` flags (the sentences themselves are positional arguments)."""

    model_name_or_path: list[str] = checkpoint_field(
        "Checkpoint folder (hf-absa train output) or Hub model id; several with --voting.")
    voting: str | None = field(
        default=None,
        metadata={"help": "Let several --model checkpoints vote on each aspect: mean (mean probabilities) or "
                  "majority (the most predicted label).", "choices": list(VOTING_MODES)},
    )
    input: str | None = field(default=None, metadata={"help": "A .inference file or a 3-line $T$ file to predict."})
    output: str | None = output_field()
    json: bool = json_field()
    batch_size: int = field(default=32, metadata={"help": "Examples per forward pass."})
    device: str | None = device_field()
    precision: str = precision_field("auto")
    compile: bool = field(default=False, metadata={"help": "Run the model through torch.compile."})
    strict: bool = field(
        default=False,
        metadata={"help": "With --input: stop at an .inference line whose labels do not match its aspects instead of "
                  "predicting it without reference labels."},
    )


def make_parser() -> OneLineArgumentParser:
    parser = OneLineArgumentParser(
        PredictArguments, prog="hf-absa predict",
        description="Predict the polarity of each marked aspect with a trained hf_absa checkpoint.",
        epilog=BOOLEAN_FLAGS_NOTE,
    )
    parser.add_argument("texts", nargs="*", metavar="TEXT",
                        help="a sentence with its aspects marked, e.g. 'The [B-ASP]battery[E-ASP] dies fast'")
    return parser


def split_checkpoints(values: list[str], texts: list[str], voting: str | None) -> tuple[list[str], list[str]]:
    """(checkpoints, texts): ``--model``'s values are all checkpoints with ``--voting``; without it only the first
    is, and the others (which argparse gives to ``--model``) are the first TEXT arguments.

    >>> split_checkpoints(["runs/a", "The [B-ASP]food[E-ASP] is good"], [], None)
    (['runs/a'], ['The [B-ASP]food[E-ASP] is good'])
    """
    if voting:
        if len(values) < 2:
            raise CommandLineError(f"--voting {voting} needs two or more checkpoints after --model, got one: "
                                   f"{values[0]}")
        return values, texts
    checkpoints, texts = values[:1], values[1:] + texts
    looks_like_checkpoint = [text for text in texts if os.path.isfile(os.path.join(text, "config.json"))]
    if looks_like_checkpoint:
        raise CommandLineError(f"{looks_like_checkpoint[0]} is a checkpoint folder, not a text: several "
                               f"checkpoints vote only with --voting {' or '.join(VOTING_MODES)}")
    return checkpoints, texts


def main(argv: Sequence[str]) -> int:
    parser = make_parser()
    args, positional = parser.parse_args_into_dataclasses(args=list(argv))
    checkpoints, texts = split_checkpoints(args.model_name_or_path, positional.texts, args.voting)
    check_texts_or_input(texts, args.input, args.output, "predict", "The [B-ASP]battery[E-ASP] dies fast",
                         parser.words_read_as_booleans(list(argv)))
    quiet_transformers()
    classifier = SentimentClassifier.from_pretrained(
        checkpoints, device=args.device, precision=args.precision, compile=args.compile,
        batch_size=args.batch_size, voting=args.voting or VOTING_MODES[0],
    )
    if args.input:
        report = classifier.predict_file(args.input, args.output, strict=args.strict, progress=True)
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
            return 0
        print(f"{report['sentences']} sentences, {report['aspects']} aspects predicted into {report['output']} "
              f"({report['precision']})")
        if report["metrics"]:
            print(f"\n{report['labelled']} aspects with a reference label:\n{format_metrics(report['metrics'])}")
        return 0
    results = classifier.predict(texts)
    if args.json:
        print("\n".join(json.dumps(result, ensure_ascii=False) for result in results))
    else:
        print("\n\n".join(format_prediction(result) for result in results))
    return 0

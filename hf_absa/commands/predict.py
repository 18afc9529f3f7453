"""``hf-absa predict``: classify the marked aspects of sentences given as arguments, or of a whole file.

    hf-absa predict --model runs/demo "The [B-ASP]battery[E-ASP] dies fast"
    hf-absa predict --model runs/demo --input test.inference --output predictions.jsonl
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..inference import SentimentClassifier, format_metrics, format_prediction
from ._common import (
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

    model_name_or_path: str = checkpoint_field("Checkpoint folder (hf-absa train output) or Hub model id.")
    input: str | None = field(default=None, metadata={"help": "A .inference file or a 3-line $T$ file to predict."})
    output: str | None = output_field()
    json: bool = json_field()
    batch_size: int = field(default=32, metadata={"help": "Examples per forward pass."})
    device: str | None = device_field()
    precision: str = precision_field()
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
    )
    parser.add_argument("texts", nargs="*", metavar="TEXT",
                        help="a sentence with its aspects marked, e.g. 'The [B-ASP]battery[E-ASP] dies fast'")
    return parser


def main(argv: Sequence[str]) -> int:
    args, positional = make_parser().parse_args_into_dataclasses(args=list(argv))
    texts = positional.texts
    check_texts_or_input(texts, args.input, args.output, "predict", "The [B-ASP]battery[E-ASP] dies fast")
    quiet_transformers()
    classifier = SentimentClassifier.from_pretrained(
        args.model_name_or_path, device=args.device, precision=args.precision, compile=args.compile,
        batch_size=args.batch_size,
    )
    if args.input:
        report = classifier.predict_file(args.input, args.output, strict=args.strict, progress=True)
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
            return 0
        print(f"{report['sentences']} sentences, {report['aspects']} aspects predicted into {report['output']}")
        if report["metrics"]:
            print(f"\n{report['labelled']} aspects with a reference label:\n{format_metrics(report['metrics'])}")
        return 0
    results = classifier.predict(texts)
    if args.json:
        print("\n".join(json.dumps(result, ensure_ascii=False) for result in results))
    else:
        print("\n\n".join(format_prediction(result) for result in results))
    return 0

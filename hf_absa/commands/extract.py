"""``hf-absa extract``: every aspect of raw texts given as arguments, or of a whole file, with its sentiment.

    hf-absa extract --model runs/atepc "The battery life is great but the screen is dim"
    hf-absa extract --model runs/atepc --sentiment_model runs/laptop14 --json "Great pizza, slow service"
    hf-absa extract --model runs/atepc --input reviews.txt --output aspects.jsonl
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..data.atepc_readers import EXTRACTION_FILE_FORMATS
from ..inference import AspectExtractor, format_extraction, format_extraction_metrics
from ..inference.extractor import RECHECK_MARGIN
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

HELP = "extract the aspects of raw texts or of a file, with their sentiment (hf-absa extract --help)"


@dataclass
class ExtractArguments:
    """``hf-absa extract`` flags (the texts themselves are positional arguments)."""

    model_name_or_path: str = checkpoint_field(
        "ATEPC checkpoint folder (hf-absa train --task atepc output) or Hub model id.")
    input: str | None = field(
        default=None,
        metadata={"help": "A file to extract from: plain text (one text per line), a PyABSA .atepc file or a "
                  "unified-tag (e2e_absa) file; the last two are also scored against their gold aspects."},
    )
    output: str | None = output_field()
    input_format: str | None = field(
        default=None,
        metadata={"help": "--input's format, when its name and first line do not tell (.atepc; '####' on the line).",
                  "choices": list(EXTRACTION_FILE_FORMATS)},
    )
    json: bool = json_field()
    sentiment_model: str | None = field(
        default=None,
        metadata={"help": "An APC checkpoint (folder or Hub id) that classifies the extracted aspects instead of the "
                  "ATEPC model's own polarity head."},
    )
    no_sentiment: bool = field(default=False, metadata={"help": "Extract the aspects only, without their sentiment."})
    batch_size: int = field(default=32, metadata={"help": "Windows (a short text is one) per forward pass."})
    device: str | None = device_field()
    precision: str = precision_field("auto")
    recheck_margin: float = field(
        default=RECHECK_MARGIN,
        metadata={"help": "Under bf16, a window (a text, or a part of a long one) with a word whose two most probable "
                  "tags (or an aspect whose two most probable polarities) are at most this far apart (probability, "
                  "0-1), where the other choice could change the result, is computed again in fp32: "
                  "0 = pure bf16, 1 = every window computed in fp32 as well."},
    )


def make_parser() -> OneLineArgumentParser:
    parser = OneLineArgumentParser(
        ExtractArguments, prog="hf-absa extract",
        description="Extract every aspect of raw texts, with its sentiment, with a trained hf_absa ATEPC checkpoint.",
        epilog=BOOLEAN_FLAGS_NOTE,
    )
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="a text, e.g. 'The battery life is great'")
    return parser


def main(argv: Sequence[str]) -> int:
    parser = make_parser()
    args, positional = parser.parse_args_into_dataclasses(args=list(argv))
    texts = positional.texts
    check_texts_or_input(texts, args.input, args.output, "extract from", "The battery life is great",
                         parser.words_read_as_booleans(list(argv)))
    if args.input_format and not args.input:
        raise CommandLineError("--input_format goes with --input FILE")
    if args.no_sentiment and args.sentiment_model:
        raise CommandLineError("--no_sentiment and --sentiment_model contradict each other; expected one at most")
    quiet_transformers()
    extractor = AspectExtractor.from_pretrained(
        args.model_name_or_path, device=args.device, precision=args.precision, batch_size=args.batch_size,
        sentiment_model=args.sentiment_model, recheck_margin=args.recheck_margin,
    )
    sentiment = not args.no_sentiment
    if args.input:
        report = extractor.predict_file(args.input, args.output, sentiment=sentiment, file_format=args.input_format,
                                        progress=True)
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
            return 0
        print(f"{report['sentences']} texts, {report['aspects']} aspects extracted into {report['output']} "
              f"({report['precision']})")
        if report["metrics"]:
            print(f"\nAgainst the file's {report['gold_aspects']} gold aspects (exact spans):\n"
                  f"{format_extraction_metrics(report['metrics'])}")
        return 0
    results = extractor.predict(texts, sentiment=sentiment)
    if args.json:
        print("\n".join(json.dumps(result, ensure_ascii=False) for result in results))
    else:
        print("\n\n".join(format_extraction(result) for result in results))
    return 0

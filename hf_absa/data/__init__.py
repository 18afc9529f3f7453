"""Data: readers of PyABSA's files, the dataset registry, featurisation and batching.

Readers read (or stream, one sentence at a time), the registry finds files, `load_apc_dataset` builds Arrow
datasets, `APCProcessor` turns strings into model inputs in a cached
``datasets.map``, and `DataCollatorForAPC` pads each batch to its own longest
sequence.
"""

from .atepc_collator import DataCollatorForATEPC
from .atepc_loading import ATEPC_FEATURES, atepc_polarity_labels, load_atepc_dataset
from .atepc_processing import ATEPC_TAGS, ATEPCProcessor
from .atepc_readers import (
    apc_examples_to_atepc,
    atepc_example_from_row,
    atepc_example_from_text,
    atepc_example_from_words,
    iter_atepc_file,
    iter_unified_tag_file,
    read_atepc_file,
    read_unified_tag_file,
    split_words,
)
from .collator import DataCollatorForAPC
from .labels import LabelReport
from .loading import build_label_mapping, load_apc_dataset
from .processing import APCProcessor, local_context_vectors
from .readers import (
    APCDataError,
    add_neighbour_spans,
    iter_apc_file,
    iter_examples_file,
    iter_inference_file,
    iter_sentence_groups,
    parse_marked_text,
    read_apc_file,
    read_inference_file,
)
from .registry import APC_DATASETS, DatasetNotFoundError, resolve_dataset_files

__all__ = [
    "LabelReport",
    "APC_DATASETS",
    "APCDataError",
    "APCProcessor",
    "DataCollatorForAPC",
    "DatasetNotFoundError",
    "add_neighbour_spans",
    "build_label_mapping",
    "iter_apc_file",
    "iter_examples_file",
    "iter_inference_file",
    "iter_sentence_groups",
    "load_apc_dataset",
    "local_context_vectors",
    "parse_marked_text",
    "read_apc_file",
    "read_inference_file",
    "resolve_dataset_files",
    # ATEPC
    "ATEPC_FEATURES",
    "ATEPC_TAGS",
    "ATEPCProcessor",
    "DataCollatorForATEPC",
    "apc_examples_to_atepc",
    "atepc_example_from_row",
    "atepc_example_from_text",
    "atepc_example_from_words",
    "atepc_polarity_labels",
    "iter_atepc_file",
    "iter_unified_tag_file",
    "load_atepc_dataset",
    "read_atepc_file",
    "read_unified_tag_file",
    "split_words",
]

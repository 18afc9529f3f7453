"""``pipeline("aspect-extraction")``: registered on import, and a shim over `AspectExtractor` — the same results for
the same inputs in every form and mode (tiny hand-set tagger of tests/atepc_fixtures.py)."""

import pytest
from transformers import pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from hf_absa import AspectExtractor
from hf_absa.inference import AspectExtractionPipeline
from hf_absa.inference.extraction_pipeline import ASPECT_EXTRACTION_TASK, register_aspect_extraction_pipeline
from test_extractor import TEXTS


@pytest.fixture(scope="module")
def extractor(tiny_atepc_checkpoint):
    return AspectExtractor.from_pretrained(tiny_atepc_checkpoint, device="cpu")


@pytest.fixture(scope="module")
def extract(tiny_atepc_checkpoint):
    return pipeline(ASPECT_EXTRACTION_TASK, model=str(tiny_atepc_checkpoint), device="cpu")


def test_the_task_is_registered_once_for_token_classification_models():
    register_aspect_extraction_pipeline()  # again: no second entry, no overwrite
    assert ASPECT_EXTRACTION_TASK in PIPELINE_REGISTRY.get_supported_tasks()
    task = PIPELINE_REGISTRY.supported_tasks[ASPECT_EXTRACTION_TASK]
    assert task["impl"] is AspectExtractionPipeline
    assert [model.__name__ for model in task["pt"]] == ["AutoModelForTokenClassification"]


def test_pipeline_output_equals_extractor_output(extract, extractor):
    # Equal to the last bit for the same batches (padding to another length moves the last float digits).
    assert isinstance(extract, AspectExtractionPipeline)
    expected = extractor.predict(TEXTS)
    assert extract(TEXTS[0]) == extractor.predict(TEXTS[0])
    assert extract(TEXTS) == expected
    assert extract(TEXTS, batch_size=1) == extractor.with_batch_size(1).predict(TEXTS)
    assert list(extract(text for text in TEXTS)) == expected  # a generator streams lazily
    assert extract(TEXTS, sentiment=False) == extractor.predict(TEXTS, sentiment=False)
    assert extract([]) == []
    assert any("label" in aspect for result in expected for aspect in result["aspects"])


def test_given_aspects_and_long_texts_as_the_extractor_takes_them(extract, extractor):
    text = "the food was good but the battery life is bad , food again"
    assert extract(text, aspects=["food", (26, 38)]) == extractor.predict(text, aspects=["food", (26, 38)])
    assert extract({"text": text, "aspects": ["food"]}) == extractor.predict({"text": text, "aspects": ["food"]})
    assert extract([text, text], aspects=[["food"], None]) == extractor.predict([text, text], aspects=[["food"], None])
    long_text = "the battery life is good and the screen is dim " * 20  # 200 words: windows of 40 tokens
    result = extract(long_text)
    assert result == extractor.predict(long_text) and result["windows"] > 1


def test_settings_at_construction(tiny_atepc_checkpoint, extractor, tiny_apc_checkpoint):
    extraction_only = pipeline(ASPECT_EXTRACTION_TASK, model=str(tiny_atepc_checkpoint), device="cpu",
                               sentiment=False, batch_size=3)
    assert extraction_only.extractor.batch_size == 3
    assert extraction_only(TEXTS) == extractor.predict(TEXTS, sentiment=False)
    two_stage = pipeline(ASPECT_EXTRACTION_TASK, model=str(tiny_atepc_checkpoint), device="cpu",
                         sentiment_model=str(tiny_apc_checkpoint), precision="bf16")
    reference = AspectExtractor.from_pretrained(tiny_atepc_checkpoint, device="cpu",
                                                sentiment_model=tiny_apc_checkpoint, precision="bf16")
    assert two_stage.extractor.sentiment_model is not None and two_stage.extractor.precision == "bf16"
    assert two_stage(TEXTS) == reference.predict(TEXTS)


def test_bad_calls_name_the_problem(extract):
    with pytest.raises(TypeError, match="takes no parameter top_k"):
        extract(TEXTS[0], top_k=3)
    with pytest.raises(TypeError, match=r"texts\[1\] is the int 3"):
        extract(["battery", 3])
    with pytest.raises(TypeError, match="aspects= goes with a plain sentence or a list of them"):
        extract((text for text in TEXTS), aspects=["battery"])
    with pytest.raises(ValueError, match="aspect 0 'pizza' does not occur"):
        extract("the battery", aspects=["pizza"])

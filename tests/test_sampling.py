"""Length-grouped training batches over small windows (`hf_absa.training.sampling`)."""

import torch
from datasets import Dataset
from transformers.trainer_pt_utils import LengthGroupedSampler

from hf_absa.training import APCTrainer, APCTrainingArguments
from hf_absa.training.sampling import WindowedLengthSampler, sequence_lengths


def batches_of(order, batch_size):
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def padded_tokens(order, lengths, batch_size):
    return sum(len(batch) * max(lengths[i] for i in batch) for batch in batches_of(order, batch_size))


def test_every_index_once_in_sorted_windows_with_less_padding_than_random():
    generator = torch.Generator().manual_seed(0)
    lengths = torch.randint(5, 80, (1003,), generator=generator).tolist()
    sampler = WindowedLengthSampler(lengths, batch_size=16, window=4, generator=generator)
    order = list(sampler)
    assert sorted(order) == list(range(1003)) and len(sampler) == 1003
    batches = batches_of(order, 16)
    assert len(batches[-1]) == 1003 % 16  # the short batch stays last: DataLoader boundaries match
    for batch in batches:
        batch_lengths = [lengths[i] for i in batch]
        assert batch_lengths == sorted(batch_lengths, reverse=True)
    random_order = torch.randperm(1003, generator=generator).tolist()
    assert padded_tokens(order, lengths, 16) < 0.8 * padded_tokens(random_order, lengths, 16)
    assert list(sampler) != order  # with a generator: a new order every pass


def test_order_is_a_function_of_seed_and_epoch():
    # What makes resuming exact and DDP processes agree: no dependence on the global random state.
    lengths = torch.randint(5, 80, (200,), generator=torch.Generator().manual_seed(3)).tolist()
    first, second = WindowedLengthSampler(lengths, 8, seed=7), WindowedLengthSampler(lengths, 8, seed=7)
    torch.manual_seed(123)
    epoch0 = list(first)
    torch.manual_seed(456)
    assert list(second) == epoch0 == list(first)
    first.set_epoch(1)
    assert list(first) != epoch0 and sorted(first) == list(range(200))
    assert list(WindowedLengthSampler(lengths, 8, seed=8)) != epoch0


def test_aspects_of_one_sentence_rarely_share_a_batch():
    # 300 sentences of 3 aspects each; the aspects of a sentence have its length (APC data's shape).
    generator = torch.Generator().manual_seed(1)
    sentence_lengths = torch.randint(8, 60, (300,), generator=generator).tolist()
    lengths = [length for length in sentence_lengths for _ in range(3)]
    sentence = [index // 3 for index in range(len(lengths))]

    def same_sentence_pairs(order):
        pairs = 0
        for batch in batches_of(order, 16):
            ids = [sentence[i] for i in batch]
            pairs += sum(ids.count(s) * (ids.count(s) - 1) // 2 for s in set(ids))
        return pairs

    stock = list(LengthGroupedSampler(16, lengths=lengths, generator=torch.Generator().manual_seed(2)))
    windowed = list(WindowedLengthSampler(lengths, 16, window=4, generator=torch.Generator().manual_seed(2)))
    assert same_sentence_pairs(windowed) * 3 < same_sentence_pairs(stock)


def test_lengths_follow_a_selected_view():
    dataset = Dataset.from_dict({"input_ids": [[1] * n for n in (3, 1, 4, 1, 5, 9, 2, 6)]})
    view = dataset.shuffle(seed=0).select([0, 1, 2])
    assert sequence_lengths(view) == [len(ids) for ids in view["input_ids"]]


def test_trainer_uses_the_windowed_sampler_by_default(tmp_path):
    dataset = Dataset.from_dict({"input_ids": [[1] * n for n in range(1, 41)], "labels": [0] * 40})
    common = dict(output_dir=str(tmp_path), per_device_train_batch_size=4,
                  use_cpu=True, eval_strategy="no", save_strategy="no", load_best_model_at_end=False)
    model, metrics = torch.nn.Linear(2, 2), (lambda prediction: {})
    windowed = APCTrainer(model=model, args=APCTrainingArguments(**common), train_dataset=dataset,
                          compute_metrics=metrics)
    sampler = windowed._get_train_sampler()
    assert isinstance(sampler, WindowedLengthSampler) and sampler.window == 4 and sampler.batch_size == 4
    assert sampler.seed == windowed.args.seed
    stock = APCTrainer(model=model, args=APCTrainingArguments(length_group_window=0, **common), train_dataset=dataset,
                       compute_metrics=metrics)
    assert isinstance(stock._get_train_sampler(), LengthGroupedSampler)
    random = APCTrainer(model=model, args=APCTrainingArguments(train_sampling_strategy="random", **common),
                        train_dataset=dataset, compute_metrics=metrics)
    assert not isinstance(random._get_train_sampler(), (WindowedLengthSampler, LengthGroupedSampler))

"""`StepTimer`: the benchmark drivers' callback that times the optimizer steps alone and counts the tokens
processed (shared by ``hf_absa_apc.py`` and ``hf_absa_atepc.py``)."""

from __future__ import annotations

import time

from transformers import TrainerCallback


class StepTimer(TrainerCallback):
    """Wall time of the optimizer steps alone (evaluations and saves happen between steps), and the
    tokens the model actually processed (each batch padded to its own longest sequence).

    ``seconds``: summed step time (s); ``tokens``: ``input_ids`` elements over all training batches.
    """

    def __init__(self):
        self.seconds, self.tokens, self._start = 0.0, 0, None

    def on_train_begin(self, args, state, control, train_dataloader=None, **kwargs):
        # accelerate's prepared loader iterates its base_dataloader, whose collate_fn is the one used.
        loader = getattr(train_dataloader, "base_dataloader", train_dataloader)
        collate = loader.collate_fn

        def counting_collate(features):
            batch = collate(features)
            self.tokens += batch["input_ids"].numel()
            return batch

        loader.collate_fn = counting_collate

    def on_step_begin(self, *_, **__):
        self._start = time.perf_counter()

    def on_step_end(self, *_, **__):
        self.seconds += time.perf_counter() - self._start

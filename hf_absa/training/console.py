"""`PhaseProgressCallback`: a quiet console, one progress bar per phase.

The stock `ProgressCallback` prints every logged dict (``{'loss': ..., 'grad_norm': ...}``) under the training
bar and opens a nested bar for each periodic evaluation, and every checkpoint save adds transformers' "Writing model
shards" bar. This one keeps the training bar, drops the rest while training runs, and shows a bar for the
evaluations after training (validation, test), one phase each. `fit_and_evaluate` uses it in place of
the stock callback when it is among ``callbacks``; the command line's ``--verbose`` keeps the stock console.
"""

from __future__ import annotations

from transformers import ProgressCallback
from transformers.utils import logging as transformers_logging

__all__ = ["PhaseProgressCallback"]


class PhaseProgressCallback(ProgressCallback):
    """Training bar without the per-step log dicts; evaluation bars only outside training."""

    def on_train_begin(self, args, state, control, **kwargs):
        # The checkpoint saves' "Writing model shards" bars would interleave with the training bar.
        self._bars_were_enabled = transformers_logging.is_progress_bar_enabled()
        transformers_logging.disable_progress_bar()
        super().on_train_begin(args, state, control, **kwargs)

    def on_train_end(self, args, state, control, **kwargs):
        super().on_train_end(args, state, control, **kwargs)
        if getattr(self, "_bars_were_enabled", False):
            transformers_logging.enable_progress_bar()

    def on_log(self, args, state, control, logs=None, **kwargs):
        pass  # the logs still reach trainer_state.json and the report_to integrations

    def on_prediction_step(self, args, state, control, eval_dataloader=None, **kwargs):
        if self.training_bar is None:  # an evaluation phase of its own, not one inside training
            super().on_prediction_step(args, state, control, eval_dataloader=eval_dataloader, **kwargs)

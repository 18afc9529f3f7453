"""Evaluation protocols: what a run selects its model on and which test figures it reports.

hf_absa's protocol (always on): the best model is selected on the validation
split (or a held-out part of train) and evaluated once on test —
``test_accuracy`` / ``test_f1`` in ``all_results.json``.

PyABSA's protocol (opt-in, ``report_max_test=True`` / ``--report_max_test``):
PyABSA v2 evaluates the test split every ``log_step`` steps and publishes the
best of those evaluations ("Max-Test-Acc w/o Valid Set", the reference's §1.8).
Here the test split joins the periodic evaluations (logged as
``eval_test_accuracy``), model selection stays on validation, and two more
figures are reported: ``max_test_accuracy`` and ``max_test_f1``, each maximised
on its own over all periodic test evaluations, as PyABSA does. They are
optimistic (test picks them) and only meant for comparing with PyABSA's
published numbers. One run produces both protocols' figures.
"""

from __future__ import annotations

from .training_args import replace_arguments

PERIODIC_TEST_PREFIX = "eval_test_"
MAX_TEST_PREFIX = "max_test_"
MAX_TEST_METRICS = ("accuracy", "f1")


def validation_metric_name(metric: str | None) -> str:
    """``metric_for_best_model`` once evaluations are named per split (``{"validation": ..., "test": ...}``).

    >>> validation_metric_name("accuracy"), validation_metric_name("eval_f1")
    ('validation_accuracy', 'validation_f1')
    """
    return "validation_" + (metric or "loss").removeprefix("eval_")


def evaluation_protocol(validation, test, training_args):
    """The ``eval_dataset`` and arguments for the Trainer under ``training_args.report_max_test``.

    Off: ``(validation, training_args)`` unchanged. On: both splits are evaluated
    at every evaluation (``eval_validation_*``, ``eval_test_*`` in the log) and a
    copy of the arguments selects on the validation metric; without a validation
    split (``validation_fraction=0``) only test is evaluated and nothing is
    selected (PyABSA's set-up exactly: all of train, the final model is reported).
    """
    report_max_test = getattr(training_args, "report_max_test", False)
    if validation is None and training_args.eval_strategy != "no":
        # validation_fraction=0 on data without a validation split: trained on all of train, nothing to select on.
        if not report_max_test:
            raise ValueError(
                "eval_strategy is not 'no' but there is no validation split to evaluate (validation_fraction=0): "
                "set --eval_strategy no, give a validation split, or use --report_max_test for test evaluations"
            )
        if training_args.load_best_model_at_end or training_args.save_strategy == "best":
            raise ValueError(
                "validation_fraction=0 leaves no validation split to select the best model on (the test split is "
                "never used for selection): set --load_best_model_at_end false and --save_strategy no, steps or epoch"
            )
    if not report_max_test:
        return validation, training_args
    if test is None:
        raise ValueError("report_max_test needs a test split; the data has none")
    if validation is None:
        # PyABSA's own set-up: all of train, periodic test evaluations, the final model is the clean result.
        # No selection metric at all, or the Trainer would track a "best" model on test.
        return {"test": test}, replace_arguments(training_args, metric_for_best_model=None)
    selection = validation_metric_name(training_args.metric_for_best_model)
    return {"validation": validation, "test": test}, replace_arguments(
        training_args, metric_for_best_model=selection
    )


def max_test_metrics(log_history: list[dict], names: tuple[str, ...] = MAX_TEST_METRICS) -> dict:
    """PyABSA's figures from a Trainer log: each test metric of ``names`` (default APC's accuracy and macro-F1;
    a task's trainer names its own, `hf_absa.training.trainer.ABSATrainer.max_test_metric_names`) maximised over
    the periodic evaluations; a name no evaluation logged is left out.

    Empty when the test split was not evaluated periodically (``report_max_test`` off).

    >>> max_test_metrics([{"eval_test_accuracy": 0.7, "eval_test_f1": 0.6, "step": 5},
    ...                   {"eval_test_accuracy": 0.6, "eval_test_f1": 0.65, "step": 10}])
    {'max_test_accuracy': 0.7, 'max_test_f1': 0.65, 'max_test_evaluations': 2}
    """
    evaluations = [log for log in log_history if any(PERIODIC_TEST_PREFIX + name in log for name in names)]
    if not evaluations:
        return {}
    figures = {
        MAX_TEST_PREFIX + name: max(log[PERIODIC_TEST_PREFIX + name] for log in evaluations
                                    if PERIODIC_TEST_PREFIX + name in log)
        for name in names
        if any(PERIODIC_TEST_PREFIX + name in log for log in evaluations)
    }
    figures["max_test_evaluations"] = len(evaluations)
    return figures

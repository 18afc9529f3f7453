"""Dual-mode `from_pretrained` shared by hf_absa's model families (APC, ATEPC): a checkpoint, or a new model on a
backbone.

A model family's `from_pretrained` is `from_checkpoint_or_backbone` with the family's `HeadArguments` (the keyword
names of its labels and architecture). It calls `checkpoint_model_type` to tell the two modes apart; a checkpoint
loads with transformers' own `from_pretrained` and is checked against the labels / architecture the caller gave;
in backbone mode `model_from_backbone` checks the keyword arguments against the family's config, loads the
backbone ONCE (`AutoModel.from_pretrained`, handed to the model's ``__init__`` as ``backbone=``) and builds the
head in the backbone's dtype, on its device, from the caller's random state alone. `BackbonePreTrainedModel` is
the families' common base: the backbone's attribute name, the heads' weight initialisation and the backbone pass.

This file is copied next to the weights with the model code (remote code): torch and transformers only.
"""

from __future__ import annotations

import contextlib
import inspect
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from transformers import CONFIG_MAPPING, AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers import __version__ as transformers_version
from transformers import initialization as init

# Keyword arguments of `from_pretrained` that locate files; in backbone mode they go to the backbone's loaders.
HUB_KWARGS = ("cache_dir", "force_download", "local_files_only", "token", "revision", "subfolder", "proxies")
# Keyword arguments of `from_pretrained` that shape how the weights are loaded; in backbone mode they go to the
# backbone's `AutoModel.from_pretrained` (the head follows the backbone's dtype and device).
BACKBONE_LOAD_KWARGS = ("dtype", "attn_implementation", "device_map", "use_safetensors", "variant")
# device_map values that let accelerate spread the backbone over several devices: the head needs one device.
MULTI_DEVICE_MAPS = ("auto", "balanced", "balanced_low_0", "sequential")
# `__init__` parameters of a family's config that are never `from_pretrained` keywords in backbone mode.
_NOT_KEYWORDS = {"self", "kwargs", "backbone_config", "backbone_name_or_path", "hf_absa_version"}


class BackbonePreTrainedModel(PreTrainedModel):
    """Base of hf_absa's model families: heads on a transformers backbone held in ``self.backbone``.

    A family's base class adds its ``config_class``; its model sets ``self._backbone_takes_token_type_ids``
    (`takes_token_type_ids`) once the backbone is built, for `_encode`.
    """

    base_model_prefix = "backbone"
    supports_gradient_checkpointing = True

    def _init_weights(self, module: nn.Module) -> None:
        # Only head modules reach here: the backbone, a PreTrainedModel itself, is initialised by its own class.
        if isinstance(module, nn.Linear):
            # PyTorch's default Linear init, as PyABSA's heads get. The backbone's N(0, 0.02) shrinks the
            # signal ~2.5x per layer through the 4-5 stacked head layers, which made 1-epoch runs learn
            # visibly slower than PyABSA's.
            init.kaiming_uniform_(module.weight, a=math.sqrt(5))
            if module.bias is not None:
                bound = 1 / math.sqrt(module.in_features)
                init.uniform_(module.bias, -bound, bound)

    def _encode(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        backbone: nn.Module | None = None,
    ) -> torch.Tensor:
        """Last hidden states of the backbone, (batch, tokens, hidden); ``token_type_ids`` only where it takes them.

        ``backbone``: another backbone of the same type to run instead of ``self.backbone`` (a head's second
        backbone copy)."""
        backbone_inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None and self._backbone_takes_token_type_ids:
            backbone_inputs["token_type_ids"] = token_type_ids
        return (self.backbone if backbone is None else backbone)(**backbone_inputs)[0]


@dataclass(frozen=True)
class HeadArguments:
    """What ties a model family's trained head to its checkpoint, as `from_checkpoint_or_backbone` needs it.

    Args:
        family: the family's name in messages ("APC", "ATEPC").
        checkpoint_name: how messages name a checkpoint of the family ("hf_absa checkpoint", the first family's
            wording, or "hf_absa ATEPC checkpoint").
        labels: the `from_pretrained` keyword (and config field) of the label names in class-index order.
        architecture: the keyword (and config field) of the architecture.
        default_architecture: the architecture of a new model when none is given.
        trained_labels: a checkpoint's config → its label names in class-index order.
        label_alternatives: other keywords that may give the labels in backbone mode (``id2label``).
        also_accepted: more accepted setting keywords in backbone mode (`model_from_backbone`).
        head: how errors name the family's head ("APC head").
    """

    family: str
    checkpoint_name: str
    labels: str
    architecture: str
    default_architecture: str
    trained_labels: Callable[[PretrainedConfig], list[str]]
    label_alternatives: tuple[str, ...] = ()
    also_accepted: frozenset[str] = frozenset()
    head: str = "head"

    def check_checkpoint_matches(
        self, config: PretrainedConfig, labels: list[str] | None, architecture: str | None, name_or_path: str
    ) -> None:
        """A trained head is tied to its labels and architecture: refuse silently changing either (ValueError)."""
        trained = list(self.trained_labels(config))
        if labels is not None and list(labels) != trained:
            raise ValueError(
                f"{name_or_path!r} is an {self.checkpoint_name} with {self.labels.replace('_', ' ')} "
                f"{trained}; {self.labels}={list(labels)!r} does not match. Omit {self.labels}= to load it as "
                "trained."
            )
        trained_architecture = getattr(config, self.architecture)
        if architecture is not None and architecture != trained_architecture:
            raise ValueError(
                f"{name_or_path!r} is an hf_absa {trained_architecture!r} checkpoint; {self.architecture}="
                f"{architecture!r} does not match."
            )


def from_checkpoint_or_backbone(
    model_class: type,
    load_checkpoint: Callable[..., Any],
    name_or_path: str,
    model_args: tuple[Any, ...],
    kwargs: dict[str, Any],
    head: HeadArguments,
    labels: list[str] | None,
    architecture: str | None,
) -> Any:
    """A model family's dual-mode `from_pretrained` (see its docstring for the keyword arguments of each mode).

    Args:
        model_class: the family's model class (its ``config_class`` tells a checkpoint of the family).
        load_checkpoint: transformers' own `from_pretrained` of the class (``super().from_pretrained``), for a
            checkpoint of the family, called with ``name_or_path``, ``model_args`` and ``kwargs``.
        kwargs: `from_pretrained`'s other keyword arguments.
        head: the family's `HeadArguments`.
        labels, architecture: the caller's values of ``head.labels`` and ``head.architecture`` (None: not given).

    Raises:
        ValueError: a checkpoint whose labels or architecture contradict the given ones; ``config=`` that is not
            the family's config; backbone mode without labels (or a ``head.label_alternatives`` keyword), and the
            errors of `model_from_backbone`.
        TypeError: an unknown keyword argument in backbone mode.
    """
    config = kwargs.get("config")
    config_class = model_class.config_class
    model_type, config_dict = checkpoint_model_type(name_or_path, config, config_class.model_type, kwargs)
    if model_type == config_class.model_type:
        model = load_checkpoint(name_or_path, *model_args, **kwargs)
        head.check_checkpoint_matches(model.config, labels, architecture, name_or_path)
        return model
    if config is not None:
        raise ValueError(
            f"config= must be an hf_absa {config_class.__name__}, got a {type(config).__name__} (model_type "
            f"{model_type!r}). To start from a backbone, pass its id or path and the {head.family} settings as "
            "keyword arguments."
        )
    if labels is None and all(kwargs.get(name) is None for name in head.label_alternatives):
        raise ValueError(
            f"{name_or_path!r} is not an {head.checkpoint_name}, so it is used as the backbone of a new "
            f"model, which needs its {head.labels.replace('_', ' ')} in class-index order, e.g.\n"
            f"    {model_class.__name__}.from_pretrained({str(name_or_path)!r}, "
            f'{head.labels}=["Negative", "Neutral", "Positive"], {head.architecture}="{head.default_architecture}")'
        )

    def make_config(**fields: Any) -> PretrainedConfig:
        return config_class(
            **{head.labels: labels, head.architecture: architecture or head.default_architecture}, **fields
        )

    return model_from_backbone(
        model_class, name_or_path, kwargs, config_dict, make_config, fixed={head.labels, head.architecture},
        also_accepted=head.also_accepted, head=head.head,
    )


def checkpoint_model_type(
    name_or_path: str, config: Any, family_model_type: str, kwargs: dict[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """(model_type of what ``name_or_path`` holds, its config dict) — family_model_type means a checkpoint.

    ``config`` is `from_pretrained`'s ``config=``: a config object (its type decides), None (the folder's or
    repository's ``config.json`` is read, with the file-location arguments of ``kwargs``) or a path/id of one (left
    to transformers: taken for a checkpoint).
    """
    if isinstance(config, PretrainedConfig):
        return config.model_type, {}
    if config is None:
        hub_kwargs = {name: kwargs[name] for name in HUB_KWARGS if name in kwargs}
        config_dict, _ = PretrainedConfig.get_config_dict(name_or_path, **hub_kwargs)
        return config_dict.get("model_type"), config_dict
    return family_model_type, {}


def model_from_backbone(
    model_class: type,
    backbone_name_or_path: str,
    kwargs: dict[str, Any],
    backbone_config_dict: dict[str, Any],
    make_config: Callable[..., PretrainedConfig],
    *,
    fixed: set[str],
    also_accepted: set[str] = frozenset(),
    head: str = "head",
) -> Any:
    """A new ``model_class`` on the backbone ``backbone_name_or_path``.

    Args:
        kwargs: `from_pretrained`'s keyword arguments: file-location ones (`HUB_KWARGS`), backbone loading ones
            (`BACKBONE_LOAD_KWARGS`), ``trust_remote_code`` and the config's settings.
        backbone_config_dict: the backbone's ``config.json`` as read by `checkpoint_model_type`.
        make_config: ``make_config(backbone_config=dict, backbone_name_or_path=str, **settings)`` → the family's
            config (the family passes its labels and architecture through it).
        fixed: config ``__init__`` parameters the family sets itself (its labels, its architecture).
        also_accepted: more accepted setting keywords (the config's old spellings, ``id2label``...).
        head: how errors name the family's head ("APC head").

    Raises:
        TypeError: an unknown keyword argument.
        ValueError: a `device_map` that may split the backbone; a backbone that needs custom code.
    """
    hub_kwargs = {name: kwargs[name] for name in HUB_KWARGS if name in kwargs}
    settings = {name: value for name, value in kwargs.items() if name not in HUB_KWARGS}
    load_kwargs = {name: settings.pop(name) for name in BACKBONE_LOAD_KWARGS if name in settings}
    config_class = model_class.config_class
    allowed = set(inspect.signature(config_class.__init__).parameters) - _NOT_KEYWORDS - fixed
    allowed |= set(also_accepted) | set(config_class.attribute_map)  # + the config's old spellings
    unknown = sorted(set(settings) - allowed - {"trust_remote_code"})
    if unknown:
        raise TypeError(
            f"from_pretrained got unexpected keyword argument(s) {unknown} for a new model on backbone "
            f"{backbone_name_or_path!r}; the model settings are {sorted(allowed)}, file-location settings are "
            f"{list(HUB_KWARGS)}, backbone loading settings are {list(BACKBONE_LOAD_KWARGS)}."
        )
    check_builtin_backbone(backbone_name_or_path, backbone_config_dict, bool(settings.pop("trust_remote_code", False)))
    device_map = load_kwargs.get("device_map")
    if isinstance(device_map, dict) or device_map in MULTI_DEVICE_MAPS:
        raise ValueError(
            f"device_map={device_map!r} may spread the backbone over several devices, but the {head} runs "
            'on one: pass one device (device_map="cuda:0"), or load on CPU and call .to(device).'
        )

    backbone_config = AutoConfig.from_pretrained(backbone_name_or_path, **hub_kwargs)
    config = make_config(
        backbone_config=backbone_config.to_dict(), backbone_name_or_path=str(backbone_name_or_path), **settings
    )
    # The head's random draws come after the load, from the caller's seed alone: forking the generator keeps
    # them independent of whatever the load draws (random init of weights a checkpoint lacks).
    with torch.random.fork_rng(devices=[]):
        backbone = AutoModel.from_pretrained(backbone_name_or_path, config=backbone_config, **hub_kwargs, **load_kwargs)
    # The loaded backbone's config (its dtype, say) is the one a saved model rebuilds the backbone from.
    config.backbone_config, config.dtype = backbone.config.to_dict(), backbone.dtype
    with torch.device(backbone.device), default_dtype(backbone.dtype):
        model = model_class(config, backbone=backbone)
    model.config.name_or_path = str(backbone_name_or_path)
    model.eval()  # like every from_pretrained
    return model


def check_builtin_backbone(name_or_path: str, config_dict: dict[str, Any], trust_remote_code: bool) -> None:
    """A saved model rebuilds its backbone from the stored config with transformers' own classes
    (``config.get_backbone_config``, `AutoModel.from_config`): refuse backbones that need their own code."""
    model_type = config_dict.get("model_type")
    if model_type is not None and model_type not in CONFIG_MAPPING:
        raise ValueError(
            f"{name_or_path!r} has model_type {model_type!r}, which transformers {transformers_version} does not "
            "build in; a saved hf_absa model rebuilds its backbone with transformers' own classes, so custom-code "
            "(trust_remote_code) backbones are not supported."
        )
    if trust_remote_code and config_dict.get("auto_map"):
        raise ValueError(
            f"trust_remote_code=True would build the backbone {name_or_path!r} from its repository's own code, which "
            "a saved hf_absa model cannot rebuild (it uses transformers' own classes); omit trust_remote_code to use "
            "the architecture built into transformers."
        )


@contextlib.contextmanager
def default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """Create floating-point parameters in `dtype` (the backbone's) while the head is built."""
    previous = torch.get_default_dtype()
    if dtype.is_floating_point:
        torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def build_backbone(config: PretrainedConfig, backbone: Any = None) -> Any:
    """The model's backbone: ``backbone`` when given (checked against ``config.backbone_config``), else one built
    from the stored backbone config with random weights (a checkpoint's weights are loaded into it afterwards).

    Raises ValueError when a given backbone's model_type is not the one the config describes.
    """
    described = (config.backbone_config or {}).get("model_type")
    if backbone is None:
        # In the dtype the whole model is being built in (`from_pretrained(..., dtype=)` sets the default), not the
        # one the stored backbone config names, which would leave backbone and head in different dtypes.
        return AutoModel.from_config(config.get_backbone_config(), dtype=torch.get_default_dtype())
    if backbone.config.model_type != described:
        raise ValueError(
            f"backbone is of type {type(backbone).__name__} (model_type {backbone.config.model_type!r}) but "
            f"config.backbone_config describes model_type {described!r}; build the config from the backbone's: "
            f"{type(config).__name__}(backbone_config=backbone.config.to_dict(), ...)."
        )
    return backbone


def takes_token_type_ids(backbone: Any) -> bool:
    """Whether the backbone's forward has a ``token_type_ids`` argument (DistilBERT-like backbones have none)."""
    return "token_type_ids" in inspect.signature(backbone.forward).parameters


def encoder_arguments(backbone_config: PretrainedConfig) -> tuple[int, int, float]:
    """(hidden size, attention heads, attention dropout) of the backbone: the heads' self-attention layers match it."""
    attention_dropout = next(
        (
            getattr(backbone_config, name)
            for name in ("attention_probs_dropout_prob", "attention_dropout")
            if isinstance(getattr(backbone_config, name, None), (int, float))
        ),
        0.0,
    )
    return backbone_config.hidden_size, backbone_config.num_attention_heads, float(attention_dropout)

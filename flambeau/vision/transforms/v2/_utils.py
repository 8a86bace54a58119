"""Helpers of the v2 transform classes: finding things in a flat sample (sizes, boxes, keypoints, types)
and checking constructor arguments."""
from __future__ import annotations

import collections.abc
import numbers
from collections.abc import Sequence
from typing import Any, Callable, Literal

import flambeau
from flambeau.vision import tv_tensors

# _check_sequence_input, _setup_angle and _setup_size: v1 argument checks torchvision's v2._utils re-exports
from .._transforms_geometry import _check_sequence_input, _setup_angle  # noqa: F401
from .._utils import _is_pil_image, _setup_size  # noqa: F401
from .functional import get_dimensions, get_size, is_pure_tensor
from .functional._utils import _FillType, _FillTypeJIT


def _quoted(items: Sequence) -> str:
    return ", ".join(f"'{item}'" for item in items)


def _setup_number_or_seq(arg: int | float | Sequence[int | float], name: str) -> Sequence[float]:
    """A number or a 1- or 2-sequence of numbers, as a [low, high] pair of floats."""
    if not isinstance(arg, (int, float, Sequence)):
        raise TypeError(f"{name} should be a number or a sequence of numbers. Got {type(arg)}")
    if isinstance(arg, Sequence):
        if len(arg) not in (1, 2):
            raise ValueError(f"If {name} is a sequence its length should be 1 or 2. Got {len(arg)}")
        for element in arg:
            if not isinstance(element, (int, float)):
                raise ValueError(f"{name} should be a sequence of numbers. Got {type(element)}")
        return [float(arg[0]), float(arg[-1])]
    return [float(arg), float(arg)]


def _check_fill_arg(fill: _FillType | dict[type | str, _FillType]) -> None:
    if isinstance(fill, dict):
        for value in fill.values():
            _check_fill_arg(value)
    elif fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg, only Numbers, tuples, lists and dicts are allowed.")


def _convert_fill_arg(fill: _FillType) -> _FillTypeJIT:
    # None stays None: it is not the same as 0 for every kernel
    if fill is None or isinstance(fill, (int, float)):
        return fill
    return [float(v) for v in fill]


def _setup_fill_arg(fill: _FillType | dict[type | str, _FillType]) -> dict[type | str, _FillTypeJIT]:
    """The fill per input type: a dict of type (or "others") to fill, checked and converted in place."""
    _check_fill_arg(fill)
    if isinstance(fill, dict):
        for key, value in fill.items():
            fill[key] = _convert_fill_arg(value)
        return fill
    return {"others": _convert_fill_arg(fill)}


def _get_fill(fill_dict: dict, inpt_type: type) -> _FillTypeJIT:
    if inpt_type in fill_dict:
        return fill_dict[inpt_type]
    return fill_dict.get("others")


def _check_padding_arg(padding: int | Sequence[int]) -> None:
    valid = isinstance(padding, int) or \
        (isinstance(padding, (tuple, list)) and len(padding) in (1, 2, 4) and all(isinstance(p, int) for p in padding))
    if not valid:
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element of tuple or list, got {padding}.")


def _check_padding_mode_arg(padding_mode: Literal["constant", "edge", "reflect", "symmetric"]) -> None:
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")


def _find_labels_default_heuristic(inputs: Any) -> flambeau.Tensor:
    """The labels of a sample: the second item of a pair when it is a tensor (batched classification), else
    the "labels" entry of the sample's dict (or of its second item), else the first key containing "label"
    (case-insensitively)."""
    if isinstance(inputs, (tuple, list)):
        inputs = inputs[1]
    if is_pure_tensor(inputs):
        return inputs
    if not isinstance(inputs, collections.abc.Mapping):
        raise ValueError("When using the default labels_getter, the input passed to forward must be a dictionary or "
                         f"a two-tuple whose second item is a dictionary or a tensor, but got {inputs} instead.")
    keys = list(inputs.keys())
    candidates = [k for k in keys if k.lower() == "labels"] or [k for k in keys if "label" in k.lower()]
    if not candidates:
        raise ValueError("Could not infer where the labels are in the sample. Try passing a callable as the "
                         "labels_getter parameter?If there are no labels in the sample by design, pass "
                         "labels_getter=None.")
    return inputs[candidates[0]]


def _parse_labels_getter(labels_getter: str | Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    if labels_getter == "default":
        return _find_labels_default_heuristic
    if callable(labels_getter):
        return labels_getter
    if labels_getter is None:
        return lambda _: None
    raise ValueError(f"labels_getter should either be 'default', a callable, or None, but got {labels_getter}.")


def _first_of(flat_inputs: list[Any], cls: type, what: str) -> Any:
    # one BoundingBoxes (or KeyPoints) per sample, by convention
    for inpt in flat_inputs:
        if isinstance(inpt, cls):
            return inpt
    raise ValueError(f"No {what} were found in the sample")


def get_bounding_boxes(flat_inputs: list[Any]) -> tv_tensors.BoundingBoxes:
    """The BoundingBoxes of the sample (the first one)."""
    return _first_of(flat_inputs, tv_tensors.BoundingBoxes, "bounding boxes")


def get_keypoints(flat_inputs: list[Any]) -> tv_tensors.KeyPoints:
    """The KeyPoints of the sample (the first one)."""
    return _first_of(flat_inputs, tv_tensors.KeyPoints, "keypoints")


def query_chw(flat_inputs: list[Any]) -> tuple[int, int, int]:
    """(channels, height, width) shared by the images and videos of the sample."""
    chws = {tuple(get_dimensions(inpt)) for inpt in flat_inputs
            if check_type(inpt, (is_pure_tensor, tv_tensors.Image, _is_pil_image, tv_tensors.Video))}
    if not chws:
        raise TypeError("No image or video was found in the sample")
    if len(chws) > 1:
        raise ValueError(f"Found multiple CxHxW dimensions in the sample: {_quoted(sorted(chws))}")
    c, h, w = chws.pop()
    return c, h, w


def query_size(flat_inputs: list[Any]) -> tuple[int, int]:
    """(height, width) shared by the images, videos, masks, boxes and keypoints of the sample."""
    sized = (is_pure_tensor, tv_tensors.Image, _is_pil_image, tv_tensors.Video, tv_tensors.Mask,
             tv_tensors.BoundingBoxes, tv_tensors.KeyPoints)
    sizes = {tuple(get_size(inpt)) for inpt in flat_inputs if check_type(inpt, sized)}
    if not sizes:
        raise TypeError("No image, video, mask, bounding box of keypoint was found in the sample")
    if len(sizes) > 1:
        raise ValueError(f"Found multiple HxW dimensions in the sample: {_quoted(sorted(sizes))}")
    h, w = sizes.pop()
    return h, w


def check_type(obj: Any, types_or_checks: tuple[type | Callable[[Any], bool], ...]) -> bool:
    """Whether obj is an instance of one of the types, or passes one of the checks."""
    return any(isinstance(obj, t) if isinstance(t, type) else t(obj) for t in types_or_checks)


def has_any(flat_inputs: list[Any], *types_or_checks: type | Callable[[Any], bool]) -> bool:
    return any(check_type(inpt, types_or_checks) for inpt in flat_inputs)


def has_all(flat_inputs: list[Any], *types_or_checks: type | Callable[[Any], bool]) -> bool:
    return all(has_any(flat_inputs, t) for t in types_or_checks)

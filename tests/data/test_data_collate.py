"""default_collate / default_convert against torch's on the same samples: output structure, container
types, dtypes, shapes, values, and the same exceptions for bad batches."""
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import flambeau
import flambeau.utils.data as fud

Point = namedtuple("Point", "x y")


def structure(obj):
    """A library-neutral description of a collated batch, to compare torch's and flambeau's."""
    if isinstance(obj, (torch.Tensor, flambeau.Tensor)):
        return ("tensor", str(obj.dtype), tuple(obj.shape), np.asarray(obj.tolist()).tolist())
    if isinstance(obj, np.ndarray):
        return ("ndarray", obj.dtype.str, obj.tolist())
    if isinstance(obj, dict):
        return (type(obj).__name__, [(k, structure(v)) for k, v in obj.items()])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [structure(v) for v in obj])
    return (type(obj).__name__, obj)


def samples(lib):
    """Three samples mixing every kind default_collate handles, tensors built with `lib`."""
    return [{"img": lib.tensor(np.full((2, 3), i, dtype=np.float32)),
             "label": i, "weight": 0.5 * i, "flag": i % 2 == 0, "name": f"s{i}", "raw": b"ab",
             "arr": np.arange(3, dtype=np.int16) + i, "scalar": np.float32(i) / 2, "np_int": np.int64(i),
             "np_bool": np.bool_(i), "pair": (i, lib.tensor([i, i + 1])), "point": Point(i, float(i)),
             "list": [i, [i * 2.0]], "ordered": OrderedDict(b=i, a=np.float64(i))}
            for i in range(3)]


def test_nested_batch_matches_torch():
    ours = fud.default_collate(samples(flambeau))
    theirs = tud.default_collate(samples(torch))
    assert structure(ours) == structure(theirs)
    assert isinstance(ours["point"], Point) and isinstance(ours["ordered"], OrderedDict)


@pytest.mark.parametrize("batch", [[1, 2, 3], [1.5, 2.0], [True, False], [np.uint8(3), np.uint8(4)],
                                   [np.zeros((2, 2), np.float16), np.ones((2, 2), np.float16)],
                                   ["a", "b"], [(1, 2.0), (3, 4.0)], [[1, 2], [3, 4]]])
def test_simple_batches_match_torch(batch):
    assert structure(fud.default_collate(batch)) == structure(tud.default_collate(batch))


def test_tensor_batch_is_stacked():
    rows = [np.arange(4, dtype=np.int32) * i for i in range(3)]
    ours = fud.default_collate([flambeau.tensor(r) for r in rows])
    theirs = tud.default_collate([torch.tensor(r) for r in rows])
    assert structure(ours) == structure(theirs)


@pytest.mark.parametrize("make", [
    lambda lib: [lib.zeros(3), lib.zeros(4)],                    # tensors of different sizes
    lambda lib: [[1, 2], [1, 2, 3]],                             # sequences of different lengths
    lambda lib: [np.array(["a"]), np.array(["b"])],              # string arrays
    lambda lib: [object(), object()],                            # unsupported type
    lambda lib: [np.zeros(2), np.zeros(3)],                      # arrays of different sizes
])
def test_bad_batches_raise_like_torch(make):
    with pytest.raises(Exception) as expected:
        tud.default_collate(make(torch))
    with pytest.raises(expected.type):
        fud.default_collate(make(flambeau))


def test_default_convert_matches_torch():
    def data():
        return {"a": np.arange(3), "b": (np.float32(1.5), "s"), "c": [np.ones(2, np.uint8)], "d": Point(np.int8(1), 2),
                "e": np.array(["x"]), "f": 7}
    ours, theirs = fud.default_convert(data()), tud.default_convert(data())
    assert structure(ours) == structure(theirs)
    assert isinstance(ours["e"], np.ndarray)  # non-numeric arrays pass through


def test_collate_fn_map_extends_collation():
    def collate_sets(batch, *, collate_fn_map=None):
        return sorted(set().union(*batch))
    fn_map = {**fud._collate.default_collate_fn_map, frozenset: collate_sets}
    out = fud._collate.collate([{"s": frozenset({2, 1})}, {"s": frozenset({3})}], collate_fn_map=fn_map)
    assert out == {"s": [1, 2, 3]}

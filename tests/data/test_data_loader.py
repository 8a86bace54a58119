"""DataLoader in the main process against torch's: batches, lengths, drop_last, auto-collation off,
batch samplers, iterable datasets and PyTorch's argument-validation errors."""
import numpy as np
import pytest
import torch
import torch.utils.data as tud

import flambeau
import flambeau.utils.data as fud

X = np.arange(30, dtype=np.float32).reshape(10, 3)


def tensor_dataset(lib, mod):
    return mod.TensorDataset(lib.tensor(X), lib.arange(10))


class RangeMixin:
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class Range(RangeMixin, fud.IterableDataset):
    pass


class TorchRange(RangeMixin, tud.IterableDataset):
    pass


def plain(b):
    """A batch as nested Python lists, tensors marked with their dtype (ints that default_convert leaves
    alone stay bare)."""
    if isinstance(b, (list, tuple)):
        return [plain(t) for t in b]
    return (str(b.dtype), b.tolist()) if isinstance(b, (torch.Tensor, flambeau.Tensor)) else b


def batches(loader):
    return [plain(b) for b in loader]


@pytest.mark.parametrize("kwargs", [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                    dict(batch_size=None), dict(batch_size=4, sampler=[9, 0, 4, 4, 1]),
                                    dict(batch_sampler=[[3, 1], [0], [9, 8, 7]])])
def test_map_dataset_batches_match_torch(kwargs):
    ours = fud.DataLoader(tensor_dataset(flambeau, fud), **kwargs)
    theirs = tud.DataLoader(tensor_dataset(torch, tud), **kwargs)
    assert batches(ours) == batches(theirs)
    assert len(ours) == len(theirs)


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
                                    dict(batch_size=5)])
def test_iterable_dataset_batches_and_len_match_torch(kwargs):
    ours, theirs = fud.DataLoader(Range(11), **kwargs), tud.DataLoader(TorchRange(11), **kwargs)
    assert batches(ours) == batches(theirs)
    assert len(ours) == len(theirs)


def test_iterable_dataset_longer_than_its_len_warns():
    class Liar(Range):
        def __len__(self):
            return 2
    loader = fud.DataLoader(Liar(5), batch_size=None)
    assert len(loader) == 2
    with pytest.warns(UserWarning, match="was reported to be 2"):
        assert list(loader) == [0, 1, 2, 3, 4]


def test_custom_collate_fn_and_dict_samples():
    class Dicts(fud.Dataset):
        def __getitem__(self, i):
            return {"x": np.full(2, i), "y": i}

        def __len__(self):
            return 5
    out = list(fud.DataLoader(Dicts(), batch_size=2))
    assert [b["y"].tolist() for b in out] == [[0, 1], [2, 3], [4]]
    assert out[0]["x"].dtype == flambeau.int64
    assert list(fud.DataLoader(Dicts(), batch_size=2, collate_fn=len)) == [2, 2, 1]


def test_shuffle_reproducible_under_manual_seed_and_generator():
    ds = tensor_dataset(flambeau, fud)
    flambeau.manual_seed(0)
    first = batches(fud.DataLoader(ds, batch_size=4, shuffle=True))
    flambeau.manual_seed(0)
    assert batches(fud.DataLoader(ds, batch_size=4, shuffle=True)) == first
    assert sorted(sum((b[1][1] for b in first), [])) == list(range(10))
    g1, g2 = flambeau.Generator().manual_seed(7), flambeau.Generator().manual_seed(7)
    assert batches(fud.DataLoader(ds, shuffle=True, generator=g1)) == batches(fud.DataLoader(ds, shuffle=True,
                                                                                              generator=g2))


def test_reachable_from_the_top_level_package():
    assert flambeau.utils.data.DataLoader is fud.DataLoader
    assert fud.get_worker_info() is None  # in the main process


def test_setting_frozen_attributes_raises_like_torch():
    loader = fud.DataLoader(tensor_dataset(flambeau, fud))
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        loader.batch_size = 3
    loader.num_workers = 0  # others stay settable


@pytest.mark.parametrize("context", ["nonsense", 3, "spawn"])
def test_multiprocessing_context_set_later_is_checked_like_torch(context):
    theirs = tud.DataLoader(tensor_dataset(torch, tud), num_workers=1)
    ours = fud.DataLoader(tensor_dataset(flambeau, fud), num_workers=1)
    try:
        theirs.multiprocessing_context = context
    except Exception as e:
        with pytest.raises(type(e)):
            ours.multiprocessing_context = context
    else:
        ours.multiprocessing_context = context
        assert ours.multiprocessing_context.get_start_method() == theirs.multiprocessing_context.get_start_method()


BAD = [dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(num_workers=1, prefetch_factor=-1),
       dict(persistent_workers=True), dict(shuffle=True, sampler=[0, 1]), dict(batch_sampler=[[0]], batch_size=2),
       dict(batch_sampler=[[0]], shuffle=True), dict(batch_sampler=[[0]], sampler=[0]),
       dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
       dict(multiprocessing_context="fork"), dict(num_workers=1, multiprocessing_context="nonsense"),
       dict(num_workers=1, multiprocessing_context=3)]


@pytest.mark.parametrize("kwargs", BAD)
def test_bad_arguments_raise_like_torch(kwargs):
    with pytest.raises(Exception) as expected:
        tud.DataLoader(tensor_dataset(torch, tud), **kwargs)
    with pytest.raises(expected.type):
        fud.DataLoader(tensor_dataset(flambeau, fud), **kwargs)


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_dataset_refuses_samplers_like_torch(kwargs):
    with pytest.raises(ValueError, match="IterableDataset"):
        tud.DataLoader(TorchRange(3), **kwargs)
    with pytest.raises(ValueError, match="IterableDataset"):
        fud.DataLoader(Range(3), **kwargs)


def test_pin_memory_is_accepted():
    with pytest.warns(UserWarning, match="pin_memory"):
        out = batches(fud.DataLoader(tensor_dataset(flambeau, fud), batch_size=5, pin_memory=True))
    assert out == batches(tud.DataLoader(tensor_dataset(torch, tud), batch_size=5))

"""Dataset classes and random_split against torch.utils.data: same samples, lengths and errors."""
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import flambeau
import flambeau.utils.data as fud


class Squares(fud.Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __len__(self):
        return self.n


class Counter(fud.IterableDataset):
    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        return iter(range(self.start, self.stop))

    def __len__(self):
        return self.stop - self.start


def test_tensor_dataset():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    ours = fud.TensorDataset(flambeau.tensor(x), flambeau.arange(6))
    theirs = tud.TensorDataset(torch.tensor(x), torch.arange(6))
    assert len(ours) == len(theirs) == 6
    for i in (0, 5, -1):
        assert [t.tolist() for t in ours[i]] == [t.tolist() for t in theirs[i]]
    with pytest.raises(AssertionError):
        fud.TensorDataset(flambeau.zeros(3), flambeau.zeros(4))


def test_concat_dataset_indexing_matches_torch():
    ours = fud.ConcatDataset([Squares(3), Squares(0), Squares(4)]) + Squares(2)
    theirs = tud.ConcatDataset([Squares(3), Squares(0), Squares(4)]) + Squares(2)
    assert len(ours) == len(theirs) == 9 and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-9, 9)] == [theirs[i] for i in range(-9, 9)]
    with pytest.raises(ValueError):
        ours[-10]
    with pytest.raises(AssertionError):
        fud.ConcatDataset([])
    with pytest.raises(AssertionError):
        fud.ConcatDataset([Counter(0, 2)])


def test_chain_dataset_and_iterable_add():
    chained = Counter(0, 3) + Counter(10, 12)
    assert isinstance(chained, fud.ChainDataset)
    assert list(chained) == [0, 1, 2, 10, 11] and len(chained) == 5
    with pytest.raises(AssertionError):
        list(fud.ChainDataset([Squares(2)]))


def test_subset_and_its_batch_fetch():
    sub = fud.Subset(Squares(10), [9, 2, 4])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [81, 4, 16]
    assert sub.__getitems__([2, 0]) == [16, 81]

    class Overriding(fud.Subset):
        def __getitem__(self, idx):
            return 0
    with pytest.raises(NotImplementedError):
        Overriding(Squares(3), [0])


def test_stack_dataset_matches_torch():
    named = {"a": Squares(3), "b": fud.Subset(Squares(5), [4, 3, 2])}
    for args, kwargs in [((Squares(4), Squares(4)), {}), ((), named)]:
        ours, theirs = fud.StackDataset(*args, **kwargs), tud.StackDataset(*args, **kwargs)
        assert len(ours) == len(theirs)
        assert [ours[i] for i in range(len(ours))] == [theirs[i] for i in range(len(theirs))]
        assert ours.__getitems__([2, 0]) == theirs.__getitems__([2, 0])
    for args, kwargs in [((), {}), ((Squares(2),), {"a": Squares(2)}), ((Squares(2), Squares(3)), {})]:
        with pytest.raises(ValueError):
            fud.StackDataset(*args, **kwargs)


@pytest.mark.parametrize("n,lengths", [(10, [3, 7]), (10, [0.3, 0.7]), (11, [0.25, 0.25, 0.5]), (7, [0.5, 0.5]),
                                       (5, [1.0, 0.0]), (3, [0.1, 0.1, 0.8])])
def test_random_split_sizes_match_torch(n, lengths):
    with warnings.catch_warnings(record=True) as caught_theirs:
        warnings.simplefilter("always")
        theirs = tud.random_split(range(n), lengths)
    with warnings.catch_warnings(record=True) as caught_ours:
        warnings.simplefilter("always")
        ours = fud.random_split(range(n), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert len(caught_ours) == len(caught_theirs)  # the warning for empty splits
    assert sorted(i for s in ours for i in s.indices) == list(range(n))


def test_random_split_is_reproducible_with_a_generator():
    def split(seed):
        g = flambeau.Generator().manual_seed(seed)
        return [s.indices for s in fud.random_split(range(20), [5, 15], generator=g)]
    assert split(4) == split(4) and split(4) != split(5)


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.6], [1.2, -0.2]])
def test_random_split_bad_lengths_raise_like_torch(lengths):
    with pytest.raises(Exception) as expected:
        tud.random_split(range(10), lengths)
    with pytest.raises(expected.type):
        fud.random_split(range(10), lengths)


def test_base_dataset_requires_getitem():
    with pytest.raises(NotImplementedError):
        fud.Dataset()[0]

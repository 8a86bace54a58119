"""Samplers: the deterministic ones against torch's, the random ones by their properties
(permutation, reproducibility under manual_seed / generator, distribution, errors as torch)."""
import collections

import pytest
import torch.utils.data as tud

import flambeau
import flambeau.utils.data as fud


def test_sequential_sampler_matches_torch():
    assert list(fud.SequentialSampler(range(7))) == list(tud.SequentialSampler(range(7)))
    assert len(fud.SequentialSampler(range(7))) == 7


@pytest.mark.parametrize("n,batch_size,drop_last", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False),
                                                    (2, 5, True), (0, 2, False)])
def test_batch_sampler_matches_torch(n, batch_size, drop_last):
    ours = fud.BatchSampler(fud.SequentialSampler(range(n)), batch_size, drop_last)
    theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


@pytest.mark.parametrize("args", [(0, False), (-1, False), (True, False), (2.0, False), (2, None), (2, 1)])
def test_batch_sampler_bad_arguments_raise_like_torch(args):
    with pytest.raises(Exception) as expected:
        tud.BatchSampler(range(4), *args)
    with pytest.raises(expected.type):
        fud.BatchSampler(range(4), *args)


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (2, 4, False),
                                                  (11, 4, True), (1, 3, False)])
def test_distributed_sampler_without_shuffle_matches_torch(n, replicas, drop_last):
    for rank in range(replicas):
        ours = fud.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = tud.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


def test_distributed_sampler_shuffle_shares_one_permutation_per_epoch():
    n, replicas = 12, 3
    samplers = [fud.DistributedSampler(range(n), replicas, r, seed=5) for r in range(replicas)]
    epoch0 = [list(s) for s in samplers]
    assert sorted(sum(epoch0, [])) == list(range(n))  # the ranks split one permutation
    assert [list(s) for s in samplers] == epoch0  # same epoch, same order
    for s in samplers:
        s.set_epoch(1)
    epoch1 = [list(s) for s in samplers]
    assert sorted(sum(epoch1, [])) == list(range(n)) and epoch1 != epoch0


@pytest.mark.parametrize("rank", [-1, 3])
def test_distributed_sampler_bad_rank_raises_like_torch(rank):
    with pytest.raises(ValueError, match="Invalid rank"):
        tud.DistributedSampler(range(4), 3, rank)
    with pytest.raises(ValueError, match="Invalid rank"):
        fud.DistributedSampler(range(4), 3, rank)


def test_random_sampler_is_a_permutation_reproducible_under_manual_seed():
    sampler = fud.RandomSampler(range(50))
    flambeau.manual_seed(3)
    first = list(sampler)
    second = list(sampler)
    flambeau.manual_seed(3)
    assert list(sampler) == first  # manual_seed fixes the shuffle
    assert sorted(first) == list(range(50)) and first != second != list(range(50))


def test_random_sampler_generator_and_num_samples():
    g = flambeau.Generator().manual_seed(1)
    a = list(fud.RandomSampler(range(5), num_samples=12, generator=g))
    b = list(fud.RandomSampler(range(5), num_samples=12, generator=flambeau.Generator().manual_seed(1)))
    assert a == b and len(a) == 12
    assert sorted(a[:10]) == sorted(list(range(5)) * 2)  # whole permutations first
    with_replacement = fud.RandomSampler(range(4), replacement=True, num_samples=70)
    drawn = list(with_replacement)
    assert len(drawn) == len(with_replacement) == 70 and set(drawn) <= set(range(4))


@pytest.mark.parametrize("kwargs", [dict(replacement=1), dict(num_samples=0), dict(num_samples=2.0)])
def test_random_sampler_bad_arguments_raise_like_torch(kwargs):
    with pytest.raises(Exception) as expected:
        tud.RandomSampler(range(4), **kwargs)
    with pytest.raises(expected.type):
        fud.RandomSampler(range(4), **kwargs)


def test_subset_random_sampler_permutes_its_indices():
    indices = [10, 3, 7, 8]
    g = flambeau.Generator().manual_seed(0)
    drawn = list(fud.SubsetRandomSampler(indices, generator=g))
    assert sorted(drawn) == sorted(indices) and len(fud.SubsetRandomSampler(indices)) == 4


def test_weighted_random_sampler_follows_the_weights():
    weights = [0.0, 1.0, 3.0]
    g = flambeau.Generator().manual_seed(0)
    counts = collections.Counter(fud.WeightedRandomSampler(weights, 4000, generator=g))
    assert counts[0] == 0 and 2.6 < counts[2] / counts[1] < 3.4
    without = list(fud.WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert sorted(without) == [0, 1, 2, 3]


@pytest.mark.parametrize("args", [([1.0, 2.0], 0), ([1.0, 2.0], True), ([1.0, 2.0], 2, 1), ([[1.0], [2.0]], 2)])
def test_weighted_random_sampler_bad_arguments_raise_like_torch(args):
    with pytest.raises(Exception) as expected:
        tud.WeightedRandomSampler(*args)
    with pytest.raises(expected.type):
        fud.WeightedRandomSampler(*args)

"""Batching text with flambeau.utils.data: map-style datasets, length buckets, padding collation."""
import pytest

import flambeau
from flambeau.text import BucketBatchSampler, PadCollate, to_map_style_dataset
from flambeau.utils.data import DataLoader, IterableDataset, Sampler


class _Lines(IterableDataset):
    def __iter__(self):
        yield from ("one", "two words", "three words here")


def test_to_map_style_dataset_reads_an_iterable_once():
    data = to_map_style_dataset(_Lines())
    assert len(data) == 3 and data[1] == "two words" and data[-1] == "three words here"
    assert list(to_map_style_dataset(x * x for x in range(4))) == [0, 1, 4, 9]


LENGTHS = [(7 * i) % 23 + 1 for i in range(100)]


def test_bucket_batches_cover_every_index_once_and_group_lengths():
    sampler = BucketBatchSampler(LENGTHS, batch_size=8, bucket_size=4, generator=flambeau.Generator().manual_seed(1))
    assert isinstance(sampler, Sampler)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 13  # 3 pools of 32 (4 batches each), then 4 indices
    assert sorted(i for batch in batches for i in batch) == list(range(100))
    # within a pool of 32 sorted lengths, a batch of 8 spans a few length values; random batches span most of 1..23
    spread = [max(LENGTHS[i] for i in b) - min(LENGTHS[i] for i in b) for b in batches if len(b) == 8]
    assert max(spread) <= 8 and sum(spread) / len(spread) < 6


def test_bucket_sampler_is_reproducible_and_reshuffles_each_epoch():
    def epoch(sampler):
        return list(sampler)
    a = BucketBatchSampler(LENGTHS, 8, 4, generator=flambeau.Generator().manual_seed(3))
    b = BucketBatchSampler(LENGTHS, 8, 4, generator=flambeau.Generator().manual_seed(3))
    first = epoch(a)
    assert first == epoch(b) and epoch(a) != first


def test_bucket_sampler_without_shuffle_and_drop_last():
    sampler = BucketBatchSampler([5, 1, 4, 2, 3], batch_size=2, bucket_size=10, shuffle=False, drop_last=True)
    assert list(sampler) == [[1, 3], [4, 2]] and len(sampler) == 2
    assert list(BucketBatchSampler([5, 1, 4, 2, 3], 2, 10, shuffle=False)) == [[1, 3], [4, 2], [0]]
    with pytest.raises(ValueError, match="batch_size"):
        BucketBatchSampler(LENGTHS, 0)


def test_pad_collate_pads_sequences_and_stacks_the_rest():
    collate = PadCollate(padding_value=-1)
    labels, ids = collate([(0, flambeau.tensor([1, 2, 3])), (2, flambeau.tensor([4]))])
    assert labels.tolist() == [0, 2] and ids.tolist() == [[1, 2, 3], [4, -1, -1]]
    assert PadCollate(batch_first=False)([flambeau.tensor([1, 2]), flambeau.tensor([3])]).tolist() == [[1, 3], [2, 0]]
    with pytest.raises(ValueError, match="empty"):
        collate([])


def test_dataloader_with_bucket_batches_and_padding():
    data = [(i % 3, flambeau.arange(1, n + 1)) for i, n in enumerate(LENGTHS)]
    sampler = BucketBatchSampler(LENGTHS, batch_size=10, bucket_size=5, generator=flambeau.Generator().manual_seed(0))
    loader = DataLoader(data, batch_sampler=sampler, collate_fn=PadCollate(padding_value=0))
    seen = 0
    for labels, ids in loader:
        lengths = (ids != 0).sum(1)
        assert ids.shape == (len(labels), int(lengths.max())) and ids.dtype == flambeau.int64
        seen += len(labels)
    assert seen == 100

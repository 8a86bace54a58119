"""nn.utils.rnn (PackedSequence, pack/pad helpers) against torch.nn.utils.rnn: packed data, batch sizes, index
permutations, round trips and the gradients flowing back through packing and padding."""
import numpy as np
import pytest

import flambeau
from oracle import check, check_raises, randn

T, B, F = 4, 3, 2


def rnn(lib):
    return lib.nn.utils.rnn


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([4, 2, 1], True), ([2, 4, 1], False), ([3, 3, 1], True),
                                                    ([1, 3, 4], False)])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_padded_sequence(batch_first, lengths, enforce_sorted, as_tensor):
    x = randn(B, T, F) if batch_first else randn(T, B, F)

    def fn(lib, x):
        lens = lib.tensor(lengths) if as_tensor else lengths
        return rnn(lib).pack_padded_sequence(x, lens, batch_first=batch_first, enforce_sorted=enforce_sorted)

    check(fn, x)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
@pytest.mark.parametrize("total_length,padding_value", [(None, 0.0), (6, -1.5)])
def test_pad_packed_round_trip(batch_first, enforce_sorted, total_length, padding_value):
    lengths = [4, 2, 1] if enforce_sorted else [2, 4, 1]

    def fn(lib, x):
        packed = rnn(lib).pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
        # rebuilt from its fields with data doubled: what an RNN hands back (a new data tensor, same layout)
        doubled = type(packed)(packed.data * 2, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
        return rnn(lib).pad_packed_sequence(doubled, batch_first=batch_first, padding_value=padding_value,
                                            total_length=total_length)

    check(fn, randn(T, B, F))


@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_unpack_sequence(enforce_sorted):
    lens = (4, 2, 1) if enforce_sorted else (2, 4, 1)
    seqs = [randn(n, F) for n in lens]

    def fn(lib, *xs):
        packed = rnn(lib).pack_sequence(list(xs), enforce_sorted=enforce_sorted)
        return packed, tuple(rnn(lib).unpack_sequence(packed))

    check(fn, *seqs)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_unpad_sequence(batch_first, padding_side):
    seqs = [randn(n, F) for n in (2, 4, 1)]

    def fn(lib, *xs):
        padded = rnn(lib).pad_sequence(list(xs), batch_first=batch_first, padding_value=3.0,
                                       padding_side=padding_side)
        out = (padded.clone(),)
        if padding_side == "right":  # unpad_sequence transposes a time-major input in place, as PyTorch
            out += tuple(rnn(lib).unpad_sequence(padded, lib.tensor([2, 4, 1]), batch_first=batch_first))
            out += (padded,)
        return out

    check(fn, *seqs)


@pytest.mark.parametrize("method", ["double", "float", "half", "long", "int", "short", "char", "byte"])
def test_packed_sequence_casts(method):
    def fn(lib, *xs):
        packed = getattr(rnn(lib).pack_sequence(list(xs), enforce_sorted=False), method)()
        return packed.data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices

    check(fn, *(randn(n, F) * 3 for n in (2, 3)), grad=False)


def test_packed_sequence_methods():
    f_packed = flambeau.nn.utils.rnn.pack_sequence([flambeau.ones(3, 2), flambeau.ones(1, 2)], enforce_sorted=False)
    assert f_packed.double().data.dtype == flambeau.float64
    assert f_packed.float() is f_packed  # already float32: unchanged, as PyTorch
    assert f_packed.to(flambeau.float64).batch_sizes is f_packed.batch_sizes
    assert not f_packed.is_cuda and not f_packed.is_pinned()
    data, batch_sizes, sorted_indices, unsorted_indices = f_packed
    assert batch_sizes.tolist() == [2, 1, 1] and sorted_indices.tolist() == [0, 1]
    rebuilt = flambeau.nn.utils.rnn.PackedSequence(data, batch_sizes, flambeau.tensor([1, 0]))
    assert rebuilt.unsorted_indices.tolist() == [1, 0]
    assert flambeau.nn.utils.rnn.PackedSequence((data, batch_sizes)).sorted_indices is None


@pytest.mark.parametrize("case", ["unsorted", "zero_length", "wrong_count", "2d_lengths"])
def test_pack_errors(case):
    lengths = {"unsorted": [2, 4, 1], "zero_length": [4, 2, 0], "wrong_count": [4, 2],
               "2d_lengths": [[4, 2, 1]]}[case]
    check_raises(lambda lib, x: rnn(lib).pack_padded_sequence(x, lib.tensor(lengths)), randn(T, B, F))


def test_pad_packed_total_length_too_short():
    check_raises(lambda lib, x: rnn(lib).pad_packed_sequence(rnn(lib).pack_padded_sequence(x, [4, 2, 1]),
                                                             total_length=2), randn(T, B, F))


def test_pad_sequence_errors():
    check_raises(lambda lib: rnn(lib).pad_sequence([], batch_first=True))
    check_raises(lambda lib, x: rnn(lib).pad_sequence([x], padding_side="middle"), randn(2, F))
    assert np.array_equal(flambeau.nn.utils.rnn.pad_sequence([flambeau.ones(2)]).numpy(), np.ones((2, 1)))

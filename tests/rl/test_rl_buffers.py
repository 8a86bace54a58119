"""ReplayBuffer and PrioritizedReplayBuffer: storage, wrap-around, sampling distributions, weights."""
import math

import numpy as np
import pytest
from scipy.stats import chisquare

import flambeau
from flambeau.rl import MinTree, PrioritizedReplayBuffer, ReplayBuffer, SumTree


def _filled(buffer, count):
    """Transition i has obs = [i, i, i] (float32), action = i (int64), done = i odd."""
    for i in range(count):
        buffer.add({"obs": np.full(3, i, dtype=np.float32), "action": i, "done": bool(i % 2)})
    return buffer


def _counts(indices, size):
    return np.bincount(np.asarray(indices), minlength=size)


# ---------------------------------------------------------------- segment trees

def test_sum_tree_finds_the_slot_whose_prefix_sum_covers_each_mass():
    tree = SumTree(5)  # not a power of two: three padding leaves
    tree[np.arange(4)] = [1.0, 2.0, 3.0, 4.0]
    assert tree.total() == 10.0
    masses = np.array([0.0, 0.99, 1.0, 2.5, 3.0, 5.999, 6.0, 9.99])
    np.testing.assert_array_equal(tree.find(masses), [0, 0, 1, 1, 2, 2, 3, 3])
    tree[1] = 0.0  # a zero leaf is never found
    assert tree.total() == 8.0
    np.testing.assert_array_equal(tree.find(np.array([0.5, 1.0, 3.9, 4.0])), [0, 2, 2, 3])


def test_min_tree_tracks_the_minimum_and_ignores_empty_slots():
    tree = MinTree(6)
    assert tree.min() == math.inf
    tree[[0, 1, 2]] = [3.0, 0.5, 2.0]
    assert tree.min() == 0.5
    tree[1] = 4.0
    assert tree.min() == 2.0
    tree[[5, 5]] = [7.0, 1.5]  # repeated slots: the last value stays, as in NumPy assignment
    assert tree.min() == 1.5 and tree[5][0] == 1.5


def test_trees_of_capacity_one_and_bad_slots():
    tree = SumTree(1)
    tree[0] = 2.0
    assert tree.total() == 2.0 and tree.find(np.array([0.0, 1.9]))[1] == 0
    with pytest.raises(IndexError):
        tree[1] = 1.0
    with pytest.raises(ValueError):
        SumTree(0)


# ---------------------------------------------------------------- ReplayBuffer

def test_dict_transitions_come_back_as_batched_tensors_with_their_dtypes():
    buffer = _filled(ReplayBuffer(10), 6)
    assert len(buffer) == 6
    batch = buffer.sample(32)
    assert set(batch) == {"obs", "action", "done"}
    assert batch["obs"].shape == (32, 3) and batch["obs"].dtype == flambeau.float32
    assert batch["action"].shape == (32,) and batch["action"].dtype == flambeau.int64
    assert batch["done"].dtype == flambeau.bool
    # the fields of one sampled row belong to one transition
    actions = batch["action"].numpy()
    np.testing.assert_array_equal(batch["obs"].numpy(), np.repeat(actions[:, None], 3, axis=1))
    np.testing.assert_array_equal(batch["done"].numpy(), actions % 2 == 1)


def test_single_tensor_transitions():
    buffer = ReplayBuffer(4)
    buffer.extend(flambeau.arange(6.0).reshape(3, 2))
    buffer.add(flambeau.tensor([10.0, 11.0]))
    sample = buffer.sample(5)
    assert isinstance(sample, flambeau.Tensor) and sample.shape == (5, 2)
    np.testing.assert_array_equal(buffer[np.arange(4)].numpy(), [[0, 1], [2, 3], [4, 5], [10, 11]])


def test_circular_storage_overwrites_the_oldest_transitions():
    buffer = ReplayBuffer(5)
    slots = [int(buffer.add({"x": float(i)})[0]) for i in range(8)]
    assert slots == [0, 1, 2, 3, 4, 0, 1, 2]
    assert len(buffer) == 5
    np.testing.assert_array_equal(buffer[np.arange(5)]["x"].numpy(), [5, 6, 7, 3, 4])
    assert set(buffer.sample(200)["x"].numpy().tolist()) == {3.0, 4.0, 5.0, 6.0, 7.0}


def test_extend_wraps_and_keeps_only_the_last_capacity_transitions_of_a_long_batch():
    buffer = ReplayBuffer(4)
    np.testing.assert_array_equal(buffer.extend({"x": np.arange(3)}), [0, 1, 2])
    np.testing.assert_array_equal(buffer.extend({"x": np.arange(3, 5)}), [3, 0])
    np.testing.assert_array_equal(buffer[np.arange(4)]["x"].numpy(), [4, 1, 2, 3])
    # 10 more from slot 1: 5..9 and 10..14 are overwritten, 11..14 stay in slots 3, 0, 1, 2
    np.testing.assert_array_equal(buffer.extend({"x": np.arange(5, 15)}), [3, 0, 1, 2])
    np.testing.assert_array_equal(buffer[np.arange(4)]["x"].numpy(), [12, 13, 14, 11])
    assert len(buffer) == 4


def test_uniform_sampling_passes_a_chi_square_test():
    flambeau.manual_seed(0)
    buffer = ReplayBuffer(16)
    buffer.extend({"i": np.arange(10)})
    draws = 20_000
    counts = _counts(buffer.sample(draws)["i"].numpy(), 10)
    assert chisquare(counts, np.full(10, draws / 10)).pvalue > 1e-3
    # the test can fail: the same counts are far from a skewed distribution
    skewed = np.arange(1, 11) / np.arange(1, 11).sum() * draws
    assert chisquare(counts, skewed).pvalue < 1e-6


def test_sampling_is_reproducible_under_a_seed_or_a_generator():
    buffer = _filled(ReplayBuffer(10), 10)
    flambeau.manual_seed(3)
    first = buffer.sample(50)["action"]
    flambeau.manual_seed(3)
    assert flambeau.equal(buffer.sample(50)["action"], first)
    seeded = _filled(ReplayBuffer(10, generator=flambeau.Generator().manual_seed(7)), 10)
    again = _filled(ReplayBuffer(10, generator=flambeau.Generator().manual_seed(7)), 10)
    assert flambeau.equal(seeded.sample(50)["action"], again.sample(50)["action"])


def test_samples_are_copies_of_the_storage():
    buffer = ReplayBuffer(3)
    buffer.add({"x": np.zeros(2, dtype=np.float32)})
    batch = buffer.sample(1)
    batch["x"].add_(5.0)
    assert buffer.sample(1)["x"].sum().item() == 0.0


def test_state_dict_round_trip_restores_contents_and_write_position():
    buffer = _filled(ReplayBuffer(4), 6)
    state = buffer.state_dict()
    restored = ReplayBuffer(4)
    restored.load_state_dict(state)
    assert len(restored) == 4
    for key in ("obs", "action", "done"):
        assert flambeau.equal(restored[np.arange(4)][key], buffer[np.arange(4)][key])
    buffer.add({"obs": np.zeros(3, dtype=np.float32), "action": 99, "done": True})
    assert state["fields"]["action"][2] == 2  # the saved state does not alias the buffer
    restored.add({"obs": np.zeros(3, dtype=np.float32), "action": 99, "done": True})
    assert flambeau.equal(restored[np.arange(4)]["action"], buffer[np.arange(4)]["action"])
    with pytest.raises(ValueError):
        ReplayBuffer(5).load_state_dict(state)


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError):
        ReplayBuffer(0)
    buffer = ReplayBuffer(4)
    with pytest.raises(RuntimeError, match="empty"):
        buffer.sample(1)
    buffer.add({"obs": np.zeros(3, dtype=np.float32), "action": 1})
    with pytest.raises(KeyError):
        buffer.add({"obs": np.zeros(3, dtype=np.float32)})
    with pytest.raises(ValueError, match="shape"):
        buffer.add({"obs": np.zeros(4, dtype=np.float32), "action": 1})
    with pytest.raises(TypeError):
        buffer.add({"obs": np.zeros(3, dtype=np.float32), "action": 1.5})
    with pytest.raises(ValueError):
        buffer.extend({"obs": np.zeros((2, 3), dtype=np.float32), "action": np.zeros(3, dtype=np.int64)})
    with pytest.raises(ValueError):
        buffer.sample(0)
    with pytest.raises(IndexError):
        buffer[np.array([1])]


# ---------------------------------------------------------------- PrioritizedReplayBuffer

def test_prioritised_sampling_follows_priority_to_the_alpha_by_chi_square():
    flambeau.manual_seed(0)
    alpha = 0.6
    buffer = PrioritizedReplayBuffer(8, alpha=alpha, beta=0.4, eps=0.0)
    buffer.extend({"i": np.arange(6)})
    priorities = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 0.5])
    buffer.update_priorities(np.arange(6), priorities)
    draws = 30_000
    sample = buffer.sample(draws)
    np.testing.assert_array_equal(sample.batch["i"].numpy(), sample.indices)
    counts = _counts(sample.indices, 6)
    expected = priorities ** alpha / (priorities ** alpha).sum() * draws
    assert chisquare(counts, expected).pvalue > 1e-3
    # the test can fail: these counts reject both plain proportionality and uniform sampling
    assert chisquare(counts, priorities / priorities.sum() * draws).pvalue < 1e-6
    assert chisquare(counts, np.full(6, draws / 6)).pvalue < 1e-6


def test_importance_weights_match_hand_computed_values():
    buffer = PrioritizedReplayBuffer(4, alpha=0.5, beta=0.5, eps=0.0)
    buffer.extend({"i": np.arange(3)})
    buffer.update_priorities([0, 1, 2], [1.0, 4.0, 9.0])
    # p^alpha = 1, 2, 3 of 6: P = 1/6, 2/6, 3/6; N P = 0.5, 1, 1.5; (N P)^-0.5 = sqrt(2), 1, sqrt(2/3);
    # divided by the largest, sqrt(2): 1, sqrt(1/2), sqrt(1/3)
    expected = np.array([1.0, math.sqrt(0.5), math.sqrt(1 / 3)])
    sample = buffer.sample(200)
    assert set(sample.indices.tolist()) == {0, 1, 2}
    assert sample.weights.dtype == flambeau.float32 and sample.weights.shape == (200,)
    np.testing.assert_allclose(sample.weights.numpy(), expected[sample.indices], rtol=1e-6)
    # beta passed to sample overrides the buffer's: beta = 1 gives (N P)^-1 / 2 = 1, 1/2, 1/3
    sample = buffer.sample(200, beta=1.0)
    np.testing.assert_allclose(sample.weights.numpy(), np.array([1.0, 0.5, 1 / 3])[sample.indices], rtol=1e-6)
    # beta = 0: no correction
    np.testing.assert_array_equal(buffer.sample(20, beta=0.0).weights.numpy(), np.ones(20, dtype=np.float32))


def test_new_transitions_get_the_largest_priority_seen():
    buffer = PrioritizedReplayBuffer(4, alpha=0.5, beta=1.0, eps=0.01)
    buffer.extend({"i": np.arange(2)})
    np.testing.assert_allclose(buffer.priorities([0, 1]), [1.01 ** 0.5] * 2)  # the initial largest priority is 1
    buffer.update_priorities([0, 1], [3.0, 0.2])
    np.testing.assert_allclose(buffer.priorities([0, 1]), [3.01 ** 0.5, 0.21 ** 0.5])
    buffer.add({"i": 2})
    np.testing.assert_allclose(buffer.priorities([2]), [3.01 ** 0.5])
    buffer.update_priorities([0], [0.0])  # a lower priority leaves the largest seen as it was
    buffer.add({"i": 3})
    np.testing.assert_allclose(buffer.priorities([0, 3]), [0.01 ** 0.5, 3.01 ** 0.5])


def test_priority_updates_move_the_sampling_distribution():
    flambeau.manual_seed(1)
    buffer = PrioritizedReplayBuffer(4, alpha=1.0, beta=0.4)
    buffer.extend({"i": np.arange(4)})
    buffer.update_priorities([0, 1, 2, 3], [1e-6, 1e-6, 1e-6, 1.0])
    assert np.mean(buffer.sample(2000).indices == 3) > 0.99
    buffer.update_priorities([3, 0], [1e-6, 1.0])  # repeated updates replace, not add
    assert np.mean(buffer.sample(2000).indices == 0) > 0.99


def test_prioritised_wrap_around_resets_the_overwritten_priority_and_never_samples_empty_slots():
    flambeau.manual_seed(2)
    buffer = PrioritizedReplayBuffer(7, alpha=1.0, beta=0.4)
    buffer.extend({"i": np.arange(5)})
    assert buffer.sample(5000).indices.max() == 4  # two empty slots of seven (and padding leaves) stay out
    buffer.update_priorities(np.arange(5), [0.5, 0.5, 0.5, 0.5, 6.0])
    buffer.extend({"i": np.arange(5, 10)})  # slots 5, 6, 0, 1, 2
    np.testing.assert_allclose(buffer.priorities(np.arange(7)), [6.0] * 3 + [0.5, 6.0, 6.0, 6.0], rtol=1e-6)
    assert len(buffer) == 7
    np.testing.assert_array_equal(buffer[np.arange(7)]["i"].numpy(), [7, 8, 9, 3, 4, 5, 6])


def test_prioritised_state_dict_round_trip_restores_priorities():
    buffer = PrioritizedReplayBuffer(4, alpha=0.7, beta=0.5)
    buffer.extend({"i": np.arange(4)})
    buffer.update_priorities([0, 1, 2, 3], [0.1, 2.0, 5.0, 1.0])
    restored = PrioritizedReplayBuffer(4, alpha=0.7, beta=0.5)
    restored.load_state_dict(buffer.state_dict())
    np.testing.assert_array_equal(restored.priorities(np.arange(4)), buffer.priorities(np.arange(4)))
    flambeau.manual_seed(4)
    first = buffer.sample(30)
    flambeau.manual_seed(4)
    again = restored.sample(30)
    np.testing.assert_array_equal(again.indices, first.indices)
    assert flambeau.equal(again.weights, first.weights)
    restored.add({"i": 4})  # the largest priority seen (5) came along
    np.testing.assert_allclose(restored.priorities([0]), [(5.0 + 1e-8) ** 0.7])


def test_update_priorities_rejects_bad_input():
    buffer = PrioritizedReplayBuffer(4, alpha=0.6, beta=0.4, eps=0.0)
    buffer.extend({"i": np.arange(3)})
    with pytest.raises(ValueError):
        buffer.update_priorities([0, 1], [1.0])
    with pytest.raises(ValueError):
        buffer.update_priorities([0], [-1.0])
    with pytest.raises(ValueError):
        buffer.update_priorities([0], [float("nan")])
    with pytest.raises(ValueError, match="eps"):
        buffer.update_priorities([0], [0.0])
    with pytest.raises(IndexError):
        buffer.update_priorities([3], [1.0])
    with pytest.raises(ValueError):
        PrioritizedReplayBuffer(4, alpha=-0.1, beta=0.4)
    with pytest.raises(ValueError):
        buffer.sample(4, beta=-1.0)


def test_priorities_accept_tensors_from_a_loss():
    buffer = PrioritizedReplayBuffer(4, alpha=1.0, beta=1.0, eps=0.0)
    buffer.extend({"i": np.arange(4)})
    sample = buffer.sample(3)
    td_errors = flambeau.tensor([0.5, 0.25, 2.0], requires_grad=True) * 2
    buffer.update_priorities(flambeau.from_numpy(sample.indices), td_errors.abs())
    np.testing.assert_allclose(buffer.priorities(sample.indices[-1:]), [4.0])

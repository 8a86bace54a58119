"""RolloutCollector on CartPole-v1 vector envs, replayed step by step against single gymnasium envs."""
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import flambeau
from flambeau.rl import Rollout, RolloutCollector

NUM_ENVS, MAX_STEPS, SEED = 3, 15, 5


def _value(obs):
    """A value function the test can recompute from a NumPy observation."""
    return 10 * obs[..., 0] + obs[..., 2]


def _policy(obs):
    dist = flambeau.distributions.Categorical(logits=flambeau.zeros(obs.shape[0], 2))
    actions = dist.sample()
    return actions, dist.log_prob(actions), _value(obs)


def _envs(mode=AutoresetMode.NEXT_STEP):
    return gym.make_vec("CartPole-v1", num_envs=NUM_ENVS, vectorization_mode="sync", max_episode_steps=MAX_STEPS,
                        vector_kwargs={"autoreset_mode": mode})


def _collect(mode, calls=2, num_steps=20, seed=SEED):
    """`calls` consecutive rollouts of one collector, joined along time."""
    flambeau.manual_seed(0)
    collector = RolloutCollector(_envs(mode), _policy, num_steps, seed=seed)
    rollouts = [collector.collect() for _ in range(calls)]
    return Rollout(**{name: flambeau.cat([getattr(r, name) for r in rollouts]) for name in vars(rollouts[0])})


def _column(rollout, name, env):
    return getattr(rollout, name)[:, env].numpy()


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_shapes_and_dtypes(mode):
    rollout = _collect(mode, calls=1)
    for name, dtype in [("obs", flambeau.float32), ("actions", flambeau.int64), ("log_probs", flambeau.float32),
                        ("rewards", flambeau.float32), ("terminated", flambeau.bool), ("truncated", flambeau.bool),
                        ("values", flambeau.float32), ("next_values", flambeau.float32), ("valid", flambeau.bool)]:
        tensor = getattr(rollout, name)
        assert tensor.shape == ((20, NUM_ENVS, 4) if name == "obs" else (20, NUM_ENVS)), name
        assert tensor.dtype == dtype, name
    np.testing.assert_allclose(rollout.log_probs.numpy(), np.log(0.5), rtol=1e-6)


def test_next_step_autoreset_matches_single_envs_step_by_step():
    rollout = _collect(AutoresetMode.NEXT_STEP)
    ends = (rollout.terminated | rollout.truncated).numpy()
    assert rollout.terminated.any() and rollout.truncated.any()  # both kinds of episode end are exercised
    for env_index in range(NUM_ENVS):
        env = gym.make("CartPole-v1", max_episode_steps=MAX_STEPS)
        obs, _ = env.reset(seed=SEED + env_index)  # a vector env seeds sub-env i with seed + i
        valid = _column(rollout, "valid", env_index)
        for t in range(len(valid)):
            np.testing.assert_array_equal(rollout.obs[t, env_index].numpy(), obs)
            if not valid[t]:  # the reset step after an episode's end: no transition
                assert t > 0 and ends[t - 1, env_index]
                assert rollout.rewards[t, env_index].item() == 0.0
                assert not ends[t, env_index]
                obs, _ = env.reset()
                continue
            assert t == 0 or not ends[t - 1, env_index]
            obs, reward, terminated, truncated, _ = env.step(int(rollout.actions[t, env_index]))
            assert rollout.rewards[t, env_index].item() == reward
            assert (rollout.terminated[t, env_index].item(), rollout.truncated[t, env_index].item()) == \
                (terminated, truncated)
            # the value of the observation the step led to: the final one when the episode ended
            assert rollout.next_values[t, env_index].item() == pytest.approx(_value(obs), rel=1e-6)


def test_same_step_autoreset_matches_single_envs_and_bootstraps_from_final_observations():
    rollout = _collect(AutoresetMode.SAME_STEP)
    assert rollout.valid.all()
    assert rollout.terminated.any() and rollout.truncated.any()
    ends = (rollout.terminated | rollout.truncated).numpy()
    for env_index in range(NUM_ENVS):
        env = gym.make("CartPole-v1", max_episode_steps=MAX_STEPS)
        obs, _ = env.reset(seed=SEED + env_index)
        for t in range(rollout.obs.shape[0]):
            np.testing.assert_array_equal(rollout.obs[t, env_index].numpy(), obs)
            obs, reward, terminated, truncated, _ = env.step(int(rollout.actions[t, env_index]))
            assert rollout.rewards[t, env_index].item() == reward == 1.0
            assert (rollout.terminated[t, env_index].item(), rollout.truncated[t, env_index].item()) == \
                (terminated, truncated)
            assert rollout.next_values[t, env_index].item() == pytest.approx(_value(obs), rel=1e-6)
            if terminated or truncated:
                obs, _ = env.reset()
        # within episodes the next value is the next step's value
        inside = ~ends[:-1, env_index]
        np.testing.assert_array_equal(rollout.next_values[:-1, env_index].numpy()[inside],
                                      rollout.values[1:, env_index].numpy()[inside])


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_rollouts_are_deterministic_under_seeds(mode):
    first, again = _collect(mode), _collect(mode)
    for name in vars(first):
        assert flambeau.equal(getattr(first, name), getattr(again, name)), name
    other = _collect(mode, seed=SEED + 100)
    assert not flambeau.equal(first.obs, other.obs)


def test_flatten_keeps_the_valid_transitions_with_extra_tensors():
    rollout = _collect(AutoresetMode.NEXT_STEP, calls=1)
    advantages = flambeau.arange(float(rollout.rewards.numel())).reshape(rollout.rewards.shape)
    batch = rollout.flatten(advantages=advantages)
    keep = rollout.valid.numpy().reshape(-1)
    assert 0 < keep.sum() < keep.size
    assert batch["obs"].shape == (keep.sum(), 4) and "valid" not in batch
    np.testing.assert_array_equal(batch["advantages"].numpy(), np.flatnonzero(keep))
    np.testing.assert_array_equal(batch["actions"].numpy(), rollout.actions.numpy().reshape(-1)[keep])
    with pytest.raises(ValueError):
        rollout.flatten(advantages=advantages[:-1])


def test_bad_environments_policies_and_step_counts():
    with pytest.raises(ValueError, match="autoreset"):
        RolloutCollector(_envs(AutoresetMode.DISABLED), _policy, 4)
    with pytest.raises(TypeError):
        RolloutCollector(gym.make("CartPole-v1"), _policy, 4)
    with pytest.raises(ValueError):
        RolloutCollector(_envs(), _policy, 0)
    with pytest.raises(TypeError, match="tuple"):
        RolloutCollector(_envs(), lambda obs: _policy(obs)[0], 4).collect()
    with pytest.raises(ValueError, match="per environment"):
        RolloutCollector(_envs(), lambda obs: (*_policy(obs)[:2], flambeau.zeros(1)), 4).collect()

"""Discounted returns, n-step returns and GAE against episodes worked out by hand."""
import numpy as np
import pytest

import flambeau
from flambeau.rl import compute_gae, discounted_returns, n_step_returns

F, T = False, True

# One environment, five steps: the first episode terminates at step 1, the second is truncated at
# step 3 (its final observation is worth 20), the third is still running when the rollout stops.
REWARDS = [1.0, 2.0, 3.0, 4.0, 5.0]
VALUES = [0.5, 1.0, 1.5, 2.0, 2.5]
NEXT_VALUES = [1.0, 10.0, 2.0, 20.0, 3.0]  # values[t + 1] within an episode; 10 must be ignored
TERMINATED = [F, T, F, F, F]
TRUNCATED = [F, F, F, T, F]


def _tensors(*columns, dtype=flambeau.float32):
    return [flambeau.tensor(c, dtype=dtype) if isinstance(c[0], float) else flambeau.tensor(c) for c in columns]


def test_gae_bootstraps_on_truncation_but_not_on_termination():
    rewards, values, next_values, terminated, truncated = _tensors(REWARDS, VALUES, NEXT_VALUES, TERMINATED, TRUNCATED)
    advantages, returns = compute_gae(rewards, values, next_values, terminated, truncated, gamma=0.5, gae_lambda=0.5)
    # deltas r + 0.5 (1 - terminated) next_value - value:
    #   1 + 0.5 - 0.5 = 1;  2 - 1 = 1;  3 + 1 - 1.5 = 2.5;  4 + 10 - 2 = 12;  5 + 1.5 - 2.5 = 4
    # advantages backwards with gamma * lambda = 0.25, cut after steps 1 and 3:
    #   A4 = 4;  A3 = 12;  A2 = 2.5 + 0.25 * 12 = 5.5;  A1 = 1;  A0 = 1 + 0.25 * 1 = 1.25
    np.testing.assert_allclose(advantages.numpy(), [1.25, 1.0, 5.5, 12.0, 4.0], rtol=1e-6)
    np.testing.assert_allclose(returns.numpy(), [1.75, 2.0, 7.0, 14.0, 6.5], rtol=1e-6)
    # had step 3 terminated instead, its final observation would count for nothing
    terminated_3 = flambeau.tensor([F, T, F, T, F])
    advantages, _ = compute_gae(rewards, values, next_values, terminated_3, flambeau.zeros(5, dtype=flambeau.bool),
                                gamma=0.5, gae_lambda=0.5)
    np.testing.assert_allclose(advantages.numpy(), [1.25, 1.0, 3.0, 2.0, 4.0], rtol=1e-6)


def test_gae_over_a_batch_of_environments_in_float64():
    # column 0 is the episode above; column 1 runs through with gamma * lambda = 0.25
    rewards = flambeau.tensor([REWARDS, [0.0, 0.0, 0.0, 0.0, 4.0]], dtype=flambeau.float64).T
    values = flambeau.tensor([VALUES, [0.0] * 5], dtype=flambeau.float64).T
    next_values = flambeau.tensor([NEXT_VALUES, [0.0] * 5], dtype=flambeau.float64).T
    terminated = flambeau.tensor([TERMINATED, [F] * 5]).T
    truncated = flambeau.tensor([TRUNCATED, [F] * 5]).T
    advantages, returns = compute_gae(rewards, values, next_values, terminated, truncated, gamma=0.5, gae_lambda=0.5)
    assert advantages.dtype == flambeau.float64 and advantages.shape == (5, 2)
    np.testing.assert_allclose(advantages[:, 0].numpy(), [1.25, 1.0, 5.5, 12.0, 4.0])
    np.testing.assert_allclose(advantages[:, 1].numpy(), [4 * 0.25 ** 4, 4 * 0.25 ** 3, 4 * 0.25 ** 2, 1.0, 4.0])
    np.testing.assert_allclose(returns.numpy(), (advantages + values).numpy())


def test_gae_with_lambda_one_and_zero_values_is_the_discounted_return():
    rewards, terminated = _tensors([1.0, 2.0, 3.0, 4.0], [F, T, F, F])
    zeros = flambeau.zeros(4)
    advantages, _ = compute_gae(rewards, zeros, zeros, terminated, flambeau.zeros(4, dtype=flambeau.bool),
                                gamma=0.9, gae_lambda=1.0)
    np.testing.assert_allclose(advantages.numpy(), discounted_returns(rewards, terminated, gamma=0.9).numpy())


def test_gae_records_no_graph():
    values = flambeau.tensor([0.5, 1.0], requires_grad=True)
    advantages, returns = compute_gae(flambeau.ones(2), values, values * 2, flambeau.tensor([F, F]),
                                      flambeau.tensor([F, F]))
    assert not advantages.requires_grad and not returns.requires_grad


def test_discounted_returns_reset_at_episode_ends():
    rewards, dones = _tensors([1.0, 1.0, 1.0, 2.0, 2.0], [F, T, F, F, T])
    returns = discounted_returns(rewards, dones, gamma=0.9)
    # episode 1: 1 + 0.9 = 1.9, 1; episode 2: 1 + 0.9 * 2 + 0.81 * 2 = 4.42, 2 + 0.9 * 2 = 3.8, 2
    np.testing.assert_allclose(returns.numpy(), [1.9, 1.0, 4.42, 3.8, 2.0], rtol=1e-6)
    # without an end, the rollout's last step ends the sum
    np.testing.assert_allclose(discounted_returns(flambeau.ones(3), flambeau.zeros(3), gamma=0.5).numpy(),
                               [1.75, 1.5, 1.0])


def test_n_step_returns_stop_at_episode_ends_and_bootstrap_on_truncation():
    rewards, next_values, terminated, truncated = _tensors([1.0] * 5, [10.0] * 5, TERMINATED, TRUNCATED)
    returns = n_step_returns(rewards, next_values, terminated, truncated, gamma=0.5, n=2)
    # t=0: 1 + 0.5 (terminated at 1, no bootstrap);   t=1: 1 (terminated)
    # t=2: 1 + 0.5 + 0.25 * 10 (truncated at 3);     t=3: 1 + 0.5 * 10 (truncated)
    # t=4: 1 + 0.5 * 10 (the rollout ends)
    np.testing.assert_allclose(returns.numpy(), [1.5, 1.0, 4.0, 6.0, 6.0], rtol=1e-6)


def test_n_step_returns_full_windows_and_limits():
    rewards = flambeau.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    next_values = flambeau.tensor([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    never = flambeau.zeros(6, dtype=flambeau.bool)
    returns = n_step_returns(rewards, next_values, never, never, gamma=0.5, n=3)
    # t=0: 1 + 0.5 * 2 + 0.25 * 3 + 0.125 * 30; t=3: 4 + 2.5 + 1.5 + 0.125 * 60; t=5: 6 + 0.5 * 60
    np.testing.assert_allclose(returns.numpy()[[0, 3, 5]], [6.5, 15.5, 36.0], rtol=1e-6)
    # n = 1 is the one-step TD target
    terminated = flambeau.tensor([F, F, T, F, F, F])
    np.testing.assert_allclose(n_step_returns(rewards, next_values, terminated, never, gamma=0.5, n=1).numpy(),
                               [6.0, 12.0, 3.0, 24.0, 30.0, 36.0])
    # n beyond the rollout: Monte-Carlo returns to the episode's end, bootstrapped at the rollout's end
    long = n_step_returns(rewards, next_values, terminated, never, gamma=0.5, n=10)
    np.testing.assert_allclose(long.numpy()[[0, 3]], [1 + 1 + 0.75, 4 + 2.5 + 1.5 + 0.125 * 60], rtol=1e-6)


def test_batch_dimensions_are_independent():
    rewards = flambeau.tensor([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])
    next_values = flambeau.full((3, 2), 8.0)
    terminated = flambeau.tensor([[F, T], [F, F], [F, F]])
    returns = n_step_returns(rewards, next_values, terminated, flambeau.zeros(3, 2, dtype=flambeau.bool),
                             gamma=0.5, n=2)
    np.testing.assert_allclose(returns.numpy(), [[3.5, 2.0], [3.5, 5.0], [5.0, 6.0]])


@pytest.mark.parametrize("call", [
    lambda r, b: compute_gae(r, r, r[:3], b, b),
    lambda r, b: compute_gae(r, r, r, b, b, gamma=1.5),
    lambda r, b: compute_gae(r, r, r, b, b, gae_lambda=-0.1),
    lambda r, b: discounted_returns(r[:, None], b),
    lambda r, b: n_step_returns(r, r, b, b, n=0),
    lambda r, b: n_step_returns(flambeau.zeros(0), flambeau.zeros(0), b[:0], b[:0]),
])
def test_bad_shapes_and_coefficients_raise_value_error(call):
    with pytest.raises(ValueError):
        call(flambeau.ones(4), flambeau.zeros(4, dtype=flambeau.bool))


def test_non_tensor_or_integer_rewards_raise_type_error():
    dones = flambeau.zeros(3, dtype=flambeau.bool)
    with pytest.raises(TypeError):
        discounted_returns([1.0, 2.0, 3.0], dones)
    with pytest.raises(TypeError):
        discounted_returns(flambeau.ones(3, dtype=flambeau.int64), dones)

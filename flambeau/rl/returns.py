"""Returns and advantages over time-major rollouts: every input has shape (T, *batch).

Conventions (those of gymnasium 1.x):
- `terminated[t]`: the episode ended at step t in a terminal state, whose value is 0;
- `truncated[t]`: the episode was cut at step t (a time limit); the state it reached still has a
  value, so returns bootstrap from it;
- `next_values[t]`: the value of the observation step t led to, the final observation of the
  episode when step t ended it (before any autoreset).
An episode end of either kind stops returns and advantages from flowing back across it.
These are targets, so they are computed without recording a graph.
"""
from __future__ import annotations

import flambeau
from flambeau import Tensor

from ._common import check_same_shape, check_unit_interval, continues


def discounted_returns(rewards: Tensor, dones: Tensor, gamma: float = 0.99) -> Tensor:
    """Discounted sums of future rewards within each episode: G_t = r_t + gamma * (1 - done_t) * G_{t+1}.

    `dones[t]` marks the last step of an episode (terminated or truncated); the rollout's last step
    is treated as the end of its episode, with nothing after it.
    """
    check_unit_interval("gamma", gamma)
    _check_rollout("discounted_returns", rewards=rewards, dones=dones)
    with flambeau.no_grad():
        return _discounted_cumsum(rewards, gamma * continues(dones, rewards.dtype))


def compute_gae(rewards: Tensor, values: Tensor, next_values: Tensor, terminated: Tensor, truncated: Tensor,
                gamma: float = 0.99, gae_lambda: float = 0.95) -> tuple[Tensor, Tensor]:
    """Generalised advantage estimation (Schulman et al., 2016); returns (advantages, returns).

    delta_t = r_t + gamma * (1 - terminated_t) * next_values_t - values_t
    A_t     = delta_t + gamma * gae_lambda * (1 - done_t) * A_{t+1},   done = terminated | truncated
    and returns = advantages + values, the targets of the value function.
    """
    check_unit_interval("gamma", gamma)
    check_unit_interval("gae_lambda", gae_lambda)
    _check_rollout("compute_gae", rewards=rewards, values=values, next_values=next_values, terminated=terminated,
                   truncated=truncated)
    with flambeau.no_grad():
        bootstrap = gamma * continues(terminated, rewards.dtype) * next_values
        deltas = rewards + bootstrap - values
        ends = terminated.bool() | truncated.bool()
        advantages = _discounted_cumsum(deltas, gamma * gae_lambda * continues(ends, rewards.dtype))
        return advantages, advantages + values


def n_step_returns(rewards: Tensor, next_values: Tensor, terminated: Tensor, truncated: Tensor,
                   gamma: float = 0.99, n: int = 3) -> Tensor:
    """n-step returns: up to n rewards, discounted, then the discounted value of the state reached.

    G_t = r_t + gamma r_{t+1} + ... + gamma^(m-1) r_{t+m-1} + gamma^m (1 - terminated_{t+m-1}) next_values_{t+m-1}
    where m <= n stops early at the end of the episode (terminated or truncated) or of the rollout.
    """
    check_unit_interval("gamma", gamma)
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    _check_rollout("n_step_returns", rewards=rewards, next_values=next_values, terminated=terminated,
                   truncated=truncated)
    steps = rewards.shape[0]
    with flambeau.no_grad():
        terminated = terminated.bool()
        ends = (terminated | truncated.bool()).clone()
        ends[-1] = True  # the rollout's end stops every window that reaches it
        # pad the time axis so that step k of the windows of every start t is one slice [k, k + T)
        rewards_p, values_p, terminated_p, ends_p = (_pad_time(x, n - 1)
                                                     for x in (rewards, next_values, terminated, ends))
        returns = flambeau.zeros_like(rewards)
        running = flambeau.ones_like(rewards, dtype=flambeau.bool)  # windows not yet stopped
        discount = 1.0
        for k in range(n):
            window = slice(k, k + steps)
            returns = returns + flambeau.where(running, discount * rewards_p[window], 0.0)
            stops = running if k == n - 1 else running & ends_p[window]
            bootstraps = stops & ~terminated_p[window]
            returns = returns + flambeau.where(bootstraps, discount * gamma * values_p[window], 0.0)
            running = running & ~stops
            discount *= gamma
        return returns


def _discounted_cumsum(x: Tensor, discounts: Tensor) -> Tensor:
    """y_t = x_t + discounts_t * y_{t+1} along dim 0, with y_T = 0."""
    running = flambeau.zeros_like(x[0])
    out = []
    for t in range(x.shape[0] - 1, -1, -1):
        running = x[t] + discounts[t] * running
        out.append(running)
    return flambeau.stack(out[::-1])


def _pad_time(x: Tensor, length: int) -> Tensor:
    return flambeau.cat([x, x.new_zeros((length, *x.shape[1:]))])


def _check_rollout(where: str, **tensors: Tensor) -> None:
    check_same_shape(where, **tensors)
    rewards = next(iter(tensors.values()))
    if not rewards.is_floating_point():
        raise TypeError(f"{where}: rewards must be a floating-point tensor, got {rewards.dtype}")
    if rewards.dim() == 0 or rewards.shape[0] == 0:
        raise ValueError(f"{where}: expected a non-empty time dimension (dim 0), got shape {tuple(rewards.shape)}")

"""DQN and Double DQN: one-step TD targets and the Huber loss on the chosen actions' Q-values."""
from __future__ import annotations

import flambeau
import flambeau.nn.functional as F
from flambeau import Tensor

from ._common import check_same_shape, continues


def dqn_targets(rewards: Tensor, next_q_values: Tensor, terminated: Tensor, gamma: float | Tensor = 0.99, *,
                next_q_online: Tensor | None = None) -> Tensor:
    """TD targets r + gamma (1 - terminated) Q_target(s', a'), detached.

    `next_q_values` (B, num_actions) are the target network's Q-values at the next states. DQN takes
    a' = argmax Q_target(s'); Double DQN (van Hasselt et al., 2016) passes the online network's
    `next_q_online` to choose a' = argmax Q_online(s') and evaluates it with the target network.
    `gamma` may be a tensor of per-sample discounts (gamma^n for n-step transitions).
    Truncated transitions bootstrap, so only `terminated` appears here.
    """
    check_same_shape("dqn_targets", rewards=rewards, terminated=terminated)
    if next_q_values.dim() != 2 or next_q_values.shape[0] != rewards.shape[0]:
        raise ValueError(f"dqn_targets: next_q_values must have shape (B, num_actions) with B={rewards.shape[0]}, "
                         f"got {tuple(next_q_values.shape)}")
    if next_q_online is not None:
        check_same_shape("dqn_targets", next_q_values=next_q_values, next_q_online=next_q_online)
    with flambeau.no_grad():
        if next_q_online is None:
            next_value = next_q_values.max(dim=1).values
        else:
            next_actions = next_q_online.argmax(dim=1, keepdim=True)
            next_value = next_q_values.gather(1, next_actions).squeeze(1)
        return rewards + gamma * continues(terminated, rewards.dtype) * next_value


def dqn_loss(q_values: Tensor, actions: Tensor, targets: Tensor, *, delta: float = 1.0,
             weights: Tensor | None = None) -> Tensor:
    """Huber loss between Q(s, a) for the actions taken and the TD targets.

    `q_values` has shape (B, num_actions), `actions` and `targets` shape (B,). With `weights` (the
    importance weights of a prioritised buffer) the per-sample losses are weighted before the mean.
    """
    check_same_shape("dqn_loss", actions=actions, targets=targets)
    if q_values.dim() != 2 or q_values.shape[0] != actions.shape[0]:
        raise ValueError(f"dqn_loss: q_values must have shape (B, num_actions) with B={actions.shape[0]}, "
                         f"got {tuple(q_values.shape)}")
    if actions.is_floating_point():
        raise TypeError(f"dqn_loss: actions must be integer indices, got {actions.dtype}")
    chosen = q_values.gather(1, actions.long().unsqueeze(1)).squeeze(1)
    if weights is None:
        return F.huber_loss(chosen, targets.detach(), delta=delta)
    check_same_shape("dqn_loss", targets=targets, weights=weights)
    return (weights * F.huber_loss(chosen, targets.detach(), reduction="none", delta=delta)).mean()

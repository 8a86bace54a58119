"""Soft Actor-Critic (Haarnoja et al., 2018): twin-Q critic, entropy-regularised actor, temperature tuning.

Every tensor holds one value per sample (shape (B,)); `alpha` is the entropy temperature, a float
or a tensor such as log_alpha.exp(), which the critic and actor losses treat as a constant.
"""
from __future__ import annotations

import flambeau
import flambeau.nn.functional as F
from flambeau import Tensor

from ._common import check_same_shape, continues


def sac_targets(rewards: Tensor, next_q1: Tensor, next_q2: Tensor, next_log_probs: Tensor, terminated: Tensor,
                gamma: float = 0.99, alpha: float | Tensor = 0.2) -> Tensor:
    """Soft TD targets r + gamma (1 - terminated) (min(Q1', Q2') - alpha log pi(a'|s')), detached.

    Q1', Q2' are the target critics at (s', a') with a' ~ pi(.|s').
    """
    check_same_shape("sac_targets", rewards=rewards, next_q1=next_q1, next_q2=next_q2,
                     next_log_probs=next_log_probs, terminated=terminated)
    with flambeau.no_grad():
        soft_value = flambeau.minimum(next_q1, next_q2) - _constant(alpha) * next_log_probs
        return rewards + gamma * continues(terminated, rewards.dtype) * soft_value


def sac_critic_loss(q1: Tensor, q2: Tensor, targets: Tensor) -> Tensor:
    """Sum of both critics' mean squared errors against the soft TD targets (CleanRL's form)."""
    check_same_shape("sac_critic_loss", q1=q1, q2=q2, targets=targets)
    targets = targets.detach()
    return F.mse_loss(q1, targets) + F.mse_loss(q2, targets)


def sac_actor_loss(log_probs: Tensor, q1: Tensor, q2: Tensor, alpha: float | Tensor = 0.2) -> Tensor:
    """mean(alpha log pi(a|s) - min(Q1(s, a), Q2(s, a))) for actions a ~ pi(.|s), reparameterised."""
    check_same_shape("sac_actor_loss", log_probs=log_probs, q1=q1, q2=q2)
    return (_constant(alpha) * log_probs - flambeau.minimum(q1, q2)).mean()


def sac_alpha_loss(log_alpha: Tensor, log_probs: Tensor, target_entropy: float) -> Tensor:
    """Temperature loss -mean(log_alpha (log pi(a|s) + target_entropy)), minimised over log_alpha.

    alpha grows when the policy's entropy falls below `target_entropy` (commonly -action_dim).
    Written on log_alpha as Stable-Baselines3 and TorchRL do; the log-probabilities are constants.
    """
    if not isinstance(log_alpha, Tensor) or log_alpha.numel() != 1:
        raise ValueError("sac_alpha_loss: log_alpha must be a one-element Tensor")
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"sac_alpha_loss: log_probs must be a Tensor, got {type(log_probs).__name__}")
    return -(log_alpha * (log_probs.detach() + target_entropy)).mean()


def _constant(alpha: float | Tensor) -> float | Tensor:
    return alpha.detach() if isinstance(alpha, Tensor) else alpha

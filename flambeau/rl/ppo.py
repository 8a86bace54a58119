"""PPO's clipped surrogate objective (Schulman et al., 2017), with value clipping and an entropy bonus."""
from __future__ import annotations

from typing import NamedTuple

import flambeau
from flambeau import Tensor

from ._common import check_same_shape


class PPOLoss(NamedTuple):
    loss: Tensor  # policy_loss - entropy_coef * entropy + value_coef * value_loss, to minimise
    policy_loss: Tensor
    value_loss: Tensor
    entropy: Tensor  # mean entropy of the current policy
    approx_kl: Tensor  # estimate of KL(old || new), detached
    clip_fraction: Tensor  # share of samples whose ratio left [1 - clip_coef, 1 + clip_coef], detached


def ppo_loss(log_probs: Tensor, old_log_probs: Tensor, advantages: Tensor, values: Tensor, returns: Tensor,
             entropy: Tensor, *, clip_coef: float = 0.2, old_values: Tensor | None = None,
             value_clip: float | None = None, value_coef: float = 0.5, entropy_coef: float = 0.0) -> PPOLoss:
    """PPO's loss on a minibatch; every tensor holds one value per sample.

    ratio = exp(log_probs - old_log_probs)
    policy_loss = mean(max(-A ratio, -A clamp(ratio, 1 - clip_coef, 1 + clip_coef)))
    value_loss = 0.5 mean((values - returns)^2); with `value_clip`, the larger of that error and the
    error of old_values + clamp(values - old_values, -value_clip, value_clip), as in CleanRL.
    approx_kl = mean((ratio - 1) - log ratio), the low-variance estimator CleanRL and SB3 log.
    """
    tensors = dict(log_probs=log_probs, old_log_probs=old_log_probs, advantages=advantages, values=values,
                   returns=returns, entropy=entropy)
    if value_clip is not None:
        if old_values is None:
            raise ValueError("ppo_loss: value_clip needs old_values, the values predicted at collection time")
        tensors["old_values"] = old_values
    check_same_shape("ppo_loss", **tensors)
    if clip_coef <= 0:
        raise ValueError(f"ppo_loss: clip_coef must be > 0, got {clip_coef}")
    if value_clip is not None and value_clip <= 0:
        raise ValueError(f"ppo_loss: value_clip must be > 0, got {value_clip}")

    log_ratio = log_probs - old_log_probs
    ratio = log_ratio.exp()
    surrogate = -advantages * ratio
    clipped_surrogate = -advantages * ratio.clamp(1 - clip_coef, 1 + clip_coef)
    policy_loss = flambeau.maximum(surrogate, clipped_surrogate).mean()

    value_error = (values - returns) ** 2
    if value_clip is not None:
        clipped_values = old_values + (values - old_values).clamp(-value_clip, value_clip)
        value_error = flambeau.maximum(value_error, (clipped_values - returns) ** 2)
    value_loss = 0.5 * value_error.mean()

    mean_entropy = entropy.mean()
    with flambeau.no_grad():
        approx_kl = ((ratio - 1) - log_ratio).mean()
        clip_fraction = ((ratio - 1).abs() > clip_coef).to(ratio.dtype).mean()
    loss = policy_loss - entropy_coef * mean_entropy + value_coef * value_loss
    return PPOLoss(loss, policy_loss, value_loss, mean_entropy, approx_kl, clip_fraction)

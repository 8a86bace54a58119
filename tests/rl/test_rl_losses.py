"""PPO, DQN and SAC losses: values and gradients against the direct formulas written in PyTorch."""
import numpy as np
import pytest
import torch
from oracle import check, randint, randn

import flambeau
import flambeau.rl as rl

B = 12


def _ppo_in_torch(log_probs, old_log_probs, advantages, values, returns, entropy, old_values,
                  clip_coef, value_clip, value_coef, entropy_coef):
    """CleanRL's PPO update, written out in PyTorch."""
    log_ratio = log_probs - old_log_probs
    ratio = log_ratio.exp()
    policy_loss = torch.max(-advantages * ratio, -advantages * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)).mean()
    unclipped = (values - returns) ** 2
    if value_clip is None:
        value_loss = 0.5 * unclipped.mean()
    else:
        clipped = old_values + torch.clamp(values - old_values, -value_clip, value_clip)
        value_loss = 0.5 * torch.max(unclipped, (clipped - returns) ** 2).mean()
    entropy = entropy.mean()
    with torch.no_grad():
        approx_kl = ((ratio - 1) - log_ratio).mean()
        clip_fraction = ((ratio - 1.0).abs() > clip_coef).float().mean().double()
    loss = policy_loss - entropy_coef * entropy + value_coef * value_loss
    return loss, policy_loss, value_loss, entropy, approx_kl, clip_fraction


@pytest.mark.parametrize("value_clip", [None, 0.2])
def test_ppo_loss_and_its_parts_match_the_direct_formula(value_clip):
    def fn(lib, log_probs, old_log_probs, advantages, values, returns, entropy, old_values):
        coefs = dict(clip_coef=0.2, value_clip=value_clip, value_coef=0.5, entropy_coef=0.01)
        if lib is torch:
            return _ppo_in_torch(log_probs, old_log_probs, advantages, values, returns, entropy, old_values, **coefs)
        return tuple(rl.ppo_loss(log_probs, old_log_probs, advantages, values, returns, entropy,
                                 old_values=old_values, **coefs))

    old_log_probs = randn(B, low=-2.0, high=-0.1)
    log_probs = old_log_probs + randn(B, low=-0.5, high=0.5)  # ratios both inside and outside the clip range
    old_values = randn(B)
    values = old_values + randn(B, low=-0.6, high=0.6)
    check(fn, log_probs, old_log_probs, randn(B), values, randn(B), randn(B, low=0.1, high=0.7), old_values)


def test_ppo_gradients_through_a_categorical_policy():
    actions = randint(0, 4, B)

    def fn(lib, logits, advantages, values, returns, old_log_probs):
        dist = lib.distributions.Categorical(logits=logits)
        log_probs, entropy = dist.log_prob(lib.tensor(actions)), dist.entropy()
        coefs = dict(clip_coef=0.1, value_clip=None, value_coef=0.5, entropy_coef=0.05)
        if lib is torch:
            return _ppo_in_torch(log_probs, old_log_probs, advantages, values, returns, entropy, None, **coefs)
        return tuple(rl.ppo_loss(log_probs, old_log_probs, advantages, values, returns, entropy, **coefs))

    logits = randn(B, 4)
    old_logits = logits + 0.3 * randn(B, 4)
    old_log_probs = torch.distributions.Categorical(logits=torch.tensor(old_logits)).log_prob(torch.tensor(actions))
    check(fn, logits, randn(B), randn(B), randn(B), old_log_probs.numpy())


def test_ppo_diagnostics_by_hand():
    # ratios e^0 = 1, e^0.5 ~ 1.65, e^-0.5 ~ 0.61: the last two leave [0.8, 1.2]
    log_ratio = flambeau.tensor([0.0, 0.5, -0.5])
    zeros = flambeau.zeros(3)
    out = rl.ppo_loss(log_ratio, zeros, flambeau.ones(3), zeros, zeros, zeros)
    assert out.clip_fraction.item() == pytest.approx(2 / 3)
    ratio = np.exp([0.0, 0.5, -0.5])
    assert out.approx_kl.item() == pytest.approx(np.mean(ratio - 1 - np.array([0.0, 0.5, -0.5])), rel=1e-6)
    # with advantages 1 the pessimistic term is -min(ratio, clip(ratio)): -(1 + 1.2 + e^-0.5) / 3
    assert out.policy_loss.item() == pytest.approx(-(1 + 1.2 + np.exp(-0.5)) / 3, rel=1e-6)
    assert not out.approx_kl.requires_grad


def test_ppo_loss_bad_input():
    x = flambeau.zeros(4)
    with pytest.raises(ValueError, match="old_values"):
        rl.ppo_loss(x, x, x, x, x, x, value_clip=0.2)
    with pytest.raises(ValueError):
        rl.ppo_loss(x, x, x, x.reshape(4, 1), x, x)  # a (B, 1) value head would broadcast silently
    with pytest.raises(ValueError):
        rl.ppo_loss(x, x, x, x, x, x, clip_coef=0.0)
    with pytest.raises(TypeError):
        rl.ppo_loss(x, x, [0.0] * 4, x, x, x)


@pytest.mark.parametrize("double", [False, True])
def test_dqn_targets_and_huber_loss_match_the_direct_formula(double):
    actions = randint(0, 3, B)
    terminated = np.arange(B) % 4 == 0

    def fn(lib, q_values, rewards, next_q_target, next_q_online):
        done = lib.tensor(terminated)
        if lib is torch:
            with torch.no_grad():
                if double:
                    next_value = next_q_target.gather(1, next_q_online.argmax(1, keepdim=True)).squeeze(1)
                else:
                    next_value = next_q_target.max(1).values
                targets = rewards + 0.9 * (1 - done.double()) * next_value
            chosen = q_values.gather(1, torch.tensor(actions)[:, None]).squeeze(1)
            return targets, torch.nn.functional.smooth_l1_loss(chosen, targets)
        targets = rl.dqn_targets(rewards, next_q_target, done, 0.9, next_q_online=next_q_online if double else None)
        return targets, rl.dqn_loss(q_values, lib.tensor(actions), targets)

    # errors of a few units so that both the quadratic and the linear part of the Huber loss are hit
    check(fn, 2 * randn(B, 3), randn(B), 2 * randn(B, 3), randn(B, 3))


def test_double_dqn_evaluates_the_online_choice_with_the_target_network():
    next_q_target = flambeau.tensor([[1.0, 5.0]])
    next_q_online = flambeau.tensor([[3.0, 0.0]])
    reward, done = flambeau.tensor([0.5]), flambeau.tensor([False])
    assert rl.dqn_targets(reward, next_q_target, done, 0.5).item() == 3.0  # 0.5 + 0.5 * 5
    assert rl.dqn_targets(reward, next_q_target, done, 0.5, next_q_online=next_q_online).item() == 1.0
    assert rl.dqn_targets(reward, next_q_target, flambeau.tensor([True]), 0.5).item() == 0.5


def test_dqn_weighted_loss_and_per_sample_discounts():
    actions = randint(0, 3, B)

    def fn(lib, q_values, targets, weights, delta=2.0):
        if lib is torch:
            chosen = q_values.gather(1, torch.tensor(actions)[:, None]).squeeze(1)
            per_sample = torch.nn.functional.huber_loss(chosen, targets.detach(), reduction="none", delta=delta)
            return (weights * per_sample).mean()
        return rl.dqn_loss(q_values, lib.tensor(actions), targets, delta=delta, weights=weights)

    check(fn, 3 * randn(B, 3), randn(B), randn(B, low=0.1, high=1.0))
    # gamma as a tensor: n-step transitions carry gamma^n each
    gammas = flambeau.tensor([0.5, 0.25])
    targets = rl.dqn_targets(flambeau.ones(2), flambeau.tensor([[2.0], [4.0]]), flambeau.tensor([False, False]), gammas)
    np.testing.assert_allclose(targets.numpy(), [2.0, 2.0])


def test_dqn_targets_are_constants():
    next_q = flambeau.randn(4, 2, requires_grad=True)
    targets = rl.dqn_targets(flambeau.ones(4), next_q, flambeau.zeros(4, dtype=flambeau.bool))
    assert not targets.requires_grad


def test_dqn_bad_input():
    with pytest.raises(ValueError):
        rl.dqn_loss(flambeau.zeros(4, 2), flambeau.zeros(4, dtype=flambeau.int64), flambeau.zeros(4, 1))
    with pytest.raises(TypeError):
        rl.dqn_loss(flambeau.zeros(4, 2), flambeau.zeros(4), flambeau.zeros(4))
    with pytest.raises(ValueError):
        rl.dqn_targets(flambeau.zeros(4), flambeau.zeros(4), flambeau.zeros(4, dtype=flambeau.bool))
    with pytest.raises(ValueError):
        rl.dqn_targets(flambeau.zeros(4), flambeau.zeros(4, 2), flambeau.zeros(4, dtype=flambeau.bool),
                       next_q_online=flambeau.zeros(4, 3))


def test_sac_critic_loss_matches_the_direct_formula():
    terminated = np.arange(B) % 3 == 0

    def fn(lib, q1, q2, rewards, next_q1, next_q2, next_log_probs):
        done = lib.tensor(terminated)
        if lib is torch:
            with torch.no_grad():
                soft_value = torch.min(next_q1, next_q2) - 0.2 * next_log_probs
                targets = rewards + 0.99 * (1 - done.double()) * soft_value
            mse = torch.nn.functional.mse_loss
            return targets, mse(q1, targets) + mse(q2, targets)
        targets = rl.sac_targets(rewards, next_q1, next_q2, next_log_probs, done, gamma=0.99, alpha=0.2)
        return targets, rl.sac_critic_loss(q1, q2, targets)

    check(fn, randn(B), randn(B), randn(B), randn(B), randn(B), randn(B))


def test_sac_actor_loss_through_a_tanh_gaussian_policy():
    def fn(lib, mean, log_std, noise, q_weight, log_alpha):
        std = log_std.exp()
        pre_tanh = mean + std * noise  # reparameterised sample
        action = pre_tanh.tanh()
        log_probs = lib.distributions.Normal(mean, std).log_prob(pre_tanh) - (1 - action ** 2 + 1e-6).log()
        q1, q2 = action * q_weight, action * q_weight - 0.1
        if lib is torch:
            return (log_alpha.exp().detach() * log_probs - torch.min(q1, q2)).mean()
        return rl.sac_actor_loss(log_probs, q1, q2, alpha=log_alpha.exp())

    check(fn, randn(B), randn(B, low=-1.0, high=0.0), randn(B), randn(B), np.array([-1.5]))


def test_sac_alpha_loss_matches_the_direct_formula():
    def fn(lib, log_alpha, log_probs):
        if lib is torch:
            return -(log_alpha * (log_probs + -2.0).detach()).mean()
        return rl.sac_alpha_loss(log_alpha, log_probs, target_entropy=-2.0)

    check(fn, np.array([0.3]), randn(B))
    # entropy below target (log-probs above -target) makes alpha grow: the gradient on log_alpha is negative
    log_alpha = flambeau.zeros(1, requires_grad=True)
    rl.sac_alpha_loss(log_alpha, flambeau.full((4,), 3.0), target_entropy=-1.0).backward()
    assert log_alpha.grad.item() == pytest.approx(-2.0)


def test_sac_bad_input():
    x = flambeau.zeros(4)
    with pytest.raises(ValueError):
        rl.sac_critic_loss(x, x, x.reshape(4, 1))
    with pytest.raises(ValueError):
        rl.sac_alpha_loss(flambeau.zeros(2), x, -1.0)
    with pytest.raises(ValueError):
        rl.sac_targets(x, x, x[:3], x, x.bool())

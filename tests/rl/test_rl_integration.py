"""The pieces together: a PPO update on collected CartPole rollouts, a DQN update from prioritised replay."""
import gymnasium as gym
import numpy as np

import flambeau
from flambeau import nn
from flambeau.rl import (PrioritizedReplayBuffer, RolloutCollector, compute_gae, dqn_loss, dqn_targets, hard_update,
                         ppo_loss)


class _ActorCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.actor, self.critic = nn.Linear(4, 2), nn.Linear(4, 1)

    def forward(self, obs):
        dist = flambeau.distributions.Categorical(logits=self.actor(obs))
        actions = dist.sample()
        return actions, dist.log_prob(actions), self.critic(obs).squeeze(-1)


def test_ppo_epochs_on_one_rollout_lower_the_surrogate_and_move_the_policy():
    flambeau.manual_seed(0)
    agent = _ActorCritic()
    envs = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync")
    rollout = RolloutCollector(envs, agent, 64, seed=0).collect()
    advantages, returns = compute_gae(rollout.rewards, rollout.values, rollout.next_values, rollout.terminated,
                                      rollout.truncated)
    batch = rollout.flatten(advantages=advantages, returns=returns)
    optimizer = flambeau.optim.Adam(agent.parameters(), lr=1e-2)
    history = []
    for _ in range(8):
        dist = flambeau.distributions.Categorical(logits=agent.actor(batch["obs"]))
        out = ppo_loss(dist.log_prob(batch["actions"]), batch["log_probs"], batch["advantages"],
                       agent.critic(batch["obs"]).squeeze(-1), batch["returns"], dist.entropy(),
                       old_values=batch["values"], value_clip=0.2, entropy_coef=0.01)
        optimizer.zero_grad()
        out.loss.backward()
        assert all(p.grad is not None and flambeau.isfinite(p.grad).all() for p in agent.parameters())
        optimizer.step()
        history.append(out)
    # the first epoch starts at the collecting policy: ratio 1, nothing clipped, no divergence
    assert history[0].approx_kl.item() < 1e-6 and history[0].clip_fraction.item() == 0.0
    assert history[-1].policy_loss.item() < history[0].policy_loss.item()
    assert history[-1].value_loss.item() < history[0].value_loss.item()
    assert history[-1].approx_kl.item() > 0


def test_dqn_step_from_prioritised_replay_updates_priorities_with_td_errors():
    flambeau.manual_seed(1)
    online, target = nn.Linear(4, 2), nn.Linear(4, 2)
    hard_update(target, online)
    buffer = PrioritizedReplayBuffer(64, alpha=0.6, beta=0.4)
    rng = np.random.default_rng(0)
    buffer.extend({"obs": rng.standard_normal((50, 4)).astype(np.float32), "action": rng.integers(0, 2, 50),
                   "reward": np.ones(50, dtype=np.float32), "next_obs": rng.standard_normal((50, 4)).astype(np.float32),
                   "terminated": rng.random(50) < 0.1})
    sample = buffer.sample(16)
    batch = sample.batch
    with flambeau.no_grad():
        targets = dqn_targets(batch["reward"], target(batch["next_obs"]), batch["terminated"], 0.99,
                              next_q_online=online(batch["next_obs"]))
    q_values = online(batch["obs"])
    loss = dqn_loss(q_values, batch["action"], targets, weights=sample.weights)
    loss.backward()
    assert online.weight.grad is not None and target.weight.grad is None
    td_errors = (q_values.gather(1, batch["action"][:, None]).squeeze(1) - targets).abs().detach()
    buffer.update_priorities(sample.indices, td_errors)
    last = {int(i): float(e) for i, e in zip(sample.indices, td_errors.numpy())}  # a repeated index keeps its last
    np.testing.assert_allclose(buffer.priorities(list(last)), (np.array(list(last.values())) + 1e-8) ** 0.6,
                               rtol=1e-5)

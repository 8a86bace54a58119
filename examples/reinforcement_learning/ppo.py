"""Proximal Policy Optimization (clipped) on CartPole-v1, with flambeau.rl's collector, GAE and loss.

The hyperparameters are RL Baselines3 Zoo's for CartPole: 8 environments, 32 steps each per
rollout, 20 epochs over the 256 transitions, a learning rate and clip range that fall linearly to 0.
Separate 64-64 tanh networks for the policy and the value, initialised orthogonally as in CleanRL.
Training stops once the last 100 episodes average --target (475, CartPole-v1's threshold).

    python examples/reinforcement_learning/ppo.py                               # full: up to 200,000 steps
    python examples/reinforcement_learning/ppo.py --total-timesteps 20000 --window 20   # short
"""
from __future__ import annotations

import gymnasium as gym

import flambeau as torch
import flambeau.nn as nn
import flambeau.optim as optim
from flambeau.distributions import Categorical
from flambeau.rl import RolloutCollector, compute_gae, ppo_loss

from common import Curves, parser


def layer(in_features: int, out_features: int, gain: float = 2 ** 0.5) -> nn.Linear:
    linear = nn.Linear(in_features, out_features)
    nn.init.orthogonal_(linear.weight, gain)
    nn.init.zeros_(linear.bias)
    return linear


class Agent(nn.Module):
    def __init__(self, obs_size: int, num_actions: int, hidden: int = 64):
        super().__init__()
        self.actor = nn.Sequential(layer(obs_size, hidden), nn.Tanh(), layer(hidden, hidden), nn.Tanh(),
                                   layer(hidden, num_actions, gain=0.01))
        self.critic = nn.Sequential(layer(obs_size, hidden), nn.Tanh(), layer(hidden, hidden), nn.Tanh(),
                                    layer(hidden, 1, gain=1.0))

    def forward(self, obs):
        """The collector's policy: (actions, their log-probabilities, values) for a batch of observations."""
        dist = Categorical(logits=self.actor(obs))
        actions = dist.sample()
        return actions, dist.log_prob(actions), self.critic(obs).squeeze(1)

    def evaluate(self, obs, actions):
        dist = Categorical(logits=self.actor(obs))
        return dist.log_prob(actions), dist.entropy(), self.critic(obs).squeeze(1)


def main():
    p = parser("PPO on CartPole-v1", seed=1, target=475, window=100, total_timesteps=200_000, lr=1e-3, gamma=0.98)
    p.add_argument("--num-envs", type=int, default=8)
    p.add_argument("--num-steps", type=int, default=32, help="steps per environment per rollout")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--minibatch-size", type=int, default=256)
    p.add_argument("--gae-lambda", type=float, default=0.8)
    p.add_argument("--clip-coef", type=float, default=0.2)
    p.add_argument("--ent-coef", type=float, default=0.0)
    p.add_argument("--vf-coef", type=float, default=0.5)
    p.add_argument("--max-grad-norm", type=float, default=0.5)
    args = p.parse_args()

    torch.manual_seed(args.seed)
    envs = gym.wrappers.vector.RecordEpisodeStatistics(gym.make_vec("CartPole-v1", num_envs=args.num_envs))
    agent = Agent(envs.single_observation_space.shape[0], envs.single_action_space.n)
    optimizer = optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)
    collector = RolloutCollector(envs, agent, args.num_steps, seed=args.seed)
    curves = Curves("ppo", args)
    updates = args.total_timesteps // (args.num_envs * args.num_steps)
    step = 0
    for update in range(updates):
        progress_left = 1.0 - update / updates  # the learning rate and the clip range fall linearly to 0
        optimizer.param_groups[0]["lr"] = args.lr * progress_left
        rollout = collector.collect()
        step += args.num_envs * args.num_steps
        advantages, returns = compute_gae(rollout.rewards, rollout.values, rollout.next_values, rollout.terminated,
                                          rollout.truncated, args.gamma, args.gae_lambda)
        batch = rollout.flatten(advantages=advantages, returns=returns)
        size = batch["obs"].shape[0]
        for _ in range(args.epochs):
            for indices in torch.randperm(size).split(args.minibatch_size):
                log_probs, entropy, values = agent.evaluate(batch["obs"][indices], batch["actions"][indices])
                adv = batch["advantages"][indices]
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                loss = ppo_loss(log_probs, batch["log_probs"][indices], adv, values, batch["returns"][indices],
                                entropy, clip_coef=args.clip_coef * progress_left, value_coef=args.vf_coef,
                                entropy_coef=args.ent_coef)
                optimizer.zero_grad()
                loss.loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()
        curves.episodes_of(envs, step)
        curves.scalars(step, policy=loss.policy_loss.item(), value=loss.value_loss.item(),
                       entropy=loss.entropy.item(), approx_kl=loss.approx_kl.item())
        if update % args.log_interval == 0:
            print(curves.progress(step), flush=True)
        if curves.solved():
            break
    curves.close(step)
    envs.close()


if __name__ == "__main__":
    main()

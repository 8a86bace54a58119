"""Soft Actor-Critic (Haarnoja et al., 2018) on Pendulum-v1, with flambeau.rl's SAC losses.

A tanh-squashed Gaussian actor, twin Q critics with Polyak-averaged targets, and a temperature
alpha tuned towards the entropy -action_dim. One gradient step of the critics, the actor and alpha
per environment step once --learning-starts random steps fill the buffer. Training stops once the
last 10 episodes (200 steps each) average above --target (-250).

    python examples/reinforcement_learning/sac.py                               # full: up to 20,000 steps
    python examples/reinforcement_learning/sac.py --total-timesteps 4000 --target -800 --window 5   # short
"""
from __future__ import annotations

import copy
import math

import numpy as np

import flambeau as torch
import flambeau.nn as nn
import flambeau.nn.functional as F
import flambeau.optim as optim
from flambeau.distributions import Normal
from flambeau.rl import ReplayBuffer, sac_actor_loss, sac_alpha_loss, sac_critic_loss, sac_targets, soft_update

from common import Curves, make_env, parser, play_off_policy

LOG_STD_MIN, LOG_STD_MAX = -5.0, 2.0


def mlp(in_features: int, out_features: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, out_features))


class Actor(nn.Module):
    def __init__(self, obs_size: int, action_size: int, action_scale: np.ndarray, hidden: int):
        super().__init__()
        self.net = mlp(obs_size, 2 * action_size, hidden)
        self.register_buffer("action_scale", torch.tensor(action_scale, dtype=torch.float32))

    def forward(self, obs):
        """Reparameterised actions in [-scale, scale] and their log-probabilities, one per row."""
        mean, log_std = self.net(obs).chunk(2, dim=-1)
        log_std = log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)
        gaussian = Normal(mean, log_std.exp())
        u = gaussian.rsample()
        # tanh changes the density by 1 / (1 - tanh(u)^2); NOTE: log(1 - tanh(u)^2) is written as
        # 2 (log 2 - u - softplus(-2u)), equal and stable where tanh(u) rounds to +-1
        log_prob = gaussian.log_prob(u) - 2 * (math.log(2) - u - F.softplus(-2 * u))
        return torch.tanh(u) * self.action_scale, log_prob.sum(-1)


class Critic(nn.Module):
    """Twin Q-networks: the targets take the smaller of the two to curb overestimation."""

    def __init__(self, obs_size: int, action_size: int, hidden: int):
        super().__init__()
        self.q1 = mlp(obs_size + action_size, 1, hidden)
        self.q2 = mlp(obs_size + action_size, 1, hidden)

    def forward(self, obs, actions):
        x = torch.cat([obs, actions], dim=-1)
        return self.q1(x).squeeze(-1), self.q2(x).squeeze(-1)


def main():
    p = parser("SAC on Pendulum-v1", seed=1, target=-250, window=10, total_timesteps=20_000, lr=1e-3, gamma=0.99,
               buffer_size=100_000, batch_size=128, learning_starts=1000)
    p.add_argument("--hidden", type=int, default=128, help="units in each hidden layer")
    p.add_argument("--tau", type=float, default=0.005, help="Polyak coefficient of the target critics")
    args = p.parse_args()

    torch.manual_seed(args.seed)
    env = make_env("Pendulum-v1", args.seed)
    obs_size, action_size = env.observation_space.shape[0], env.action_space.shape[0]
    actor = Actor(obs_size, action_size, env.action_space.high, args.hidden)
    critic = Critic(obs_size, action_size, args.hidden)
    target_critic = copy.deepcopy(critic)
    log_alpha = torch.zeros(1, requires_grad=True)
    target_entropy = -float(action_size)
    actor_optimizer = optim.Adam(actor.parameters(), lr=args.lr)
    critic_optimizer = optim.Adam(critic.parameters(), lr=args.lr)
    alpha_optimizer = optim.Adam([log_alpha], lr=args.lr)
    buffer = ReplayBuffer(args.buffer_size)
    curves = Curves("sac", args)

    def act(obs, step):
        if step <= args.learning_starts:
            return env.action_space.sample()
        with torch.no_grad():
            return actor(torch.from_numpy(obs)[None])[0][0].numpy()

    for step in play_off_policy(env, act, buffer, args, curves):
        if step <= args.learning_starts:
            continue
        batch = buffer.sample(args.batch_size)
        alpha = log_alpha.exp()
        with torch.no_grad():
            next_actions, next_log_probs = actor(batch["next_obs"])
            targets = sac_targets(batch["reward"], *target_critic(batch["next_obs"], next_actions), next_log_probs,
                                  batch["terminated"], args.gamma, alpha)
        critic_loss = sac_critic_loss(*critic(batch["obs"], batch["action"]), targets)
        critic_optimizer.zero_grad()
        critic_loss.backward()
        critic_optimizer.step()

        actions, log_probs = actor(batch["obs"])
        actor_loss = sac_actor_loss(log_probs, *critic(batch["obs"], actions), alpha)
        actor_optimizer.zero_grad()
        actor_loss.backward()  # the critics' gradients this leaves are cleared before their next step
        actor_optimizer.step()

        alpha_loss = sac_alpha_loss(log_alpha, log_probs, target_entropy)
        alpha_optimizer.zero_grad()
        alpha_loss.backward()
        alpha_optimizer.step()
        soft_update(target_critic, critic, args.tau)
        if step % 100 == 0:
            curves.scalars(step, critic=critic_loss.item(), actor=actor_loss.item(), alpha=alpha.item())
    curves.close(step)
    env.close()


if __name__ == "__main__":
    main()

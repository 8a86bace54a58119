"""Actor-critic on CartPole-v1: pytorch/examples' reinforcement_learning/actor_critic.py on flambeau.

One network with an action head and a value head plays a whole episode; the actor then climbs
log pi(a_t|s_t) (G_t - V(s_t)) with the normalised discounted returns G_t, and the critic fits V(s_t)
to G_t with the smooth L1 loss. Training stops when the last 20 episodes average --target (475,
CartPole-v1's threshold) or after --episodes episodes.

    python examples/reinforcement_learning/actor_critic.py                  # full
    python examples/reinforcement_learning/actor_critic.py --episodes 100   # short
"""
from __future__ import annotations

from collections import namedtuple

import gymnasium as gym
import numpy as np

import flambeau as torch
import flambeau.nn as nn
import flambeau.nn.functional as F
import flambeau.optim as optim
from flambeau.distributions import Categorical
from flambeau.rl import discounted_returns

from common import Curves, parser, train_per_episode

SavedAction = namedtuple("SavedAction", ["log_prob", "value"])
EPS = np.finfo(np.float32).eps.item()


class Policy(nn.Module):
    """Actor and critic in one model: a shared layer, then an action head and a value head."""

    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(4, 128)
        self.action_head = nn.Linear(128, 2)
        self.value_head = nn.Linear(128, 1)
        self.saved_actions = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        action_prob = F.softmax(self.action_head(x), dim=-1)
        state_values = self.value_head(x)
        return action_prob, state_values


def main():
    p = parser("PyTorch actor-critic example, on flambeau", seed=543, target=475, window=20)
    p.add_argument("--gamma", type=float, default=0.99, help="discount factor (default: 0.99)")
    p.add_argument("--episodes", type=int, default=2000, help="stop after this many episodes (default: 2000)")
    args = p.parse_args()

    env = gym.make("CartPole-v1")
    env.reset(seed=args.seed)
    torch.manual_seed(args.seed)
    model = Policy()
    optimizer = optim.Adam(model.parameters(), lr=3e-2)

    def select_action(state):
        probs, state_value = model(torch.from_numpy(state).float())
        m = Categorical(probs)
        action = m.sample()
        model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
        return action.item()

    def finish_episode(rewards):
        rewards = torch.tensor(rewards, dtype=torch.float32)
        returns = discounted_returns(rewards, torch.zeros_like(rewards, dtype=torch.bool), args.gamma)
        returns = (returns - returns.mean()) / (returns.std() + EPS)
        log_probs = torch.stack([saved.log_prob for saved in model.saved_actions])
        values = torch.cat([saved.value for saved in model.saved_actions])
        advantages = returns - values.detach()  # the critic's estimate as the baseline
        loss = (-log_probs * advantages).sum() + F.smooth_l1_loss(values, returns, reduction="sum")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        del model.saved_actions[:]
        return loss.item()

    train_per_episode(env, select_action, finish_episode, args, Curves("actor_critic", args))


if __name__ == "__main__":
    main()

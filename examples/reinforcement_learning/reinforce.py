"""REINFORCE (Williams, 1992) on CartPole-v1: pytorch/examples' reinforcement_learning/reinforce.py on flambeau.

The policy plays a whole episode, then climbs the gradient of sum_t log pi(a_t|s_t) G_t, the
discounted returns G_t (from flambeau.rl) normalised over the episode. Training stops when the
last 20 episodes average --target (475, CartPole-v1's threshold) or after --episodes episodes.

    python examples/reinforcement_learning/reinforce.py                  # full
    python examples/reinforcement_learning/reinforce.py --episodes 100   # short
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np

import flambeau as torch
import flambeau.nn as nn
import flambeau.nn.functional as F
import flambeau.optim as optim
from flambeau.distributions import Categorical
from flambeau.rl import discounted_returns

from common import Curves, parser, train_per_episode

EPS = np.finfo(np.float32).eps.item()


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(4, 128)
        self.dropout = nn.Dropout(p=0.6)
        self.affine2 = nn.Linear(128, 2)
        self.saved_log_probs = []

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        action_scores = self.affine2(x)
        return F.softmax(action_scores, dim=1)


def main():
    p = parser("PyTorch REINFORCE example, on flambeau", seed=543, target=475, window=20)
    p.add_argument("--gamma", type=float, default=0.99, help="discount factor (default: 0.99)")
    p.add_argument("--episodes", type=int, default=2000, help="stop after this many episodes (default: 2000)")
    args = p.parse_args()

    env = gym.make("CartPole-v1")
    env.reset(seed=args.seed)
    torch.manual_seed(args.seed)
    policy = Policy()
    optimizer = optim.Adam(policy.parameters(), lr=1e-2)

    def select_action(state):
        probs = policy(torch.from_numpy(state).float().unsqueeze(0))
        m = Categorical(probs)
        action = m.sample()
        policy.saved_log_probs.append(m.log_prob(action))
        return action.item()

    def finish_episode(rewards):
        rewards = torch.tensor(rewards, dtype=torch.float32)
        returns = discounted_returns(rewards, torch.zeros_like(rewards, dtype=torch.bool), args.gamma)
        returns = (returns - returns.mean()) / (returns.std() + EPS)
        policy_loss = (-torch.cat(policy.saved_log_probs) * returns).sum()
        optimizer.zero_grad()
        policy_loss.backward()
        optimizer.step()
        del policy.saved_log_probs[:]
        return policy_loss.item()

    train_per_episode(env, select_action, finish_episode, args, Curves("reinforce", args))


if __name__ == "__main__":
    main()

"""REINFORCE (Williams, 1992) on CartPole-v1: pytorch/examples' reinforcement_learning/reinforce.py on flambeau.

The policy plays a whole episode, then climbs the gradient of sum_t log pi(a_t|s_t) G_t, the
discounted returns G_t (from flambeau.rl) normalised over the episode. Training stops when the
last 20 episodes average --target (475, CartPole-v1's threshold) or after --episodes episodes.

    python examples/reinforcement_learning/reinforce.py                  # full
    python examples/reinforcement_learning/reinforce.py --episodes 100   # short
"""
from __future__ import annotations

import flambeau as torch
import flambeau.nn as nn
import flambeau.nn.functional as F
import flambeau.optim as optim
from flambeau.distributions import Categorical

from common import Curves, normalized_returns, parser, train_per_episode


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
    p = parser("PyTorch REINFORCE example, on flambeau", seed=543, target=475, window=20, gamma=0.99, lr=1e-2,
               episodes=2000)
    args = p.parse_args()

    torch.manual_seed(args.seed)
    policy = Policy()
    optimizer = optim.Adam(policy.parameters(), lr=args.lr)

    def select_action(state):
        probs = policy(torch.from_numpy(state).float().unsqueeze(0))
        m = Categorical(probs)
        action = m.sample()
        policy.saved_log_probs.append(m.log_prob(action))
        return action.item()

    def finish_episode(rewards):
        returns = normalized_returns(rewards, args.gamma)
        policy_loss = (-torch.cat(policy.saved_log_probs) * returns).sum()
        optimizer.zero_grad()
        policy_loss.backward()
        optimizer.step()
        del policy.saved_log_probs[:]
        return policy_loss.item()

    train_per_episode(select_action, finish_episode, args, Curves("reinforce", args))


if __name__ == "__main__":
    main()

"""Actor-critic on CartPole-v1: pytorch/examples' reinforcement_learning/actor_critic.py on flambeau.

One network with an action head and a value head plays a whole episode; the actor then climbs
log pi(a_t|s_t) (G_t - V(s_t)) with the normalised discounted returns G_t, and the critic fits V(s_t)
to G_t with the smooth L1 loss. Training stops when the last 20 episodes average --target (475,
CartPole-v1's threshold) or after --episodes episodes. Adam's learning rate is 1e-2 where
pytorch/examples has 3e-2: at 3e-2 the policy collapsed onto one action on one seed of the four
tried (seed 2), at 1e-2 it learned on every seed tried.

    python examples/reinforcement_learning/actor_critic.py                  # full
    python examples/reinforcement_learning/actor_critic.py --episodes 60   # short
"""
from __future__ import annotations

from collections import namedtuple

import flambeau as torch
import flambeau.nn as nn
import flambeau.nn.functional as F
import flambeau.optim as optim
from flambeau.distributions import Categorical

from common import Curves, normalized_returns, parser, train_per_episode

SavedAction = namedtuple("SavedAction", ["log_prob", "value"])


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
    p = parser("PyTorch actor-critic example, on flambeau", seed=543, target=475, window=20, gamma=0.99, lr=1e-2,
               episodes=2000)
    args = p.parse_args()

    torch.manual_seed(args.seed)
    model = Policy()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)

    def select_action(state):
        probs, state_value = model(torch.from_numpy(state).float())
        m = Categorical(probs)
        action = m.sample()
        model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
        return action.item()

    def finish_episode(rewards):
        returns = normalized_returns(rewards, args.gamma)
        log_probs = torch.stack([saved.log_prob for saved in model.saved_actions])
        values = torch.cat([saved.value for saved in model.saved_actions])
        advantages = returns - values.detach()  # the critic's estimate as the baseline
        loss = (-log_probs * advantages).sum() + F.smooth_l1_loss(values, returns, reduction="sum")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        del model.saved_actions[:]
        return loss.item()

    train_per_episode(select_action, finish_episode, args, Curves("actor_critic", args))


if __name__ == "__main__":
    main()

"""Deep Q-learning (Mnih et al., 2015) on CartPole-v1, with Double DQN targets, over flambeau.rl.

An epsilon-greedy policy fills a ReplayBuffer; every --train-frequency steps the Q-network takes one
Adam step on the Huber loss against targets from a copy of itself that is refreshed every
--target-update steps. Training stops once the last 100 episodes average --target (195, the
threshold CartPole-v0 defined).

    python examples/reinforcement_learning/dqn.py                                # full: up to 100,000 steps
    python examples/reinforcement_learning/dqn.py --total-timesteps 12000 --window 20   # short
"""
from __future__ import annotations

import copy

import flambeau as torch
import flambeau.nn as nn
import flambeau.optim as optim
from flambeau.rl import ReplayBuffer, dqn_loss, dqn_targets, hard_update

from common import Curves, make_env, parser, play_off_policy


def q_network(obs_size: int, num_actions: int, hidden: int = 128) -> nn.Module:
    return nn.Sequential(nn.Linear(obs_size, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, num_actions))


def epsilon(step: int, args) -> float:
    """Exploration falls linearly from 1 to --end-epsilon over the first --exploration-steps steps."""
    return max(args.end_epsilon, 1.0 - step / args.exploration_steps * (1.0 - args.end_epsilon))


def main():
    p = parser("DQN on CartPole-v1", seed=1, target=195, window=100, total_timesteps=100_000, lr=1e-3, gamma=0.99,
               buffer_size=50_000, batch_size=64, learning_starts=1000)
    p.add_argument("--train-frequency", type=int, default=2, help="steps between gradient steps")
    p.add_argument("--target-update", type=int, default=250, help="steps between copies to the target network")
    p.add_argument("--exploration-steps", type=int, default=5000)
    p.add_argument("--end-epsilon", type=float, default=0.02)
    args = p.parse_args()

    torch.manual_seed(args.seed)
    env = make_env("CartPole-v1", args.seed)
    q = q_network(env.observation_space.shape[0], env.action_space.n)
    target_q = copy.deepcopy(q)
    optimizer = optim.Adam(q.parameters(), lr=args.lr)
    buffer = ReplayBuffer(args.buffer_size)
    curves = Curves("dqn", args)

    def act(obs, step):
        if torch.rand(()).item() < epsilon(step, args):
            return env.action_space.sample()
        with torch.no_grad():
            return q(torch.from_numpy(obs)).argmax().item()

    for step in play_off_policy(env, act, buffer, args, curves):
        if step > args.learning_starts and step % args.train_frequency == 0:
            batch = buffer.sample(args.batch_size)
            with torch.no_grad():  # Double DQN: the online network picks a', the target network values it
                targets = dqn_targets(batch["reward"], target_q(batch["next_obs"]), batch["terminated"],
                                      args.gamma, next_q_online=q(batch["next_obs"]))
            loss = dqn_loss(q(batch["obs"]), batch["action"], targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % 100 == 0:
                curves.scalars(step, td_loss=loss.item(), epsilon=epsilon(step, args))
        if step % args.target_update == 0:
            hard_update(target_q, q)
    curves.close(step)
    env.close()


if __name__ == "__main__":
    main()

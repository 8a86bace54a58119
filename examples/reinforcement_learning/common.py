"""What the reinforcement-learning examples share: their common arguments, the learning curves, the
per-episode loop of the policy gradients and the per-step loop of the off-policy agents.

`Curves` records every finished episode's return and the training losses in a TensorBoard run
(flambeau's SummaryWriter, the one `torch.utils.tensorboard` provides), prints progress, and at the
end draws the returns into returns.png in the same run directory when matplotlib is installed.
"""
from __future__ import annotations

import argparse
import itertools
import time
from collections import deque

import gymnasium as gym
import numpy as np

import flambeau as torch
from flambeau.rl import ReplayBuffer, discounted_returns
from flambeau.utils.tensorboard import SummaryWriter


# arguments several examples take: name -> (type, help); each script picks its own defaults
SHARED_ARGUMENTS = {
    "total_timesteps": (int, "environment steps at most"),
    "episodes": (int, "stop after this many episodes"),
    "lr": (float, "Adam's learning rate"),
    "gamma": (float, "discount factor"),
    "buffer_size": (int, "replay buffer capacity"),
    "batch_size": (int, "transitions per gradient step"),
    "learning_starts": (int, "steps played before learning starts"),
}


def parser(description: str, *, seed: int, target: float, window: int, **defaults) -> argparse.ArgumentParser:
    """The arguments every example takes, plus those of SHARED_ARGUMENTS given a default in `defaults`."""
    p = argparse.ArgumentParser(description=description)
    for name, default in defaults.items():
        kind, text = SHARED_ARGUMENTS[name]
        p.add_argument("--" + name.replace("_", "-"), type=kind, default=default, help=f"{text} (default: {default})")
    p.add_argument("--seed", type=int, default=seed, help=f"random seed (default: {seed})")
    p.add_argument("--target", type=float, default=target,
                   help=f"stop once the average return of the last --window episodes reaches this (default: {target})")
    p.add_argument("--window", type=int, default=window,
                   help=f"how many recent episodes the average return is taken over (default: {window})")
    p.add_argument("--logdir", default=None, help="TensorBoard run directory (default: runs/<algorithm>-seed<seed>)")
    p.add_argument("--log-interval", type=int, default=10, help="print progress every this many episodes (PPO: rollouts)")
    return p


class Curves:
    """Episode returns and losses of one training run, logged against the number of environment steps."""

    def __init__(self, name: str, args: argparse.Namespace) -> None:
        self.logdir = args.logdir or f"runs/{name}-seed{args.seed}"
        self.writer = SummaryWriter(self.logdir)
        self.target, self.window = args.target, args.window
        self.steps: list[int] = []
        self.returns: list[float] = []
        self._recent: deque[float] = deque(maxlen=args.window)
        self._seen = 0  # episodes of a RecordEpisodeStatistics wrapper already recorded
        self._start = time.perf_counter()

    def episode(self, episode_return: float, step: int) -> None:
        self.steps.append(step)
        self.returns.append(float(episode_return))
        self._recent.append(float(episode_return))
        self.writer.add_scalar("charts/episodic_return", episode_return, step)
        self.writer.add_scalar("charts/average_return", self.average(), step)

    def episodes_of(self, env, step: int) -> None:
        """Record the episodes a gymnasium RecordEpisodeStatistics wrapper finished since the last call."""
        new = env.episode_count - self._seen
        self._seen = env.episode_count
        for episode_return in list(env.return_queue)[len(env.return_queue) - min(new, len(env.return_queue)):]:
            self.episode(np.asarray(episode_return).item(), step)

    def scalars(self, step: int, **values: float) -> None:
        for name, value in values.items():
            self.writer.add_scalar(f"losses/{name}", float(value), step)

    def average(self) -> float:
        """Mean return of the last `window` episodes (-inf before any episode ends)."""
        return float(np.mean(self._recent)) if self._recent else -np.inf

    def solved(self) -> bool:
        return len(self._recent) == self.window and self.average() >= self.target

    def elapsed(self) -> float:
        return time.perf_counter() - self._start

    def progress(self, step: int) -> str:
        return (f"step {step:7d} | episodes {len(self.returns):5d} | average return {self.average():8.2f} | "
                f"{self.elapsed():6.1f}s")

    def close(self, step: int) -> None:
        """Print the outcome (the line the tests read), flush the TensorBoard run and draw the PNG."""
        verdict = "reached" if self.solved() else "did not reach"
        print(f"{verdict} {self.target:g}: average return {self.average():.2f} over the last {len(self._recent)} "
              f"episodes after {len(self.returns)} episodes, {step} steps, {self.elapsed():.1f}s")
        self.writer.close()
        self._plot()

    def _plot(self) -> None:
        try:
            import matplotlib
        except ImportError:
            return  # the curves are in the TensorBoard run all the same
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(self.steps, self.returns, ".", alpha=0.3, label="episode return")
        averages = [np.mean(self.returns[max(0, i + 1 - self.window):i + 1]) for i in range(len(self.returns))]
        ax.plot(self.steps, averages, label=f"average of the last {self.window}")
        ax.axhline(self.target, color="gray", linestyle="--", label="target")
        ax.set_xlabel("environment steps")
        ax.set_ylabel("return")
        ax.legend()
        fig.savefig(f"{self.logdir}/returns.png", dpi=100)
        plt.close(fig)


def normalized_returns(rewards: list[float], gamma: float):
    """An episode's discounted returns, standardised (a baseline that keeps the gradient's scale steady)."""
    rewards = torch.tensor(rewards, dtype=torch.float32)
    returns = discounted_returns(rewards, torch.zeros_like(rewards, dtype=torch.bool), gamma)
    return (returns - returns.mean()) / (returns.std() + np.finfo(np.float32).eps.item())


def train_per_episode(select_action, finish_episode, args: argparse.Namespace, curves: Curves) -> None:
    """pytorch/examples' loop for REINFORCE and actor-critic on CartPole-v1: play an episode, then learn from it.

    `select_action(state)` returns an action and remembers what the update needs; `finish_episode(rewards)`
    makes the update and returns the loss. Stops when the average return reaches the target or after
    --episodes episodes.
    """
    env = gym.make("CartPole-v1")
    env.reset(seed=args.seed)
    step = 0
    for i_episode in itertools.count(1):
        state, _ = env.reset()
        rewards = []
        done = False
        while not done:
            state, reward, terminated, truncated, _ = env.step(select_action(state))
            rewards.append(reward)
            done = terminated or truncated
        step += len(rewards)
        loss = finish_episode(rewards)
        curves.episode(sum(rewards), step)
        curves.scalars(step, loss=loss)
        if i_episode % args.log_interval == 0:
            print(f"Episode {i_episode}\tLast reward: {sum(rewards):.2f}\tAverage reward: {curves.average():.2f}",
                  flush=True)
        if curves.solved() or i_episode == args.episodes:
            break
    curves.close(step)


def play_off_policy(env, act, buffer: ReplayBuffer, args: argparse.Namespace, curves: Curves):
    """Play `act(obs, step)`'s actions in `env`, storing every transition in `buffer`; yields each step.

    Stops after --total-timesteps steps or once the average return reaches the target. A truncated
    episode (the time limit) is stored as not terminated: its target still bootstraps.
    """
    obs, _ = env.reset(seed=args.seed)
    for step in range(1, args.total_timesteps + 1):
        action = act(obs, step)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        buffer.add(dict(obs=obs, action=action, reward=float(reward), next_obs=next_obs, terminated=terminated))
        obs = next_obs
        if terminated or truncated:
            obs, _ = env.reset()
            curves.episodes_of(env, step)
            if len(curves.returns) % args.log_interval == 0:
                print(curves.progress(step), flush=True)
        yield step
        if curves.solved():
            return


def make_env(name: str, seed: int):
    """A gymnasium env that records its episodes' returns, with its action sampling seeded."""
    env = gym.wrappers.RecordEpisodeStatistics(gym.make(name))
    env.action_space.seed(seed)
    return env

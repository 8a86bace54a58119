"""RolloutCollector: T steps of a policy in a gymnasium vector env, as time-major tensors.

Gymnasium 1.x vector envs reset a finished sub-environment by themselves, in one of two modes:
- NEXT_STEP (the default): the step that ends an episode returns its final observation; the next
  call to step() resets that sub-environment, ignoring its action and returning reward 0 and the
  first observation of the new episode. That reset step is no transition of either episode, so the
  rollout marks it `valid=False`.
- SAME_STEP: the step that ends an episode already returns the new episode's first observation,
  and the final one sits in infos["final_obs"]; every step is a transition.
Either way `next_values[t]` is the value of the observation step t really led to (the final
observation when an episode ended), which is what bootstrapping a truncated episode needs.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

import flambeau
from flambeau import Tensor

if TYPE_CHECKING:  # gymnasium is optional: imported when a collector is made
    from gymnasium.vector import VectorEnv

Policy = Callable[[Tensor], tuple[Tensor, Tensor, Tensor]]


@dataclass
class Rollout:
    """Time-major tensors of shape (T, num_envs, ...)."""

    obs: Tensor  # the observation each action was chosen at
    actions: Tensor
    log_probs: Tensor
    rewards: Tensor  # float32
    terminated: Tensor  # bool
    truncated: Tensor  # bool
    values: Tensor  # value of obs
    next_values: Tensor  # value of the observation the step led to
    valid: Tensor  # bool; False on the reset steps of NEXT_STEP autoreset

    def flatten(self, **extra: Tensor) -> dict[str, Tensor]:
        """The valid transitions as one batch (dim 0 merges time and environments).

        `extra` (T, num_envs) tensors computed from the rollout, such as advantages and returns,
        are flattened alongside.
        """
        keep = self.valid.reshape(-1)
        steps = {field.name: getattr(self, field.name) for field in fields(self) if field.name != "valid"}
        for name, tensor in extra.items():
            if tuple(tensor.shape[:2]) != tuple(self.valid.shape):
                raise ValueError(f"{name} has shape {tuple(tensor.shape)}, expected ({self.valid.shape[0]}, "
                                 f"{self.valid.shape[1]}, ...)")
            steps[name] = tensor
        return {name: tensor.reshape(-1, *tensor.shape[2:])[keep] for name, tensor in steps.items()}


class RolloutCollector:
    """Runs `policy` in `envs` for `num_steps` steps per `collect()` call, carrying on where it stopped.

    `policy(obs)` gets a (num_envs, *obs_shape) tensor and returns (actions, log_probs, values), one
    row per environment; it runs without grad. Bootstrap values (the observation after the last
    step, and final observations under SAME_STEP autoreset) come from further policy calls, whose
    actions are dropped. `seed` seeds the environments' first reset.
    """

    def __init__(self, envs: VectorEnv, policy: Policy, num_steps: int, *, seed: int | None = None,
                 device: flambeau.device | str | None = None) -> None:
        if not isinstance(num_steps, int) or num_steps < 1:
            raise ValueError(f"num_steps must be a positive integer, got {num_steps!r}")
        self.envs, self.policy, self.num_steps, self.device = envs, policy, num_steps, device
        self._same_step = _uses_same_step_autoreset(envs)
        self._obs, _ = envs.reset(seed=seed)
        self._resets_next = np.zeros(envs.num_envs, dtype=bool)  # NEXT_STEP: sub-envs whose next step resets

    def collect(self) -> Rollout:
        steps: dict[str, list[Tensor]] = defaultdict(list)
        final_values: list[tuple[int, np.ndarray, Tensor]] = []  # (t, sub-envs, value of their final obs)
        for t in range(self.num_steps):
            obs = self._tensor(self._obs)
            actions, log_probs, values = self._act(obs)
            next_obs, rewards, terminated, truncated, infos = self.envs.step(actions.cpu().numpy())
            record = dict(obs=obs, actions=actions, log_probs=log_probs, values=values,
                          rewards=self._tensor(np.asarray(rewards, dtype=np.float32)),
                          terminated=self._tensor(terminated), truncated=self._tensor(truncated),
                          valid=self._tensor(~self._resets_next))
            for name, value in record.items():
                steps[name].append(value)
            if self._same_step:
                ended = np.flatnonzero(terminated | truncated)
                if ended.size:
                    final_obs = self._tensor(np.stack(infos["final_obs"][ended]))
                    final_values.append((t, ended, self._act(final_obs)[2]))
            else:
                self._resets_next = terminated | truncated
            self._obs = next_obs
        rollout = {name: flambeau.stack(values) for name, values in steps.items()}
        last_values = self._act(self._tensor(self._obs))[2]
        next_values = flambeau.cat([rollout["values"][1:], last_values[None]])
        for t, ended, values in final_values:
            next_values[t, self._tensor(ended)] = values
        return Rollout(next_values=next_values, **rollout)

    def _act(self, obs: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        with flambeau.no_grad():
            out = self.policy(obs)
        if not isinstance(out, tuple) or len(out) != 3:
            raise TypeError("the policy must return a tuple (actions, log_probs, values)")
        actions, log_probs, values = out
        rows = obs.shape[0]
        if actions.shape[0] != rows or log_probs.numel() != rows or values.numel() != rows:
            raise ValueError(f"the policy must return one action, log-probability and value per environment "
                             f"({rows}), got shapes {tuple(actions.shape)}, {tuple(log_probs.shape)}, "
                             f"{tuple(values.shape)}")
        return actions, log_probs.reshape(rows), values.reshape(rows)

    def _tensor(self, array: np.ndarray) -> Tensor:
        """A copy on the collector's device: a vector env may reuse its arrays from step to step."""
        return flambeau.tensor(array, device=self.device)


def _uses_same_step_autoreset(envs: Any) -> bool:
    try:
        from gymnasium.vector import AutoresetMode, VectorEnv
    except ImportError as e:
        raise ImportError("RolloutCollector needs gymnasium: pip install 'flambeau[rl]'") from e
    if not isinstance(envs, VectorEnv):
        raise TypeError(f"RolloutCollector expects a gymnasium.vector.VectorEnv, got {type(envs).__name__}")
    mode = envs.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
    if mode not in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
        raise ValueError(f"RolloutCollector handles the NEXT_STEP and SAME_STEP autoreset modes, not {mode}")
    return mode == AutoresetMode.SAME_STEP

"""flambeau.rl: the pieces of deep reinforcement learning, small and explicit (TorchRL's role).

Replay buffers, returns and advantages, a rollout collector for gymnasium vector envs, target
network updates, and the losses of PPO, DQN and SAC as plain functions on tensors.
"""
from .buffers import ReplayBuffer
from .collector import Rollout, RolloutCollector
from .dqn import dqn_loss, dqn_targets
from .ppo import PPOLoss, ppo_loss
from .prioritized import PrioritizedReplayBuffer, PrioritizedSample
from .returns import compute_gae, discounted_returns, n_step_returns
from .sac import sac_actor_loss, sac_alpha_loss, sac_critic_loss, sac_targets
from .sumtree import MinTree, SumTree
from .targets import hard_update, soft_update

__all__ = ["MinTree", "PPOLoss", "PrioritizedReplayBuffer", "PrioritizedSample", "ReplayBuffer", "Rollout",
           "RolloutCollector", "SumTree", "compute_gae", "discounted_returns", "dqn_loss", "dqn_targets",
           "hard_update", "n_step_returns", "ppo_loss", "sac_actor_loss", "sac_alpha_loss", "sac_critic_loss",
           "sac_targets", "soft_update"]

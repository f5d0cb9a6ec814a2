"""Binary encodings shared by the swarm selectors.

A particle (or cat) is a 0/1 vector over the features and moves through a
continuous velocity that a sigmoid turns into the probability of keeping each
feature (Kennedy & Eberhart's binary PSO transfer).

The classic transfer ``P(bit = 1) = sigmoid(v)`` maps a velocity of zero
(no evidence either way) to 1/2, so every feature the swarm has no opinion
about is switched on half of the time and the swarm drifts towards keeping
half of the features. Here the neutral velocity maps to ``init_fraction``
instead: ``P(bit = 1) = sigmoid(v + logit(init_fraction))``. Velocities still
pull bits towards the personal and global bests exactly as in binary PSO.
"""

from __future__ import annotations

import numpy as np

__all__ = ["VELOCITY_CLAMP", "logit", "sigmoid", "sample_bits", "initial_positions"]

# |v| <= 4 keeps every bit's probability within sigmoid(+-4) of the prior, so
# no feature is ever frozen on or off (Kennedy & Eberhart use Vmax = 4).
VELOCITY_CLAMP = (-4.0, 4.0)


def logit(p):
    return float(np.log(p / (1.0 - p)))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sample_bits(velocity, init_fraction, uniform):
    """0/1 positions from velocities: ``uniform < sigmoid(velocity + logit(init_fraction))``.

    ``uniform`` holds one U(0, 1) draw per bit (same shape as ``velocity``);
    the caller supplies it so each optimiser keeps its own random stream.
    """
    return (uniform < sigmoid(velocity + logit(init_fraction))).astype(np.int8)


def initial_positions(rng, n_agents, n_features, init_fraction):
    """Each agent keeps each feature independently with probability ``init_fraction``."""
    return (rng.random((n_agents, n_features)) < init_fraction).astype(np.int8)

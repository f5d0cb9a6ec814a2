"""A well-behaved pyswarms binary PSO: private random stream, no logging side effects.

pyswarms has two process-wide side effects that an estimator must not have:

* it draws all its randomness from numpy's *global* generator, so runs are
  only reproducible by seeding that generator, which changes the caller's
  random state;
* every ``Reporter`` it creates (at import time and in each optimiser,
  topology and handler) calls ``logging.config.dictConfig``, which replaces
  the root logger's handlers and creates a ``report.log`` file in the
  current directory.

:func:`pyswarms_session` runs pyswarms with the global generator seeded and
restored afterwards and with ``dictConfig`` disabled. Both are process-wide,
so sessions are serialised by a lock: two threads optimising at once would
otherwise interleave their draws.
"""

from __future__ import annotations

import logging.config
import threading
from contextlib import contextmanager
from functools import cache

import numpy as np

from ._binary import VELOCITY_CLAMP, sample_bits

__all__ = ["pyswarms_session", "make_binary_pso"]

_LOCK = threading.RLock()


@contextmanager
def pyswarms_session(seed):
    """Context in which pyswarms may be imported and run reproducibly and quietly."""
    with _LOCK:
        saved_state = np.random.get_state()
        saved_dict_config = logging.config.dictConfig
        logging.config.dictConfig = _ignore_config
        np.random.seed(seed)
        try:
            yield
        finally:
            logging.config.dictConfig = saved_dict_config
            np.random.set_state(saved_state)


def _ignore_config(config):
    """Stand-in for ``logging.config.dictConfig`` while pyswarms builds its reporters."""


@cache
def _binary_pso_class():
    # Imported lazily (inside a session) because importing pyswarms already
    # builds a Reporter, i.e. reconfigures logging.
    from pyswarms.discrete import BinaryPSO

    class FeatureBinaryPSO(BinaryPSO):
        """pyswarms' BinaryPSO with one random draw per bit and a sparse prior.

        ``BinaryPSO._compute_position`` draws ``random_sample(size=dimensions)``,
        one threshold per feature shared by all particles, which makes particles
        with similar velocities identical. Here every particle draws its own,
        and the transfer keeps bits without evidence at ``init_fraction``
        (see :mod:`featleuk.selection._binary`).
        """

        init_fraction = 0.5

        def _compute_position(self, swarm):
            return sample_bits(swarm.velocity, self.init_fraction,
                               np.random.random_sample(swarm.velocity.shape))

    return FeatureBinaryPSO


def make_binary_pso(init_pos, options, init_fraction):
    """A binary PSO starting at ``init_pos`` (particles x features, 0/1) at rest.

    Call inside :func:`pyswarms_session`.
    """
    optimizer = _binary_pso_class()(
        n_particles=init_pos.shape[0], dimensions=init_pos.shape[1], options=options,
        init_pos=init_pos, velocity_clamp=VELOCITY_CLAMP,
    )
    optimizer.init_fraction = init_fraction
    # pyswarms starts velocities at U(clamp); starting at rest makes the first
    # move depend only on the first evaluations, not on noise.
    optimizer.swarm.velocity = np.zeros(init_pos.shape)
    return optimizer

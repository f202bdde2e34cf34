"""diffkern: SIMD kernels for denoising diffusion models, from Python.

Every public C function of diffkern.h is here without its dk_ prefix
(q_sample, p_step, ddim_step_randn, loss_randn, vlb_terms, ...), with
diffkern.Schedule for dk_schedule. Arrays are numpy arrays or torch CPU
tensors, C-contiguous, float32 (timesteps int32, likelihood terms float64),
used in place: nothing is ever copied or cast, and anything else raises
TypeError or ValueError naming the argument. rows = len(t); every array of
a call holds rows x dim values, whatever its shape. An output not given (out=)
is made like the call's first array (numpy or torch). Noise is
(seed, stream, offset). Timesteps are 1-based as in the DDPM paper:
diffusers' timestep k is t = k + 1. A status other than DK_OK raises
diffkern.Error's subclass for it (TimestepError, ...), whose message is
status_str's text and the argument at fault. The GIL is released while a
kernel runs.
"""
from ._diffkern import *  # noqa: F401,F403
from ._diffkern import Error, Schedule, version

__version__ = version()


class Generator:
    """Counter-based noise for the schedulers' step(generator=...): each draw
    takes the next n indices of (seed, stream), so the same seed gives the
    same noise on every CPU however the work is split."""

    def __init__(self, seed: int, stream: int = 0, offset: int = 0):
        self.seed, self.stream, self.offset = seed, stream, offset

    def take(self, n: int):
        """The noise (seed, stream, offset) of the next n values."""
        noise = (self.seed, self.stream, self.offset)
        self.offset += n
        return noise

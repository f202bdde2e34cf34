"""diffusers-compatible schedulers over diffkern's kernels.

DDPMScheduler and DDIMScheduler take diffusers' constructor arguments and
offer its methods (set_timesteps, timesteps, step, add_noise, get_velocity,
scale_model_input, init_noise_sigma, config, order). Timesteps here are
diffusers' (0-based, k); diffkern's kernels see t = k + 1.

Differences from diffusers:
- the schedule and every coefficient are computed in double and rounded to
  float once (diffusers computes in float32), so results agree within float
  rounding, not bit for bit;
- arrays are numpy arrays or torch CPU tensors, C-contiguous float32 (no
  copies, no casts; anything else raises as diffkern does); no CUDA;
- variance_type is fixed_small or fixed_large (the learned types raise
  NotImplementedError);
- generator may be a diffkern.Generator(seed): the noise is then counter-based,
  the same on every CPU and however the batch is split (a torch.Generator
  draws torch's noise as diffusers does);
- pred_original_sample is computed in float32 array arithmetic beside the
  kernel (the kernels fuse it away).
"""
import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from . import Generator
from . import _diffkern as _dk

try:
    import torch
except ImportError:  # numpy only
    torch = None

__all__ = ["DDPMScheduler", "DDIMScheduler", "Generator", "SchedulerOutput"]


@dataclass
class SchedulerOutput:
    prev_sample: Any
    pred_original_sample: Any


class FrozenDict(dict):
    """The scheduler's config: a dict whose keys read as attributes too."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as e:
            raise AttributeError(name) from e

    def __setitem__(self, key, value):
        raise TypeError("the config is frozen")


_SCHEDULES = {"linear": "linear", "scaled_linear": "scaled_linear", "squaredcos_cap_v2": "cosine",
              "sigmoid": "sigmoid"}


def _is_torch(x):
    return torch is not None and isinstance(x, torch.Tensor)


def _rows(x):
    return int(x.shape[0]) if len(x.shape) else 1


class _Base:
    order = 1
    init_noise_sigma = 1.0

    def __init__(self, num_train_timesteps=1000, beta_start=0.0001, beta_end=0.02, beta_schedule="linear",
                 trained_betas=None, variance_type="fixed_small", clip_sample=True, clip_sample_range=1.0,
                 prediction_type="epsilon", thresholding=False, dynamic_thresholding_ratio=0.995,
                 sample_max_value=1.0, timestep_spacing="leading", steps_offset=0, set_alpha_to_one=True,
                 rescale_betas_zero_snr=False, **unused):
        if variance_type not in ("fixed_small", "fixed_large"):
            raise NotImplementedError(f"variance_type {variance_type!r}: diffkern has fixed_small and fixed_large")
        if prediction_type not in ("epsilon", "sample", "v_prediction"):
            raise ValueError(f"prediction_type {prediction_type!r} must be epsilon, sample or v_prediction")
        if trained_betas is not None:
            s = _dk.Schedule.from_betas([float(b) for b in trained_betas])
        elif beta_schedule in _SCHEDULES:
            s = _dk.Schedule(_SCHEDULES[beta_schedule], num_train_timesteps, beta_start, beta_end)
        else:
            raise NotImplementedError(f"beta_schedule {beta_schedule!r} is not implemented")
        if rescale_betas_zero_snr:
            s = s.rescale_zero_snr()
        self.schedule = s
        self.config = FrozenDict(
            num_train_timesteps=num_train_timesteps, beta_start=beta_start, beta_end=beta_end,
            beta_schedule=beta_schedule, trained_betas=trained_betas, variance_type=variance_type,
            clip_sample=clip_sample, clip_sample_range=clip_sample_range, prediction_type=prediction_type,
            thresholding=thresholding, dynamic_thresholding_ratio=dynamic_thresholding_ratio,
            sample_max_value=sample_max_value, timestep_spacing=timestep_spacing, steps_offset=steps_offset,
            set_alpha_to_one=set_alpha_to_one, rescale_betas_zero_snr=rescale_betas_zero_snr, **unused)
        T = s.steps
        self.alphas_cumprod = np.array([s.alpha_bar(k + 1) for k in range(T)])
        self.num_inference_steps = None
        self._prev = {}  # diffusers' k -> its t_prev (1-based) after set_timesteps
        self.timesteps = self._as_timesteps(np.arange(T - 1, -1, -1))

    @staticmethod
    def _as_timesteps(k):
        return torch.from_numpy(np.asarray(k, np.int64)) if torch is not None else np.asarray(k, np.int64)

    def scale_model_input(self, sample, timestep=None):
        return sample

    def __len__(self):
        return self.config.num_train_timesteps

    def set_timesteps(self, num_inference_steps, device=None):
        c = self.config
        t, t_prev = _dk.timesteps(self.schedule.steps, num_inference_steps, c.timestep_spacing,
                                  c.steps_offset, bool(c.set_alpha_to_one))
        self.num_inference_steps = num_inference_steps
        self._prev = {int(a) - 1: int(b) for a, b in zip(t, t_prev)}
        self.timesteps = self._as_timesteps(np.asarray(t, np.int64) - 1)
        if device is not None and torch is not None:
            self.timesteps = self.timesteps.to(device)

    # ---- the step's options and the arrays' bookkeeping ----

    def _opts(self):
        c = self.config
        o = {"prediction": c.prediction_type}
        if c.thresholding:
            o.update(threshold_ratio=c.dynamic_thresholding_ratio, threshold_max=c.sample_max_value)
        elif c.clip_sample:
            o["clip"] = c.clip_sample_range
        return o

    def _pred_original(self, model_output, sample, ab):
        """x0 as diffusers' step returns it: from the prediction, then clipped or thresholded (float32)."""
        a, b = np.float32(math.sqrt(ab)), np.float32(math.sqrt(1 - ab))
        p = self.config.prediction_type
        x0 = (sample - b * model_output) / a if p == "epsilon" else model_output if p == "sample" \
            else a * sample - b * model_output
        c = self.config
        if c.thresholding:
            rows = _rows(x0)
            flat = x0.reshape(rows, -1)
            if _is_torch(flat):
                s = torch.quantile(flat.abs(), c.dynamic_thresholding_ratio, dim=1)
                s = torch.clamp(s, min=1, max=c.sample_max_value)[:, None]
                x0 = (torch.maximum(torch.minimum(flat, s), -s) / s).reshape(x0.shape)
            else:
                s = np.quantile(np.abs(flat), c.dynamic_thresholding_ratio, axis=1)
                s = np.clip(s, 1, c.sample_max_value).astype(np.float32)[:, None]
                x0 = (np.clip(flat, -s, s) / s).reshape(x0.shape)
        elif c.clip_sample:
            r = c.clip_sample_range
            x0 = x0.clamp(-r, r) if _is_torch(x0) else np.clip(x0, -r, r)
        return x0

    @staticmethod
    def _noise_like(sample, generator):
        if _is_torch(sample):
            g = generator if generator is not None and torch is not None and isinstance(generator, torch.Generator) \
                else None
            return torch.randn(sample.shape, generator=g, dtype=torch.float32)
        rng = generator if isinstance(generator, np.random.Generator) else np.random.default_rng()
        return rng.standard_normal(sample.shape, dtype=np.float32)

    def _t_rows(self, k, sample):
        return np.full(_rows(sample), int(k) + 1, np.int32)

    # ---- add_noise, get_velocity ----

    def add_noise(self, original_samples, noise, timesteps):
        t = (np.asarray(timesteps.cpu() if _is_torch(timesteps) else timesteps, np.int64).reshape(-1) + 1)
        t = np.ascontiguousarray(t.astype(np.int32))
        if t.size == 1 and _rows(original_samples) > 1:
            t = np.full(_rows(original_samples), int(t[0]), np.int32)
        return _dk.q_sample(self.schedule, t, original_samples, noise)

    def get_velocity(self, sample, noise, timesteps):
        k = np.asarray(timesteps.cpu() if _is_torch(timesteps) else timesteps, np.int64).reshape(-1)
        ab = self.alphas_cumprod[k].astype(np.float32)
        shape = (-1,) + (1,) * (len(sample.shape) - 1)
        a, b = np.sqrt(ab).reshape(shape), np.sqrt(1 - ab).reshape(shape)
        if _is_torch(sample):
            a, b = torch.from_numpy(a), torch.from_numpy(b)
        return a * noise - b * sample


class DDIMScheduler(_Base):
    """diffusers' DDIMScheduler on diffkern's dk_ddim_step (see the module's
    docstring for the differences)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("variance_type", "fixed_small")
        super().__init__(*args, **kwargs)

    def step(self, model_output, timestep, sample, eta=0.0, use_clipped_model_output=False, generator=None,
             variance_noise=None, return_dict=True):
        if self.num_inference_steps is None:
            raise ValueError("call set_timesteps first")
        if generator is not None and variance_noise is not None:
            raise ValueError("give generator or variance_noise, not both")
        k = int(timestep)
        t = self._t_rows(k, sample)
        t_prev = np.full_like(t, self._prev[k])
        opts = dict(self._opts(), eta=float(eta), recompute_eps=bool(use_clipped_model_output))
        s = self.schedule
        if eta > 0 and isinstance(generator, Generator):
            prev = _dk.ddim_step_randn(s, t, t_prev, sample, model_output, generator.take(_size(sample)), **opts)
        else:
            z = None
            if eta > 0:
                z = variance_noise if variance_noise is not None else self._noise_like(sample, generator)
            prev = _dk.ddim_step(s, t, t_prev, sample, model_output, z, **opts)
        x0 = self._pred_original(model_output, sample, s.alpha_bar(k + 1))
        return SchedulerOutput(prev, x0) if return_dict else (prev,)


class DDPMScheduler(_Base):
    """diffusers' DDPMScheduler on diffkern's dk_p_step (one training step at
    a time), or dk_ddim_step with eta 1 between inference steps further
    apart, which is the same posterior (see the module's docstring)."""

    def _prev_of(self, k):
        if self.num_inference_steps is None:
            return k  # t_prev = t - 1, 1-based: k
        return self._prev[k]

    def step(self, model_output, timestep, sample, generator=None, return_dict=True, variance_noise=None):
        k = int(timestep)
        s = self.schedule
        t = self._t_rows(k, sample)
        t_prev_1 = self._prev_of(k)
        opts = dict(self._opts(), variance=self.config.variance_type)
        noisy = k > 0
        counter = isinstance(generator, Generator)
        z = None
        if noisy and not counter:
            z = variance_noise if variance_noise is not None else self._noise_like(sample, generator)
        if t_prev_1 == k:  # one step: dk_p_step
            if counter and noisy:
                prev = _dk.p_step_randn(s, t, sample, model_output, generator.take(_size(sample)), **opts)
            else:
                prev = _dk.p_step(s, t, sample, model_output, z, **opts)
        else:  # a jump: the same posterior is DDIM's with eta 1
            ab, ap = s.alpha_bar(k + 1), s.alpha_bar(t_prev_1)
            opts.pop("variance")
            if self.config.variance_type == "fixed_large" and noisy:  # sigma^2 = 1 - ab / ap, not DDIM's
                ddim_var = (1 - ap) / (1 - ab) * (1 - ab / ap)
                if counter:
                    z = _dk.randn(generator.take(_size(sample)), _size(sample)).reshape(tuple(sample.shape))
                    if _is_torch(sample):
                        z = torch.from_numpy(z)
                    counter = False
                z = z * np.float32(math.sqrt((1 - ab / ap) / ddim_var))
            t_prev = np.full_like(t, t_prev_1)
            if counter and noisy:
                prev = _dk.ddim_step_randn(s, t, t_prev, sample, model_output, generator.take(_size(sample)), eta=1.0,
                                           **opts)
            else:
                prev = _dk.ddim_step(s, t, t_prev, sample, model_output, z, eta=1.0, **opts)
        x0 = self._pred_original(model_output, sample, s.alpha_bar(k + 1))
        return SchedulerOutput(prev, x0) if return_dict else (prev,)


def _size(x):
    n = 1
    for d in x.shape:
        n *= int(d)
    return n

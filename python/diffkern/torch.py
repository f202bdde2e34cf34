"""diffusion_loss: the training loss as a torch.autograd.Function over
dk_loss_randn, whose backward returns the kernel's own gradient.

    xt = diffkern.q_sample_randn(s, t, x0, noise)          # eps never stored
    loss = diffkern.torch.diffusion_loss(model(xt, t), x0, t, noise, s)
    loss.backward()                                          # eps regenerated

model_out must be a CPU float32 tensor, C-contiguous (diffkern never copies:
call .contiguous() yourself if your model returns something else); x0 the
same, t int32 with diffkern's 1-based timesteps, noise the (seed, stream,
offset) the noising used.
"""
import torch

from . import _diffkern as _dk

__all__ = ["diffusion_loss"]


class _DiffusionLoss(torch.autograd.Function):
    @staticmethod
    def forward(ctx, model_out, x0, t, schedule, noise, prediction, weighting, gamma, k, reduction):
        m = model_out.detach()  # the same memory: diffkern reads it in place
        row_loss, grad = _dk.loss_randn(schedule, t, x0, noise, m, prediction=prediction, weighting=weighting,
                                        gamma=gamma, k=k)
        ctx.save_for_backward(grad)
        ctx.reduction = reduction
        return row_loss.mean() if reduction == "mean" else row_loss

    @staticmethod
    def backward(ctx, grad_output):
        (grad,) = ctx.saved_tensors  # d(mean of the row losses) / d model_out
        rows = grad.shape[0] if grad.dim() else 1
        if ctx.reduction == "mean":
            g = grad * grad_output
        else:  # d(sum_r g_r loss_r) / dm = g_r rows grad on row r
            g = grad * (grad_output.reshape((rows,) + (1,) * (grad.dim() - 1)) * rows)
        return g, None, None, None, None, None, None, None, None, None


def diffusion_loss(model_out, x0, t, noise, schedule, prediction="epsilon", weighting="none", gamma=0.0, k=0.0,
                   reduction="mean"):
    """The weighted MSE of model_out against its target (eps, x0 = 'sample',
    'v_prediction' or 'score'), eps regenerated from `noise` (the indices
    dk_q_sample_randn used); weighting 'none', 'min_snr' (gamma) or 'p2'
    (k, gamma). reduction 'mean' (a scalar: the mean row loss) or 'none'
    (one loss per row). Differentiable in model_out."""
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction {reduction!r} must be 'mean' or 'none'")
    return _DiffusionLoss.apply(model_out, x0, t, schedule, tuple(noise), prediction, weighting, float(gamma),
                                float(k), reduction)

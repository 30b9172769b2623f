"""Finite-difference gradient checks.

The derivative of a scalar loss ``L`` with respect to one input entry is
approximated by the central difference ``(L(x + h e_i) - L(x - h e_i)) / 2h``,
whose error shrinks like ``h**2`` (Goodfellow et al., 2016, section 11.5).
To check a backward pass ``grad_output -> grad_input`` without forming the
Jacobian, we use the loss ``L(x) = sum(f(x) * g)`` for a fixed random ``g``:
its gradient is exactly what ``backward(g)`` must return.
"""
import numpy as np


def numerical_gradient(loss, x, h=1e-6):
    """Central-difference gradient of the scalar function ``loss`` at the float64 array ``x``.

    Returns an array shaped like ``x``. Costs ``2 * x.size`` calls of ``loss``; ``x`` is restored.
    """
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise ValueError(f"x has dtype {x.dtype}; finite differences need float64")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = loss(x)
        x[i] = old - h
        down = loss(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def check_backward(forward, backward, inputs, seed=0, h=1e-6, rtol=1e-5, atol=1e-7):
    """Compare an analytic backward pass with finite differences.

    Args:
        forward: ``forward(*inputs) -> y``.
        backward: ``backward(grad_output, *inputs) -> tuple of gradients``, one per input
            (``None`` entries are skipped).
        inputs: list of float64 arrays; they are perturbed in place and restored.

    Returns:
        The largest absolute difference found over all inputs.

    Raises:
        AssertionError: naming the input whose analytic and numerical gradients differ.
    """
    rng = np.random.default_rng(seed)
    inputs = [np.array(x, dtype=np.float64) for x in inputs]
    g = rng.normal(size=np.shape(forward(*inputs)))
    analytic = backward(g, *inputs)
    if not isinstance(analytic, tuple):
        analytic = (analytic,)
    worst = 0.0
    for k, (x, grad) in enumerate(zip(inputs, analytic)):
        if grad is None:
            continue
        numeric = numerical_gradient(lambda _: float(np.sum(forward(*inputs) * g)), x, h)
        if not np.allclose(grad, numeric, rtol=rtol, atol=atol):
            raise AssertionError(f"gradient of input {k} (shape {x.shape}) differs from finite differences "
                                 f"by up to {np.max(np.abs(grad - numeric)):.3g}")
        worst = max(worst, float(np.max(np.abs(grad - numeric))))
    return worst

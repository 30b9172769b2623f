"""Checks for chapter 8 (``notebooks/08_training_a_cnn.ipynb``).

Each check computes the expected value itself, with :mod:`cnnlib.layers` or from the
exercise's numbers, and never reveals it; the hints are in the notebook under each
exercise. Code exercises run the reader's function with the library's versions of the
same computation made to raise (:func:`cnnlib.checks.forbidding`).
"""
import numpy as np

from cnnlib import layers as L
from cnnlib.checks import Placeholder, close, close_each, exercise, forbidding

from . import sigmoid, xo_net

#: Exercise "the source's scores": scores of an X image, and its targets (X yes, O no).
SOURCE_SCORES, SOURCE_TARGETS = (0.92, 0.51), (1.0, 0.0)

#: Exercise "gradient at a wrong answer": one output's logit, and its target.
WRONG_LOGIT, WRONG_TARGET = -3.0, 1.0


@exercise("ch08-source-losses")
def _source_losses(answer):
    if np.shape(answer) != (2,):
        return False, "give two numbers: [mean cross-entropy, mean squared error]."
    p, t = np.array(SOURCE_SCORES), np.array(SOURCE_TARGETS)
    bce = np.mean(-t * np.log(p) - (1 - t) * np.log(1 - p))
    mse = np.mean((p - t) ** 2)
    if np.isclose(answer[0], 2 * bce, rtol=1e-3):
        return False, "that is the sum over the two outputs: take the mean."
    if np.isclose(answer[0], -np.log(p[0]), rtol=1e-3):
        return False, "the O output, whose target is 0, contributes -log(1 - p) too."
    ok, feedback = close_each([("the cross-entropy", answer[0], bce),
                               ("the squared error", answer[1], mse)], rtol=2e-3)
    if not ok:
        return False, feedback
    return True, "both losses agree (to 3 digits)."


@exercise("ch08-xo-parameters")
def _xo_parameters(answer):
    expected = sum(p.data.size for p in xo_net(np.random.default_rng(0)).parameters())
    if np.ndim(answer) != 0:
        return False, "give one whole number."
    weights_only = 3 * 9 + 3 * 3 * 9 + 12 * 2
    if int(answer) == weights_only:
        return False, "every convolution filter and every output node also has a bias."
    return close(answer, expected)


@exercise("ch08-wrong-gradient")
def _wrong_gradient(answer):
    if np.shape(answer) != (2,):
        return False, "give two numbers: [dL/dz for BCE, dL/dz for MSE]."
    p = float(sigmoid(WRONG_LOGIT))
    bce, mse = p - WRONG_TARGET, 2 * (p - WRONG_TARGET) * p * (1 - p)
    if answer[0] > 0 or answer[1] > 0:
        return False, ("the score is too low, so raising z lowers both losses: both "
                       "gradients are negative.")
    if np.isclose(answer[1], 2 * (p - WRONG_TARGET), rtol=1e-2):
        return False, ("the squared error acts on p = sigmoid(z): the chain rule "
                       "adds a factor.")
    ok, feedback = close_each([("BCE", answer[0], bce), ("MSE", answer[1], mse)],
                              rtol=2e-3)
    if not ok:
        return False, feedback
    return True, f"the squared error's gradient is {bce / mse:.0f} times smaller here."


def _cross_entropy_shortcuts():
    """What the exercise forbids: every library softmax and cross-entropy."""
    import scipy.special
    found = [L.CrossEntropyLoss, L.BCEWithLogitsLoss, scipy.special.softmax,
             scipy.special.log_softmax, scipy.special.logsumexp]
    try:
        import torch
    except ImportError:
        return found
    return found + [torch.nn.functional.cross_entropy, torch.nn.functional.log_softmax,
                    torch.nn.functional.softmax, torch.nn.functional.nll_loss,
                    torch.nn.CrossEntropyLoss, torch.log_softmax, torch.softmax]


@exercise("ch08-softmax-cross-entropy")
def _softmax_cross_entropy(fn):
    rng = np.random.default_rng(8)
    cases = [(rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])),
             (3 * rng.normal(size=(6, 10)), rng.integers(0, 10, 6)),
             (np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]]), np.array([1, 2]))]
    for i, (logits, labels) in enumerate(cases):
        reference = L.CrossEntropyLoss()
        want_loss = reference(logits, labels)
        want_grad = reference.backward()
        with forbidding(fn, _cross_entropy_shortcuts()):
            got = fn(logits.copy(), labels.copy())
        if got is None:
            raise Placeholder
        if not isinstance(got, tuple) or len(got) != 2:
            return False, "return a tuple (loss, grad)."
        loss, grad = got
        if not np.all(np.isfinite(np.asarray(grad, float))) or not np.isfinite(loss):
            return False, (f"case {i + 1} has logits of size 1000 and your result is "
                           "not finite: subtract each row's maximum before exp.")
        ok, feedback = close(loss, want_loss, rtol=1e-6)
        if not ok:
            return False, f"case {i + 1}, the loss: {feedback}"
        if np.allclose(grad, want_grad * len(labels)):
            return False, "the loss is a mean over the batch: divide its gradient by N."
        ok, feedback = close(grad, want_grad, rtol=1e-6, atol=1e-12)
        if not ok:
            return False, f"case {i + 1}, the gradient: {feedback}"
    return True, f"loss and gradient agree with CrossEntropyLoss on {len(cases)} cases."


def _momentum_shortcuts():
    found = [L.SGD, L.Adam]
    try:
        import torch
    except ImportError:
        return found
    return found + [torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW]


@exercise("ch08-momentum")
def _momentum(fn):
    rng = np.random.default_rng(9)
    for case, (lr, momentum, steps) in enumerate([(0.1, 0.9, 5), (0.05, 0.5, 8),
                                                  (0.2, 0.0, 3)]):
        w0 = rng.normal(size=(3, 2))
        grads = [rng.normal(size=w0.shape) for _ in range(steps)]
        p = L.Parameter(w0.copy())
        reference = L.SGD([p], lr=lr, momentum=momentum)
        for g in grads:
            p.grad[...] = g
            reference.step()
        with forbidding(fn, _momentum_shortcuts()):
            got = fn(w0.copy(), [g.copy() for g in grads], lr, momentum)
        if got is None:
            raise Placeholder
        if np.shape(got) != w0.shape:
            return False, f"return weights of shape {w0.shape}, not {np.shape(got)}."
        if momentum and np.allclose(got, w0 - lr * np.sum(grads, axis=0)):
            return False, "that is plain SGD: the velocity remembers earlier gradients."
        ok, feedback = close(got, p.data, rtol=1e-9, atol=1e-12)
        if not ok:
            return False, f"case {case + 1} (lr={lr}, momentum={momentum}): {feedback}"
    return True, "your steps match cnnlib.layers.SGD (and torch.optim.SGD) one by one."

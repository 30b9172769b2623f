"""Checks for chapter 5, "Multi-channel tensors" (``notebooks/05_multichannel.ipynb``).

Every expected value is computed here from :mod:`cnnlib.counting` and
:mod:`cnnlib.functional`, never typed in, and the feedback never states it. The hints
are in the notebook, under each exercise.
"""

import importlib.util

import numpy as np

from cnnlib.checks import close, exercise, same_function
from cnnlib.counting import conv_params
from cnnlib.functional import conv2d, conv_output_size

from . import EXERCISE_B, EXERCISE_W, TWO_CHANNEL_X, channel_sums

# The layers the exercises ask about (the notebook states the same settings).
PARAMS_LAYER = dict(c_in=64, c_out=128, kernel_size=(5, 5), bias=True)
SHAPE_LAYER = dict(n=8, c_in=3, h=64, w=48, c_out=16, kernel=5, stride=2, padding=1)
GROUPED_LAYER = dict(c_in=64, c_out=128, kernel=3, groups=4)
KERNELS_LAYER = dict(c_in=16, c_out=32, kernel=3)


def _as_shape(answer, n):
    shape = tuple(int(v) for v in answer)
    if len(shape) != n:
        raise ValueError(
            f"a shape with {n} entries is expected, yours has {len(shape)}"
        )
    return shape


@exercise("ch05-params")
def _params(answer):
    expected = conv_params(**PARAMS_LAYER)
    ok, feedback = close(answer, expected)
    if not ok and np.isclose(float(answer), expected - PARAMS_LAYER["c_out"]):
        return False, "you are missing the biases."
    return ok, feedback


@exercise("ch05-output-shape")
def _output_shape(answer):
    s = SHAPE_LAYER
    size = dict(kernel_size=s["kernel"], stride=s["stride"], padding=s["padding"])
    expected = (
        s["n"],
        s["c_out"],
        conv_output_size(s["h"], **size),
        conv_output_size(s["w"], **size),
    )
    shape = _as_shape(answer, 4)
    if shape == expected:
        return True, ""
    notes = []
    if shape[0] != expected[0]:
        notes.append("the batch size N passes through a convolution unchanged")
    if shape[1] != expected[1]:
        notes.append("the number of output channels is the number of filters")
    if shape[2:] != expected[2:]:
        notes.append(
            "check H' and W' with the output-size formula (padding on both sides, "
            "floor)"
        )
    return False, "; ".join(notes) + "."


@exercise("ch05-grouped-weight")
def _grouped_weight(answer):
    g = GROUPED_LAYER
    expected = (g["c_out"], g["c_in"] // g["groups"], g["kernel"], g["kernel"])
    shape = _as_shape(answer, 4)
    if shape == expected:
        return True, ""
    if shape[1] == g["c_in"]:
        return False, "each filter sees only the input channels of its own group."
    if shape[0] != expected[0]:
        return (
            False,
            "the first entry counts all the filters of the layer, across groups.",
        )
    return False, "compare your shape entry by entry with torch's weight layout."


@exercise("ch05-kernels-count")
def _kernels_count(answer):
    k = KERNELS_LAYER
    ok, feedback = close(answer, k["c_out"] * k["c_in"])
    if not ok and np.isclose(float(answer), k["c_out"]):
        return (
            False,
            "that is the number of filters; each filter holds several kernels.",
        )
    return ok, feedback


def _reference_conv(x, w, b):
    return conv2d(x, w, b)


def _cases():
    rng = np.random.default_rng(5)
    shapes = [
        ((1, 3, 8, 8), (1, 3, 3, 3)),
        ((2, 3, 7, 9), (4, 3, 3, 3)),
        ((1, 5, 6, 6), (2, 5, 1, 1)),
        ((3, 2, 5, 6), (3, 2, 2, 3)),
    ]
    return [
        (rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=ws[0]))
        for xs, ws in shapes
    ]


def multichannel_shortcuts():
    """What ch05-channel-sum forbids: every routine that sums over channels for you.

    cnnlib's convolutions (any number of channels), their backward passes and
    ``linear_matrix``; numpy's ``einsum``, ``tensordot`` and ``inner``; scipy's N-d
    ``correlate``/``convolve``/``fftconvolve``/``oaconvolve`` and ``scipy.ndimage``'s
    ``correlate``/``convolve``; torch's ``conv2d`` (``torch.nn.Conv2d`` calls it); and
    this chapter's own :func:`~cnnlib.chapters.ch05_multichannel.channel_sums`. Allowed,
    as the exercise says: ``scipy.signal.correlate2d``, which takes one 2D channel only.
    """
    import scipy.ndimage
    import scipy.signal

    import cnnlib.functional as F

    found = [
        F.conv1d, F.conv2d, F.conv3d, F.conv_nd, F.conv_nd_naive,
        F.conv1d_backward, F.conv2d_backward, F.conv3d_backward, F.conv_nd_backward,
        F.linear_matrix,
        np.einsum, np.tensordot, np.inner,
        scipy.signal.correlate, scipy.signal.convolve, scipy.signal.fftconvolve,
        scipy.signal.oaconvolve, scipy.ndimage.correlate, scipy.ndimage.convolve,
        channel_sums,
    ]  # fmt: skip
    if importlib.util.find_spec("torch") is not None:
        import torch  # loaded now, so that a function importing it later meets the ban

        found += [torch.conv2d, torch.nn.functional.conv2d]
    return found


@exercise("ch05-channel-sum")
def _channel_sum(fn):
    if not callable(fn):
        return False, "pass your function itself (no parentheses)."
    return same_function(fn, _reference_conv, _cases(), forbid=multichannel_shortcuts())


@exercise("ch05-two-channel")
def _two_channel(answer):
    expected = conv2d(TWO_CHANNEL_X[None], EXERCISE_W[None], np.array([EXERCISE_B]))[
        0, 0
    ]
    answer = np.asarray(answer, dtype=float)
    if answer.shape != expected.shape:
        return False, f"the output is a {expected.shape[0]}x{expected.shape[1]} array."
    if np.allclose(answer, expected - EXERCISE_B):
        return False, "you left out the bias."
    per_channel, _ = channel_sums(TWO_CHANNEL_X, EXERCISE_W)
    if any(
        np.allclose(answer, p) or np.allclose(answer, p + EXERCISE_B)
        for p in per_channel
    ):
        return False, "that is one channel's response; the filter adds both channels."
    return close(answer, expected)

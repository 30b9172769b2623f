"""Checks for chapter 6, "Pooling" (``notebooks/06_pooling.ipynb``).

Expected values come from :mod:`cnnlib.functional`, never typed in, and the feedback
never states them. The hints are in the notebook, under each exercise.
"""

import importlib.util
import inspect

import numpy as np

from cnnlib.checks import close, exercise, same_function
from cnnlib.functional import (
    avg_pool2d,
    global_avg_pool,
    max_pool2d,
    max_pool2d_backward,
)

from . import BY_HAND, GAP_X, GRAD_OUT, pool_map

#: ch06-output-size: input shape, window, stride (AlexNet's overlapping pooling).
SIZE_INPUT, SIZE_WINDOW, SIZE_STRIDE = (8, 96, 55, 55), 3, 2


@exercise("ch06-by-hand")
def _by_hand(answer):
    if len(answer) != 2:
        return False, "give a pair (max_out, avg_out) of 2x2 arrays."
    max_out, avg_out = answer
    x = BY_HAND[None, None]
    ok, fb = close(max_out, max_pool2d(x, 2)[0, 0])
    if not ok:
        return False, "max pooling: " + fb
    ok, fb = close(avg_out, avg_pool2d(x, 2)[0, 0])
    if not ok:
        return False, "average pooling: " + fb
    return True, "both pooled maps are right."


@exercise("ch06-output-size")
def _output_size(answer):
    expected = max_pool2d(np.zeros(SIZE_INPUT), SIZE_WINDOW, SIZE_STRIDE).shape
    answer = tuple(int(a) for a in answer)
    if len(answer) != 4:
        return (
            False,
            f"give all four sizes (N, C, H_out, W_out); you gave {len(answer)}.",
        )
    if answer[:2] != expected[:2]:
        return False, "pooling keeps N and C unchanged."
    return close(answer, expected)


def pool_shortcuts():
    """What ch06-reshape-maxpool forbids: every routine that pools for you.

    ``cnnlib.functional``'s pools (max, avg and min, in 1, 2, 3 and N dimensions, and
    their backward passes), this chapter's
    :func:`~cnnlib.chapters.ch06_pooling.pool_map`, ``skimage.measure.block_reduce`` and
    torch's max pools (``torch.nn.functional.max_pool2d``, ``max_pool2d_with_indices``,
    ``adaptive_max_pool2d``, ``torch.max_pool2d``; ``torch.nn.MaxPool2d`` calls them).
    """
    import cnnlib.functional as F

    found = [
        fn for name, fn in vars(F).items()
        if "pool" in name and not name.startswith("_") and inspect.isfunction(fn)
    ]  # fmt: skip
    found.append(pool_map)
    if importlib.util.find_spec("skimage") is not None:
        import skimage.measure

        found.append(skimage.measure.block_reduce)  # also loads its submodule
    if importlib.util.find_spec("torch") is not None:
        import torch  # loaded now, so that a function importing it later meets the ban

        tf = torch.nn.functional
        found += [
            tf.max_pool2d, tf.max_pool2d_with_indices, tf.adaptive_max_pool2d,
            torch.max_pool2d,
        ]  # fmt: skip
    return found


@exercise("ch06-reshape-maxpool")
def _reshape_maxpool(fn):
    rng = np.random.default_rng(6)
    shapes = [(1, 1, 4, 4), (2, 3, 6, 8), (1, 2, 7, 9)]  # odd sizes: the last row goes
    cases = [(rng.standard_normal(shape),) for shape in shapes]
    if not callable(fn):
        return False, "pass your function itself (no parentheses)."
    return same_function(fn, lambda x: max_pool2d(x, 2), cases, forbid=pool_shortcuts())


@exercise("ch06-gradient")
def _gradient(answer):
    expected = max_pool2d_backward(GRAD_OUT[None, None], BY_HAND[None, None], 2)[0, 0]
    answer = np.asarray(answer, dtype=float)
    if (
        answer.shape == (4, 4)
        and np.isclose(answer.sum(), GRAD_OUT.sum())
        and not np.allclose(answer, expected)
    ):
        return False, (
            "the total is right, so some gradients went to the wrong position in their "
            "window."
        )
    return close(answer, expected)


@exercise("ch06-gap")
def _gap(answer):
    expected = global_avg_pool(GAP_X)
    answer = np.asarray(answer, dtype=float)
    if answer.size != expected.size:
        return (
            False,
            "give one number per channel: global average pooling gives (N, C).",
        )
    if answer.shape != expected.shape:
        answer = answer.reshape(expected.shape)
    if np.allclose(answer, GAP_X.max(axis=(2, 3))):
        return False, "that is global *max* pooling; average each channel instead."
    return close(answer, expected)


@exercise("ch06-relu-commute")
def _relu_commute(answer):
    x = np.asarray(answer, dtype=float)
    if x.shape != (2, 2):
        return False, "give one 2x2 window as a 2x2 array."
    x4 = x[None, None]
    relu_then_avg = avg_pool2d(np.maximum(x4, 0), 2)
    avg_then_relu = np.maximum(avg_pool2d(x4, 2), 0)
    if np.allclose(relu_then_avg, avg_then_relu):
        return False, (
            "for this window both orders agree; what happens when some values are "
            "negative and some positive?"
        )
    return True, (
        f"ReLU then average gives {relu_then_avg.item():g}, average then ReLU "
        f"{avg_then_relu.item():g}; for max pooling both orders give "
        f"{max_pool2d(np.maximum(x4, 0), 2).item():g}."
    )

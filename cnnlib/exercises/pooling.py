"""Checks for chapter 6 (pooling). Expected values come from :mod:`cnnlib.functional`."""
import numpy as np

from . import close, exercise, same_function
from ..functional import max_pool2d, max_pool2d_backward, avg_pool2d

#: The 4x4 activation map of the by-hand exercises (ch06-by-hand, ch06-gradient).
BY_HAND = np.array([[1, 3, 2, 0],
                    [4, 2, 1, 5],
                    [0, 6, 3, 3],
                    [2, 1, 7, 1]], dtype=float)
#: The gradient arriving at the 2x2 max-pooled output in ch06-gradient.
GRAD_OUT = np.array([[10, 20],
                     [30, 40]], dtype=float)
#: ch06-output-size: input shape, window, stride (AlexNet's overlapping pooling).
SIZE_INPUT, SIZE_WINDOW, SIZE_STRIDE = (8, 96, 55, 55), 3, 2


@exercise("ch06-by-hand", "pool each 2x2 block separately: top-left block is rows 0-1, columns 0-1; "
                          "the answer is a pair (max_out, avg_out) of 2x2 arrays.")
def _by_hand(answer):
    max_out, avg_out = answer
    x = BY_HAND[None, None]
    ok, fb = close(max_out, max_pool2d(x, 2)[0, 0])
    if not ok:
        return False, "max pooling: " + fb
    ok, fb = close(avg_out, avg_pool2d(x, 2)[0, 0])
    if not ok:
        return False, "average pooling: " + fb
    return True, "both pooled maps are right."


@exercise("ch06-output-size", "each spatial size is floor((H - K) / S) + 1; batch and channels pass through.")
def _output_size(answer):
    expected = max_pool2d(np.zeros(SIZE_INPUT), SIZE_WINDOW, SIZE_STRIDE).shape
    answer = tuple(int(a) for a in answer)
    if len(answer) != 4:
        return False, f"give all four dimensions (N, C, H_out, W_out); you gave {len(answer)}."
    if answer[:2] != expected[:2]:
        return False, "pooling keeps N and C unchanged."
    return close(answer, expected)


@exercise("ch06-reshape-maxpool", "crop to even height and width, reshape (N, C, H, W) to (N, C, H/2, 2, W/2, 2), "
                                  "then take the max over axes 3 and 5.")
def _reshape_maxpool(fn):
    rng = np.random.default_rng(6)
    cases = [(rng.standard_normal((1, 1, 4, 4)),), (rng.standard_normal((2, 3, 6, 8)),),
             (rng.standard_normal((1, 2, 7, 9)),)]
    return same_function(fn, lambda x: max_pool2d(x, 2), cases)


@exercise("ch06-gradient", "each window's gradient goes entirely to the position of that window's largest input; "
                           "every other position gets 0. The answer is a 4x4 array.")
def _gradient(answer):
    expected = max_pool2d_backward(GRAD_OUT[None, None], BY_HAND[None, None], 2)[0, 0]
    answer = np.asarray(answer, dtype=float)
    if answer.shape == (4, 4) and np.isclose(answer.sum(), GRAD_OUT.sum()) and not np.allclose(answer, expected):
        return False, "the total is right, so some gradients went to the wrong position in their window."
    return close(answer, expected)

"""Checks for chapter 2 (``notebooks/02_continuous_and_discrete.ipynb``).

Each check computes the expected value itself with :mod:`cnnlib.functional` and never
reveals it. The hints are in the notebook, under each exercise.
"""

import numpy as np

from cnnlib.checks import close, exercise, same_function
from cnnlib.functional import convolve, correlate

from . import BOUNDARY_MODES

BY_HAND = ([1.0, 2.0, 3.0], [0.0, 1.0, 0.5])
SIGMAS = (0.5, 1.2)
MODE_LENGTHS = (100, 7)  # (M, N) for the boundary-mode exercise


@exercise("ch02-by-hand")
def _by_hand(answer):
    a, v = (np.array(s) for s in BY_HAND)
    answer = np.asarray(answer, dtype=float)
    expected = convolve(a, v, "full")
    if answer.shape == expected.shape and np.allclose(answer, correlate(a, v, "full")):
        return False, "that is the cross-correlation: the kernel was not flipped."
    return close(answer, expected)


def _cases(seed=2):
    rng = np.random.default_rng(seed)
    cases = [
        (np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])),
        (np.array([2.0]), np.array([1.0, -1.0])),
    ]
    for m, n in [(5, 3), (3, 5), (8, 8), (12, 1), (1, 4), (20, 6)]:
        cases.append((rng.normal(size=m), rng.normal(size=n)))
    return cases


def _shortcuts():
    """Routines that convolve whole sequences: ch02-loops asks for plain loops."""
    try:  # imported now, so that a function importing torch itself meets the ban too
        import torch

        torch_routes = [torch.conv1d, torch.nn.functional.conv1d]
    except ImportError:
        torch_routes = []
    import scipy.fft
    import scipy.linalg
    import scipy.ndimage
    import scipy.signal
    from numpy.lib.stride_tricks import as_strided, sliding_window_view

    import cnnlib.functional as F

    from . import fft_convolve

    found = [
        F.convolve,
        F.correlate,
        F.continuous_convolve,
        F.conv1d,
        F.conv_nd,
        F.conv_nd_naive,
        F.linear_matrix,
        fft_convolve,
        np.convolve,
        np.correlate,
        np.polymul,
        np.polynomial.polynomial.polymul,
        sliding_window_view,
        as_strided,
        np.fft.fft,
        np.fft.ifft,
        np.fft.rfft,
        np.fft.irfft,
        scipy.fft.fft,
        scipy.fft.ifft,
        scipy.fft.rfft,
        scipy.fft.irfft,
        scipy.signal.convolve,
        scipy.signal.correlate,
        scipy.signal.fftconvolve,
        scipy.signal.oaconvolve,
        scipy.ndimage.convolve1d,
        scipy.ndimage.correlate1d,
        scipy.linalg.convolution_matrix,
    ]
    return torch_routes + found


@exercise("ch02-loops")
def _loops(answer):
    if not callable(answer):
        return (
            False,
            "the answer should be your function (my_convolve itself, not a call).",
        )
    reference = lambda a, v: convolve(a, v, "full")  # noqa: E731
    return same_function(answer, reference, _cases(), forbid=_shortcuts())


@exercise("ch02-gaussian-variance")
def _gaussian_variance(answer):
    s1, s2 = SIGMAS
    if np.ndim(answer) == 0 and np.isclose(float(answer), np.hypot(s1, s2)):
        return False, "that is the standard deviation of the result, not its variance."
    return close(answer, s1**2 + s2**2)


@exercise("ch02-mode-lengths")
def _mode_lengths(answer):
    m, n = MODE_LENGTHS
    a, v = np.zeros(m), np.zeros(n)
    expected = [len(convolve(a, v, mode)) for mode in BOUNDARY_MODES]
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        return False, "give three lengths (full, same, valid) as a tuple."
    return close(answer, expected)

"""Checks for chapter 7 (``notebooks/07_backpropagation.ipynb``).

Each check computes the expected value itself with :mod:`cnnlib.functional` (or
:mod:`cnnlib.counting`) and never reveals it. The hints are in the notebook, under each
exercise.
"""

import sys

import numpy as np

import cnnlib.functional as F
from cnnlib import counting, gradcheck
from cnnlib.checks import Placeholder, close, close_each, exercise, forbidding, same_function

#: Exercise "by hand": inputs, kernel and upstream gradients of a 1D convolution.
BY_HAND = {
    "x": (3.0, -1.0, 2.0, 0.0, 1.0),
    "w": (1.0, 0.0, -2.0),
    "d": (2.0, 1.0, -1.0),
}

#: Exercise "pooling ties": a 4x4 map with ties; 2x2 max pooling, stride 1, upstream 1s.
POOL_MAP = np.array(
    [
        [1.0, 3.0, 3.0, 0.0],
        [2.0, 3.0, 1.0, 4.0],
        [2.0, 0.0, 4.0, 4.0],
        [1.0, 2.0, 2.0, 1.0],
    ]
)

#: Exercise "stride zeros": the forward convolution's size, kernel, stride, padding.
STRIDE_CASE = {"size": 11, "kernel": 3, "stride": 3, "padding": 1}

#: Exercise "parameter count": a 32x32 RGB input through this stack (stride 1, no pad).
NETWORK = (
    ("conv", 3, 16, 5),
    ("relu",),
    ("maxpool", 2),
    ("conv", 16, 32, 3),
    ("relu",),
    ("maxpool", 2),
    ("flatten",),
    ("linear", 10),
)


def _by_hand_expected():
    x, w, d = (np.array(BY_HAND[k])[None, None] for k in ("x", "w", "d"))
    dx, dw, db = F.conv1d_backward(d, x, w, np.zeros(1))
    return dx[0, 0], dw[0, 0], float(db[0])


@exercise("ch07-by-hand")
def _by_hand(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        return (
            False,
            "give a tuple (dx, dw, db): five numbers, three numbers and one number.",
        )
    dx, dw, db = answer
    e_dx, e_dw, e_db = _by_hand_expected()
    if np.shape(dx) != (5,) or np.shape(dw) != (3,) or np.ndim(db) != 0:
        return (
            False,
            "dx needs 5 entries (one per input), dw 3 (one per weight) and db one "
            "number.",
        )
    d, w = np.array(BY_HAND["d"]), np.array(BY_HAND["w"])
    if np.allclose(dx, F.correlate(d, w, "full")) and not np.allclose(dx, e_dx):
        return (
            False,
            "dx has the kernel the wrong way round: which weight multiplies x1 in O1?",
        )
    ok, feedback = close_each([("dx", dx, e_dx), ("dw", dw, e_dw), ("db", db, e_db)])
    if not ok:
        return False, feedback
    return True, "all nine numbers agree with conv1d_backward."


def _shortcuts():
    """Routes to a convolution's gradient that ch07-backward-loops asks the reader not
    to take."""
    from numpy.lib.stride_tricks import as_strided, sliding_window_view

    names = (
        "conv1d_backward conv2d_backward conv3d_backward conv_nd_backward conv1d "
        "conv2d conv_nd conv_nd_naive convolve correlate linear_matrix"
    ).split()
    found = [getattr(F, name) for name in names]
    found += [np.convolve, np.correlate, sliding_window_view, as_strided]
    torch = sys.modules.get("torch")  # a reader's function can reach it only if loaded
    if torch is not None:
        tf = torch.nn.functional
        found += [
            torch.autograd.grad,
            torch.autograd.backward,
            tf.conv1d,
            tf.conv_transpose1d,
            torch.conv1d,
            torch.conv_transpose1d,
        ]
    return found


def _reference_1d(dy, x, w, stride=1, padding=0):
    dx, dw, db = F.conv1d_backward(
        np.asarray(dy)[None, None],
        np.asarray(x)[None, None],
        np.asarray(w)[None, None],
        np.zeros(1),
        stride=stride,
        padding=padding,
    )
    return np.concatenate([dx[0, 0], dw[0, 0], db])


def _loop_cases(seed=7):
    rng = np.random.default_rng(seed)
    cases = [
        (
            np.array([1.0, -1.0, 2.0]),
            np.array(BY_HAND["x"]),
            np.array(BY_HAND["w"]),
            1,
            0,
        )
    ]
    # (length, kernel, stride, padding)
    sizes = [(5, 3, 1, 0), (8, 3, 2, 0), (7, 2, 3, 1), (9, 4, 2, 2), (6, 1, 1, 0)]
    sizes += [(4, 4, 1, 1), (10, 3, 3, 2)]
    for length, k, s, p in sizes:
        out = F.conv_output_size(length, k, stride=s, padding=p)
        cases.append(
            (rng.normal(size=out), rng.normal(size=length), rng.normal(size=k), s, p)
        )
    return cases


def _not_a_function(answer, name):
    """Feedback when ``answer`` is not the reader's own function, else None."""
    if not callable(answer):
        return f"the answer should be your function ({name} itself, not a call)."
    return None


@exercise("ch07-backward-loops")
def _backward_loops(answer):
    problem = _not_a_function(answer, "my_conv1d_backward")
    if problem:
        return False, problem
    if any(answer is fn for fn in _shortcuts()):
        return False, "that is a library function itself: write the loops yourself."

    def flat(dy, x, w, stride, padding):
        got = answer(dy, x, w, stride, padding)
        if got is None:
            return None
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            raise ValueError("return a tuple (dx, dw, db)")
        dx, dw, db = got
        if (
            np.shape(dx) != np.shape(x)
            or np.shape(dw) != np.shape(w)
            or np.ndim(db) != 0
        ):
            raise ValueError(
                f"dx should have shape {np.shape(x)}, dw {np.shape(w)}, db be a "
                "number; "
                f"got {np.shape(dx)}, {np.shape(dw)}, {np.shape(db)}"
            )
        return np.concatenate([np.ravel(dx), np.ravel(dw), [float(db)]])

    return same_function(
        _Wrapped(flat, answer), _reference_1d, _loop_cases(), forbid=_shortcuts()
    )


class _Wrapped:
    """``flat`` to call, with the reader's function's globals for :func:`forbidding`."""

    def __init__(self, fn, reader):
        self.fn, self.__globals__ = fn, reader.__globals__

    def __call__(self, *args):
        return self.fn(*args)


def _layers(seed=3):
    """``(name, forward, backward, x, broken)``: layers whose backward the check knows.

    ``backward(g, x)`` returns the input gradient; ``broken`` says whether it is wrong.
    """
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(1, 1, 3))

    def conv(x):
        return F.conv1d(x, w, stride=2, padding=1)

    def conv_back(g, x):
        return F.conv1d_backward(g, x, w, stride=2, padding=1)[0]

    def no_flip(g, x):  # the chapter's bug, for stride 1
        return F.correlate(g[0, 0], w[0, 0], "full")[None, None]

    def relu_back(g, x):
        return g * (x > 0)

    def tanh_back(g, x):
        return g * (1 - np.tanh(x) ** 2)

    return [
        (
            "conv1d, stride 2, padding 1",
            conv,
            conv_back,
            rng.normal(size=(1, 1, 9)),
            False,
        ),
        (
            "conv1d without the flip",
            lambda x: F.conv1d(x, w),
            no_flip,
            rng.normal(size=(1, 1, 8)),
            True,
        ),
        (
            "ReLU",
            lambda x: np.maximum(x, 0),
            relu_back,
            rng.normal(size=(2, 3)) + 0.05,
            False,
        ),
        (
            "tanh with a wrong backward",
            np.tanh,
            lambda g, x: g * (1 - np.tanh(x)),
            rng.normal(size=(4,)),
            True,
        ),
        ("tanh", np.tanh, tanh_back, rng.normal(size=(3, 2)), False),
    ]


#: The step the gradient check is called with: central differences are good to about
#: h**2 = 1e-8 there, one-sided ones only to about h = 1e-4, which the check refuses.
STEP = 1e-4


@exercise("ch07-gradient-check")
def _gradient_check(answer):
    problem = _not_a_function(answer, "my_gradient_check")
    if problem:
        return False, problem
    banned = [gradcheck.numerical_gradient, gradcheck.check_backward, np.gradient]
    torch = sys.modules.get("torch")
    if torch is not None:
        banned += [torch.autograd.grad, torch.autograd.backward, torch.func.grad]
    if any(answer is fn for fn in banned):
        return False, "that is the library's function itself: write the check yourself."
    for name, forward, backward, x, broken in _layers():
        before = x.copy()
        with forbidding(answer, banned):
            error = answer(forward, backward, x, STEP)
        if error is None:
            raise Placeholder
        if not np.array_equal(x, before):
            return (
                False,
                f"on {name} your function left x changed: put each entry back.",
            )
        if np.ndim(error) != 0 or not np.isfinite(float(error)):
            return False, f"on {name} it returned {error!r}; return one number."
        if broken and float(error) < 0.1:
            return False, (
                f"on {name}, whose backward is wrong, your check reports "
                f"{float(error):.2g}: it should be near 1."
            )
        if not broken and float(error) > 1e-6:
            return False, (
                f"on {name}, whose backward is right, your check reports "
                f"{float(error):.2g}: compare with sum(forward(x) * g), "
                "differentiated one entry at a time."
            )
    return (
        True,
        "it passes the three right backward passes and catches the two wrong ones.",
    )


@exercise("ch07-pool-ties")
def _pool_ties(answer):
    x = POOL_MAP[None, None]
    dy = np.ones((1, 1, 3, 3))
    expected = F.max_pool2d_backward(dy, x, 2, stride=1)[0, 0]
    answer = np.asarray(answer, dtype=float)
    if answer.shape == expected.shape and not np.isclose(answer.sum(), expected.sum()):
        return False, (
            f"your gradients add up to {answer.sum():g}; each of the 9 windows passes "
            "its "
            "gradient of 1 to exactly one input."
        )
    return close(answer, expected)


def _stride_expected():
    h, k, s, p = (STRIDE_CASE[key] for key in ("size", "kernel", "stride", "padding"))
    out = F.conv_output_size(h, k, stride=s, padding=p)
    spread = s * (out - 1) + 1
    r = (h + 2 * p) - (spread + 2 * (k - 1) - k + 1)
    return out, spread, r


@exercise("ch07-stride-zeros")
def _stride_zeros(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        return False, "give a tuple of three integers (out, spread, r)."
    expected = _stride_expected()
    names = (
        "out (the forward output length)",
        "spread (the length after inserting zeros)",
        "r (the unreached rows)",
    )
    return close_each(zip(names, answer, expected))


def _network_params():
    size, channels, total, weights = 32, 3, 0, 0
    for layer in NETWORK:
        if layer[0] == "conv":
            _, c_in, c_out, k = layer
            total += counting.conv_params(c_in, c_out, (k, k))
            weights += counting.conv_params(c_in, c_out, (k, k), bias=False)
            size, channels = F.conv_output_size(size, k), c_out
        elif layer[0] == "maxpool":
            size = F.conv_output_size(size, layer[1], stride=layer[1])
        elif layer[0] == "linear":
            n_in = channels * size * size
            total += counting.dense_params(n_in, layer[1])
            weights += counting.dense_params(n_in, layer[1], bias=False)
    return total, weights


@exercise("ch07-param-count")
def _param_count(answer):
    total, weights = _network_params()
    if np.ndim(answer) == 0 and np.isclose(float(answer), weights):
        return (
            False,
            "that counts the weights only: every conv filter and every output unit has "
            "a bias.",
        )
    return close(answer, total)

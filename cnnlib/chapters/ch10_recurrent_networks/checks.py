"""Checks for chapter 10 (``notebooks/10_recurrent_networks.ipynb``).

Each check computes the expected value itself (with the chapter's functions, torch or
:mod:`cnnlib.models`) and never reveals it. The hints are in the notebook, under each
exercise.
"""

import math
import sys

import numpy as np

from cnnlib.checks import Placeholder, close, exercise, forbidding, same_function

from . import clip_by_norm, hello_pairs, rnn_forward

NOT_A_FUNCTION = (False, "the answer should be your function itself, not a call.")
VANISHING = (0.9, 50)  # (w, steps) of the by-hand vanishing-gradient exercise


@exercise("ch10-param-count")
def _param_count(answer):
    import torch

    from cnnlib.models import VanillaRNN

    cell, head = VanillaRNN(4, 3), torch.nn.Linear(3, 4)
    expected = sum(p.numel() for p in [*cell.parameters(), *head.parameters()])
    if np.ndim(answer) != 0:
        return False, "give one number: the total count of weights and biases."
    if answer == expected - 3 - 4:
        return (
            False,
            "you counted the matrices; the two bias vectors are parameters too.",
        )
    if answer == expected + 3:
        return (
            False,
            (
                "torch.nn.RNN stores two bias vectors, but only their sum matters: "
                "count one b."
            ),
        )
    return close(answer, expected)


@exercise("ch10-memoryless-loss")
def _memoryless_loss(answer):
    pairs = hello_pairs()
    # The best memoryless model predicts, for each input, the frequencies of the
    # targets that follow it.
    targets = {}
    for x, y in pairs:
        targets.setdefault(x, []).append(y)
    loss = 0.0
    for x, y in pairs:
        loss -= math.log(targets[x].count(y) / len(targets[x]))
    expected = loss / len(pairs)
    if np.ndim(answer) == 0 and np.isclose(float(answer), loss):
        return (
            False,
            "that is the total over the four pairs; the loss here is their mean.",
        )
    if np.ndim(answer) == 0 and np.isclose(float(answer), math.log(2)):
        return False, "that is the loss of one 'l' pair; average over all four pairs."
    return close(answer, expected, rtol=1e-3)


def _forward_cases(seed=3):
    rng = np.random.default_rng(seed)
    cases = []
    for T, D, H in [(4, 4, 3), (1, 2, 5), (7, 3, 2), (12, 6, 8)]:
        cases.append(
            (
                rng.normal(size=(T, D)),
                rng.normal(size=H),
                rng.normal(size=(H, D)),
                rng.normal(size=(H, H)) * 0.7,
                rng.normal(size=H),
            )
        )
    return cases


def _forward_shortcuts():
    from cnnlib import models

    from . import bptt, gradient_norms_through_time

    found = [rnn_forward, bptt, gradient_norms_through_time, models.rnn_step]
    torch = sys.modules.get("torch")
    if torch is not None:
        found += [
            torch.rnn_tanh,
            torch.rnn_tanh_cell,
            torch.nn.RNN,
            torch.nn.RNNCell,
            models.VanillaRNN,
        ]
    return found


@exercise("ch10-rnn-forward")
def _rnn_forward(answer):
    if not callable(answer):
        return NOT_A_FUNCTION

    def reference(x, h0, W_xh, W_hh, b):
        return rnn_forward(x, h0, W_xh, W_hh, b)[1:]

    return same_function(
        answer, reference, _forward_cases(), forbid=_forward_shortcuts()
    )


def _softmax_reference(logits, temperature):
    z = np.asarray(logits, dtype=float) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_shortcuts():
    import scipy.special

    from cnnlib import models

    found = [
        scipy.special.softmax,
        scipy.special.log_softmax,
        models.softmax_temperature,
    ]
    torch = sys.modules.get("torch")
    if torch is not None:
        found += [
            torch.softmax,
            torch.nn.functional.softmax,
            torch.log_softmax,
            torch.nn.functional.log_softmax,
        ]
    return found


def _temperature_cases(seed=4):
    """(logits, temperature) pairs; the last two overflow an unshifted softmax."""
    rng = np.random.default_rng(seed)
    z = np.array([2.0, 1.0, 0.0, -1.0])
    return [(z, 1.0), (z, 0.5), (rng.normal(size=27), 1.7),
            (rng.normal(size=(3, 5)), 0.8),
            (np.array([1000.0, 999.0, 0.0]), 1.0), (np.array([-800.0, -801.0]), 0.1)]


@exercise("ch10-temperature")
def _temperature(answer):
    if not callable(answer):
        return NOT_A_FUNCTION
    ok, feedback = same_function(
        answer, _softmax_reference, _temperature_cases(), forbid=_softmax_shortcuts()
    )
    if not ok and ("test case 5" in feedback or "test case 6" in feedback):
        feedback += " Those logits are huge: exp overflows unless you shift them first."
    return ok, feedback


@exercise("ch10-clip")
def _clip(answer):
    if not callable(answer):
        return NOT_A_FUNCTION
    rng = np.random.default_rng(5)
    normal = rng.normal
    cases = [[np.array([3.0, 4.0])], [normal(size=(3, 4)) * 10, normal(size=3)],
             [normal(size=(2, 2)) * 0.01, normal(size=5) * 0.01],
             [normal(size=(4, 4)), np.zeros(2), normal(size=1) * 100]]
    torch = sys.modules.get("torch")
    forbid = [clip_by_norm]
    if torch is not None:  # the last two exist from torch 2.6 on
        names = (
            "clip_grad_norm_",
            "clip_grad_value_",
            "get_total_norm",
            "clip_grads_with_norm_",
        )
        forbid += [
            getattr(torch.nn.utils, n) for n in names if hasattr(torch.nn.utils, n)
        ]
    count = 0
    for max_norm in (1.0, 0.5, 5.0):
        for i, grads in enumerate(cases):
            expected = clip_by_norm(grads, max_norm)[0]
            with forbidding(answer, forbid):
                got = answer([g.copy() for g in grads], max_norm)
            if got is None:
                raise Placeholder
            got = list(got)
            if len(got) != len(expected):
                return (
                    False,
                    f"return one array per gradient ({len(expected)}), not {len(got)}.",
                )
            for g, e in zip(got, expected):
                ok, feedback = close(g, e, rtol=1e-5, atol=1e-8)
                if not ok:
                    return (
                        False,
                        f"with max_norm = {max_norm}, on test case {i + 1}: {feedback}",
                    )
            count += 1
    return True, f"agrees with the reference on {count} test cases."


@exercise("ch10-vanishing")
def _vanishing(answer):
    w, steps = VANISHING
    if np.ndim(answer) == 0 and np.isclose(float(answer), w ** (steps - 1), rtol=1e-3):
        return (
            False,
            (
                "count the steps again: the gradient passes through the weight once "
                "per step."
            ),
        )
    if np.ndim(answer) == 0 and np.isclose(float(answer), steps * w, rtol=1e-3):
        return False, "the factors multiply, they do not add."
    return close(answer, w**steps, rtol=1e-2)

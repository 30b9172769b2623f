"""Auto-checks for the chapters' exercises.

In a notebook::

    from cnnlib.checks import check
    check("ch01-param-count", answer)   # prints a pass, or a fail with feedback; returns True/False

A check never prints the solution: it compares the answer with a value it computes itself
(usually with :mod:`cnnlib.functional`) and, on a fail, says what kind of mistake it sees. The
hint lives in one place, under the exercise in the notebook, and a fail points to it.

Each chapter's checks are in ``cnnlib/chapters/chNN_slug/checks.py``, registered with
:func:`exercise` under ids ``chNN-*``; :func:`check` imports them when first asked.

Where an exercise forbids a shortcut ("without calling ``conv2d``"), the check calls the reader's
function inside :func:`forbidding`, which swaps the named library functions for ones that raise
:class:`Forbidden`, so an answer that takes the shortcut cannot pass.
"""
import contextlib
import importlib
import importlib.util
import pkgutil
import sys

import numpy as np

_CHECKS = {}


def exercise(exercise_id):
    """Register ``fn(answer) -> (ok, feedback)`` as the check for ``exercise_id`` (``chNN-name``)."""
    def register(fn):
        if exercise_id in _CHECKS:
            raise ValueError(f"exercise id {exercise_id!r} is registered twice")
        _CHECKS[exercise_id] = fn
        return fn
    return register


def _load(prefix=""):
    """Import the checks of every chapter whose package name starts with ``prefix`` (``ch04``)."""
    import cnnlib.chapters as chapters
    for info in pkgutil.iter_modules(chapters.__path__):
        name = f"{chapters.__name__}.{info.name}.checks"
        if info.name.startswith(prefix) and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def _load_all():
    _load()


def ids():
    """All registered exercise ids, sorted."""
    _load_all()
    return sorted(_CHECKS)


def check(exercise_id, answer):
    """Check ``answer`` for the exercise ``exercise_id``; print the verdict and return it as a bool.

    A placeholder answer (``...``, ``None``, a function whose body is ``...``) prints "no answer
    yet" and returns ``None``.

    Raises:
        ValueError: for an unknown exercise id.
    """
    _load(str(exercise_id).split("-")[0] + "_")
    if exercise_id not in _CHECKS:
        raise ValueError(f"no exercise {exercise_id!r}; known: {', '.join(sorted(_CHECKS))}")
    try:
        if answer is None or answer is Ellipsis:
            raise Placeholder
        ok, feedback = _CHECKS[exercise_id](answer)
    except Placeholder:
        print(f"⏳ {exercise_id}: no answer yet. Replace the ... with your answer and run the cell.")
        return None     # nothing to show under a starter cell (and falsy, for assert)
    except Forbidden as err:
        ok, feedback = False, str(err)
    except Exception as err:  # a reader's function may fail in any way: report, don't crash
        ok, feedback = False, f"checking your answer raised {type(err).__name__}: {err}"
    if ok:
        print(f"✅ {exercise_id}: correct. {feedback}".rstrip())
    else:
        print(f"❌ {exercise_id}: not yet. {feedback}".rstrip())
        print("   The hint under the exercise may help.")
    return ok


# Building blocks for checks -------------------------------------------------

def close(answer, expected, rtol=1e-6, atol=1e-9):
    """Compare numbers or arrays; the feedback names shape or size problems, never the expected value."""
    answer = np.asarray(answer, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if answer.shape != expected.shape:
        return False, f"your answer has shape {answer.shape}; the expected shape is {expected.shape}."
    if np.allclose(answer, expected, rtol=rtol, atol=atol):
        return True, ""
    if expected.size == 1:
        ratio = float(answer) / float(expected) if float(expected) else np.inf
        hint = "too large" if ratio > 1 else "too small"
        return False, f"your value is {hint} (off by a factor of {ratio:.3g})."
    wrong = int(np.sum(~np.isclose(answer, expected, rtol=rtol, atol=atol)))
    return False, f"{wrong} of {expected.size} entries differ."


def close_each(parts, rtol=1e-6, atol=1e-9):
    """:func:`close` on each ``(name, answer, expected)`` of ``parts``, in order; the first
    miss is returned as ``(False, "name: feedback")``, else ``(True, "")``."""
    for name, answer, expected in parts:
        ok, feedback = close(answer, expected, rtol=rtol, atol=atol)
        if not ok:
            return False, f"{name}: {feedback}"
    return True, ""


def same_function(fn, reference, cases, rtol=1e-6, atol=1e-9, forbid=()):
    """Call ``fn`` and ``reference`` on each tuple of arguments in ``cases`` and compare the results.

    ``fn`` runs inside :func:`forbidding` ``(fn, forbid)``; ``reference`` runs outside it.
    """
    for i, args in enumerate(cases):
        expected = reference(*args)
        with forbidding(fn, forbid):
            got = fn(*args)
        if got is None:             # a starter function whose body is still `...`
            raise Placeholder
        ok, feedback = close(got, expected, rtol, atol)
        if not ok:
            shapes = ", ".join(str(np.shape(a)) for a in args)
            return False, f"on test case {i + 1} (argument shapes {shapes}): {feedback}"
    return True, f"agrees with the reference on {len(cases)} test cases."


class Placeholder(Exception):
    """The answer is still the starter's placeholder (``...``, ``None``, or a function returning None)."""


class Forbidden(RuntimeError):
    """Raised when a reader's function calls a library function that its exercise forbids."""


def _banned(name):
    def refuse(*args, **kwargs):
        raise Forbidden(f"your function called {name}, which this exercise asks you not to use: "
                        "write the computation yourself.")
    return refuse


def _places(fn):
    """Namespaces where ``fn`` could find a library function: its globals and loaded modules."""
    spaces = {id(fn.__globals__): fn.__globals__}
    for name, module in list(sys.modules.items()):
        if module is not None and name.split(".")[0] in ("cnnlib", "numpy", "scipy", "torch", "skimage"):
            spaces.setdefault(id(vars(module)), vars(module))
    return spaces.values()


@contextlib.contextmanager
def forbidding(fn, functions):
    """Run a block in which every reference to one of ``functions`` raises :class:`Forbidden`.

    Args:
        fn: the reader's function (its globals are searched as well as loaded library modules).
        functions: library callables to forbid, e.g. ``[cnnlib.functional.conv2d, numpy.einsum]``.

    Every module attribute and global name bound to one of them is replaced for the duration of
    the block and restored afterwards, whatever happens inside it.
    """
    functions = list(functions)
    swapped = []
    try:
        for space in _places(fn) if functions else ():
            for key, value in list(space.items()):
                for banned in functions:
                    if value is banned:
                        swapped.append((space, key, value))
                        space[key] = _banned(f"{getattr(banned, '__module__', '')}."
                                             f"{getattr(banned, '__name__', key)}".lstrip("."))
        yield
    finally:
        for space, key, value in reversed(swapped):
            space[key] = value


def convolution_shortcuts():
    """Library routines that compute a whole convolution (or every window at once), for
    :func:`forbidding` in exercises that ask for loops: ``cnnlib.functional``'s convolutions and
    :func:`~cnnlib.functional.linear_matrix`, numpy's ``convolve``/``correlate`` and window views,
    scipy's signal and ndimage convolutions, and torch's ``conv1d/2d/3d`` (torch is imported now,
    if installed, so that a function importing it itself meets the ban too)."""
    import scipy.ndimage
    import scipy.signal
    from numpy.lib.stride_tricks import as_strided, sliding_window_view

    import cnnlib.functional as F
    found = [F.conv1d, F.conv2d, F.conv3d, F.conv_nd, F.conv_nd_naive, F.convolve, F.correlate,
             F.linear_matrix, np.convolve, np.correlate, sliding_window_view, as_strided]
    found += [getattr(scipy.signal, n) for n in ("correlate", "convolve", "correlate2d", "convolve2d",
                                                  "fftconvolve", "oaconvolve")]
    found += [getattr(scipy.ndimage, n) for n in ("correlate", "convolve", "correlate1d", "convolve1d")]
    try:
        import torch
    except ImportError:
        return found
    return found + [f for name in ("conv1d", "conv2d", "conv3d")
                    for f in (getattr(torch, name), getattr(torch.nn.functional, name))]


def within(low, high, correct=True, feedback=""):
    """A jupyterquiz numeric answer accepted anywhere in ``[low, high)`` (its "range" type)."""
    return {"type": "range", "range": [low, high], "correct": correct, "feedback": feedback}

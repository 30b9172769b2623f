"""Auto-checks for the chapters' exercises.

In a notebook::

    from cnnlib.exercises import check
    check("fc-parameters", my_answer)      # prints a pass, or a fail with a hint; returns True/False

A check never prints the solution: it compares the answer with a value it
computes itself (usually with :mod:`cnnlib.functional`) and, on a fail, says
what kind of mistake it sees. Each chapter's checks live in a module of this
package, registered with :func:`exercise`; they are found automatically.
"""
import importlib
import pkgutil

import numpy as np

_CHECKS = {}


def exercise(exercise_id, hint):
    """Register ``fn(answer) -> (ok, feedback)`` as the check for ``exercise_id``."""
    def register(fn):
        if exercise_id in _CHECKS:
            raise ValueError(f"exercise id {exercise_id!r} is registered twice")
        _CHECKS[exercise_id] = (fn, hint)
        return fn
    return register


def _load_all():
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def ids():
    """All registered exercise ids."""
    _load_all()
    return sorted(_CHECKS)


def check(exercise_id, answer):
    """Check ``answer`` for the exercise ``exercise_id``; print the verdict and return it as a bool."""
    _load_all()
    if exercise_id not in _CHECKS:
        raise ValueError(f"no exercise {exercise_id!r}; known: {', '.join(sorted(_CHECKS))}")
    fn, hint = _CHECKS[exercise_id]
    if answer is None or answer is Ellipsis:
        ok, feedback = False, "no answer yet: replace the placeholder with your answer."
    else:
        try:
            ok, feedback = fn(answer)
        except Exception as err:  # a student's function may fail in any way: report, don't crash
            ok, feedback = False, f"checking your answer raised {type(err).__name__}: {err}"
    if ok:
        print(f"✅ {exercise_id}: correct. {feedback}".rstrip())
    else:
        print(f"❌ {exercise_id}: not yet. {feedback}".rstrip())
        print(f"   Hint: {hint}")
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


def same_function(fn, reference, cases, rtol=1e-6, atol=1e-9):
    """Call ``fn`` and ``reference`` on each tuple of arguments in ``cases`` and compare the results."""
    for i, args in enumerate(cases):
        ok, feedback = close(fn(*args), reference(*args), rtol, atol)
        if not ok:
            shapes = ", ".join(str(np.shape(a)) for a in args)
            return False, f"on test case {i + 1} (argument shapes {shapes}): {feedback}"
    return True, f"agrees with the reference on {len(cases)} test cases."

"""The building blocks that exercise checks are made of (cnnlib.checks)."""
from cnnlib.checks import close, close_each


def test_close_each_names_the_first_part_that_misses():
    assert close_each([("a", 1.0, 1.0), ("b", [1, 2], [1, 2])]) == (True, "")
    ok, feedback = close_each([("a", 1.0, 1.0), ("b", 3.0, 2.0), ("c", 0.0, 5.0)])
    assert not ok and feedback == "b: " + close(3.0, 2.0)[1]
    assert close_each([("a", 1.001, 1.0)], rtol=1e-2) == (True, "")
    assert not close_each([("a", 1.001, 1.0)])[0]

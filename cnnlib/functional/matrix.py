"""The matrix of a linear operation: every convolution is a (structured) matrix product."""
import numpy as np


def linear_matrix(op, input_shape):
    """The dense matrix ``M`` with ``M @ x.ravel() == op(x).ravel()`` for every ``x`` of ``input_shape``.

    Column ``j`` is the response of ``op`` to the ``j``-th unit input (1 at flat index ``j``,
    0 elsewhere), which is all a linear map is. For a convolution each row then shows the
    kernel (flipped for a true convolution, as printed for cross-correlation) shifted to one
    output position, zeros elsewhere: a fully-connected layer with tied, mostly-zero weights.

    Args:
        op: a linear function of an array of ``input_shape``, e.g.
            ``lambda x: conv1d(x[None, None], w[None, None], stride=2)`` or
            ``lambda a: convolve(a, v, 'same')``.
        input_shape: the shape ``op`` takes, e.g. ``(L,)`` or ``(H, W)``.

    Returns:
        ``(op(x).size, prod(input_shape))`` float64, rows and columns in C order.

    Raises:
        ValueError: for an empty input shape; whatever ``op`` raises for its input.
    """
    shape = tuple(int(s) for s in input_shape)
    n = int(np.prod(shape))
    if n == 0:
        raise ValueError(f"input_shape={shape} has no entries")
    basis = np.eye(n).reshape(n, *shape)
    return np.stack([np.ravel(op(e)) for e in basis], axis=1)

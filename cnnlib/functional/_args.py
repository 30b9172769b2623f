"""Argument normalisation and validation shared by every operation.

Conventions (the same as ``torch.nn.functional``):

* tensors are channels-first: ``(N, C, *spatial)``, e.g. NCHW in 2D;
* ``stride``, ``padding`` and ``dilation`` are an int (same in every spatial
  dimension) or a tuple with one entry per spatial dimension;
* ``dilation=1`` means no gaps between kernel taps; a kernel of size ``K``
  with dilation ``D`` spans ``D * (K - 1) + 1`` input positions.

Every check raises ``ValueError`` naming the shapes involved, so bad input
never produces a silently wrong answer.
"""
import numpy as np


def as_tuple(value, d, name):
    """Expand an int to a ``d``-tuple; check a tuple has ``d`` entries."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * d
    value = tuple(int(v) for v in value)
    if len(value) != d:
        raise ValueError(f"{name}={value} has {len(value)} entries; expected {d} (one per spatial dimension)")
    return value


def positive(values, name):
    if any(v <= 0 for v in values):
        raise ValueError(f"{name}={values} must be positive in every dimension")
    return values


def check_ndim(x, d, name="input"):
    """``x`` must be a batch of ``d``-dimensional maps: ``(N, C, *spatial)``."""
    x = np.asarray(x)
    if x.ndim != d + 2:
        names = {1: "L", 2: "H, W", 3: "D, H, W"}[d]
        raise ValueError(f"{name} has shape {x.shape} ({x.ndim} dims); a {d}D operation expects {d + 2} dims (N, C, {names})")
    return x


def span(kernel, dilation):
    """Input positions covered by a dilated kernel: ``D * (K - 1) + 1``."""
    return tuple(dl * (k - 1) + 1 for k, dl in zip(kernel, dilation))


def padding_pairs(padding, kernel, stride, dilation):
    """Resolve ``padding`` into ``(before, after)`` pairs, one per spatial dimension.

    ``'valid'`` is no padding. ``'same'`` pads so that the output has the input's
    size; it needs stride 1 (as in torch), and an even span puts the extra zero
    after the input (also as in torch).
    """
    d = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * d
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"padding='same' needs stride 1, got stride={stride}")
            total = [s - 1 for s in span(kernel, dilation)]
            return [(t // 2, t - t // 2) for t in total]
        raise ValueError(f"padding={padding!r}: expected an int, a tuple, 'valid' or 'same'")
    pads = as_tuple(padding, d, "padding")
    if any(p < 0 for p in pads):
        raise ValueError(f"padding={pads} must be non-negative")
    return [(p, p) for p in pads]


def output_shape(spatial, kernel, stride, pads, dilation, name="kernel"):
    """Output size in each dimension: ``floor((H + P_before + P_after - D(K-1) - 1) / S) + 1``.

    Raises ``ValueError`` when the (dilated) kernel is larger than the padded input.
    """
    padded = tuple(h + lo + hi for h, (lo, hi) in zip(spatial, pads))
    spans = span(kernel, dilation)
    if any(s > p for s, p in zip(spans, padded)):
        raise ValueError(
            f"{name} of size {tuple(kernel)} with dilation {tuple(dilation)} spans {spans}, "
            f"larger than the padded input {padded} (input {tuple(spatial)}, padding {pads})"
        )
    return tuple((p - s) // st + 1 for p, s, st in zip(padded, spans, stride))

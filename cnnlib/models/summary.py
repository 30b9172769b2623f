"""A per-layer table of a torch CNN: output shape, parameters, multiply-adds, receptive
field, stride.

The libraries people already use do the parts they cover: ``torchinfo`` records each
layer's output shape and parameter count, ``torch.utils.flop_counter.FlopCounterMode``
counts the multiply-adds of convolutions and matrix products. What they lack, the
receptive field and the stride (jump) of each layer's output in input pixels, comes from
:func:`cnnlib.counting.receptive_field` over the chain of layers up to that row.

    from cnnlib.models import AlexNet, summary
    table = summary(AlexNet(), (3, 227, 227))
    print(table)                     # a text table; in a notebook it shows as HTML
    table.total_params, table.total_madds, table.rows[0]
"""

from dataclasses import dataclass

import torch
from torch import nn

from cnnlib import counting

_GEOMETRY = (
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.MaxPool3d,
    nn.AvgPool1d,
    nn.AvgPool2d,
    nn.AvgPool3d,
)


@dataclass
class Row:
    """One row of a :class:`Summary`.

    ``receptive_field`` and ``stride`` are ``(height, width)`` in input pixels, or
    ``None`` once a layer sees the whole input (a fully-connected layer, a global
    pooling).
    """

    name: str
    kind: str
    output_shape: tuple
    params: int
    madds: int
    receptive_field: tuple = None
    stride: tuple = None


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _geometry(module):
    """``[(kernel, stride, dilation) per spatial axis]`` for one layer, or ``None`` if
    unknown."""
    if hasattr(module, "receptive_path"):
        path = module.receptive_path()
        return [[(k, s, d) for k, s, d in path]] * 2
    if isinstance(module, _GEOMETRY):
        k, s = _pair(module.kernel_size), _pair(module.stride or module.kernel_size)
        d = _pair(getattr(module, "dilation", 1))
        return [[(k[i], s[i], d[i])] for i in range(2)]
    return None


def receptive_path(module):
    """The ``(kernel, stride, dilation)`` layers one module adds along the height axis.

    A convolution or pooling layer is one layer; a block with a ``receptive_path()``
    method gives its widest path; anything else (activations, normalisation) returns
    ``[]``, and a layer that sees its whole input (``Linear``, adaptive pooling) returns
    ``None``.
    """
    if isinstance(module, (nn.Linear, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        return None
    geometry = _geometry(module)
    return [] if geometry is None else geometry[0]


def _is_row(module):
    return hasattr(module, "receptive_path") or not list(module.children())


def _fmt(v):
    if v is None:
        return "all"
    return str(v[0]) if v[0] == v[1] else f"{v[0]}x{v[1]}"


class Summary:
    """The table :func:`summary` returns: ``rows`` (a list of :class:`Row`) and totals.

    ``total_params`` counts every parameter of the model once; ``total_madds`` is the
    multiply-adds of one forward pass of one input. ``str(table)`` is a text table and
    notebooks show it as HTML.
    """

    columns = (
        "layer",
        "type",
        "output shape",
        "params",
        "mult-adds",
        "receptive field",
        "stride",
    )

    def __init__(self, rows, total_params, total_madds, input_size):
        self.rows, self.total_params, self.total_madds = rows, total_params, total_madds
        self.input_size = tuple(input_size)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, name):
        """The row named ``name`` (e.g. ``"features.0"``)."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no layer {name!r}; layers are {[r.name for r in self.rows]}")

    def cells(self):
        return [
            (
                r.name,
                r.kind,
                " x ".join(map(str, r.output_shape)),
                f"{r.params:,}",
                f"{r.madds:,}",
                _fmt(r.receptive_field),
                _fmt(r.stride),
            )
            for r in self.rows
        ]

    def __str__(self):
        body = [self.columns] + self.cells()
        widths = [
            max(len(str(line[i])) for line in body) for i in range(len(self.columns))
        ]
        lines = [
            "  ".join(
                str(c).ljust(w) if i < 3 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(line, widths))
            )
            for line in body
        ]
        lines.insert(1, "-" * len(lines[0]))
        lines.append(
            f"input {' x '.join(map(str, self.input_size))}: "
            f"{self.total_params:,} parameters, {self.total_madds:,} multiply-adds"
        )
        return "\n".join(lines)

    def _repr_html_(self):
        import html

        head = "".join(f"<th>{c}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
            for row in self.cells()
        )
        foot = (
            f"<p>input {' x '.join(map(str, self.input_size))}: {self.total_params:,} "
            f"parameters, {self.total_madds:,} multiply-adds</p>"
        )
        return (
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{foot}"
        )


def summary(model, input_size):
    """Per-layer summary of ``model`` for one input of size ``input_size = (C, H, W)``.

    Rows are the model's leaf modules in the order they run, except that a block with a
    ``receptive_path()`` method (an Inception module, a ResNet block) is one row. The
    model runs once on zeros on its own device (build it under ``torch.device("meta")``
    to count a large model without memory or time), in eval mode, restored afterwards.

    Columns:
        output shape: ``(C, H, W)`` without the batch axis (``torchinfo``);
        params: parameters of that row's module (``torchinfo``);
        mult-adds: multiply-adds of its convolutions and matrix products, half of
            ``FlopCounterMode``'s FLOPs (normalisation, pooling and activations are not
            counted, as usual);
        receptive field and stride: the input pixels one output unit sees and the pixels
            between neighbouring units, per axis, from
            :func:`cnnlib.counting.receptive_field` over the chain of rows so far (a
            block contributes its widest path; padding is ignored, so a receptive field
            may exceed the image). ``None`` once a layer sees the whole input.

    Args:
        model: a ``torch.nn.Module`` taking ``(N, C, H, W)`` tensors.
        input_size: ``(C, H, W)``, positive ints.

    Returns:
        :class:`Summary`.

    Raises:
        TypeError: if ``model`` is not a ``torch.nn.Module``.
        ValueError: for an ``input_size`` that is not three positive ints, or one the
            model
            cannot take (the message says why, e.g. "AlexNet needs 227x227 inputs").
        ImportError: if ``torchinfo`` is not installed.

    Sources: torchinfo (Tyler Yep); ``torch.utils.flop_counter``; receptive fields as in
    Araujo, Norris and Sim (2019), "Computing receptive fields of convolutional neural
    networks".
    """
    from torch.utils.flop_counter import FlopCounterMode

    try:
        import torchinfo
    except ImportError as err:
        raise ImportError("summary() needs torchinfo: pip install torchinfo") from err
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, not {type(model).__name__}")
    size = tuple(input_size)
    if len(size) != 3 or not all(isinstance(s, int) and s > 0 for s in size):
        raise ValueError(
            f"input_size={input_size!r}: give (C, H, W), three positive ints"
        )
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None else torch.float32
    x = torch.zeros((1,) + size, device=device, dtype=dtype)
    was_training = model.training
    model.eval()
    try:
        counter = FlopCounterMode(display=False)
        try:
            with counter, torch.no_grad():
                model(x)
        except (RuntimeError, ValueError) as err:
            raise ValueError(
                f"{type(model).__name__} cannot take an input of size {size}: {err}"
            ) from None
        stats = torchinfo.summary(model, input_data=x, verbose=0, device=device)
    finally:
        model.train(was_training)

    flops = counter.get_flop_counts()
    names = {id(m): n for n, m in model.named_modules()}
    root = type(model).__name__
    # A model that is itself a block with parallel paths (an Inception module, a ResNet
    # block): each child container (a branch, the shortcut) starts its own path from the
    # block's input; direct leaf children continue the main path.
    parallel = hasattr(model, "receptive_path") and not isinstance(model, nn.Sequential)
    branches = {n for n, m in model.named_children() if parallel and list(m.children())}
    inside = set()  # modules within a block that is one row
    rows, all_paths = [], {}
    done = False  # a layer has seen the whole input
    for info in stats.summary_list:
        module = info.module
        if id(module) in inside or module is model or not _is_row(module):
            continue
        if hasattr(module, "receptive_path"):
            inside.update(id(m) for m in module.modules() if m is not module)
        name = names.get(id(module), info.var_name)
        top = name.split(".")[0]
        paths = all_paths.setdefault(top if top in branches else "", [[], []])
        geometry = _geometry(module)
        out_shape = tuple(info.output_size[1:]) if info.output_size else ()
        if isinstance(module, nn.Linear) or (
            isinstance(module, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d))
            and tuple(out_shape[-2:]) != tuple(info.input_size[-2:])
        ):
            done = True
        elif geometry is not None:
            for axis in range(2):
                paths[axis] += geometry[axis]
        rf = stride = None
        if not done:
            (rh, jh), (rw, jw) = (counting.receptive_field(paths[a]) for a in range(2))
            rf, stride = (rh, rw), (jh, jw)
        key = f"{root}.{name}" if name else root
        madds = sum(flops.get(key, {}).values()) // 2
        params = sum(p.numel() for p in module.parameters())
        rows.append(
            Row(name, type(module).__name__, out_shape, params, madds, rf, stride)
        )
    total_madds = counter.get_total_flops() // 2
    total_params = sum(p.numel() for p in model.parameters())
    return Summary(rows, total_params, total_madds, size)


def weight_layers(model):
    """Depth as the papers count it: convolutions and fully-connected layers on the main
    path.

    Counts ``Conv*d`` and ``Linear`` modules, leaving out projection shortcuts (modules
    under a child named ``downsample`` or ``shortcut``). AlexNet 8, VGG-16 16, ResNet-18
    18.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, not {type(model).__name__}")
    count = 0
    for name, module in model.named_modules():
        parts = name.split(".")
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)) and not {
            "downsample",
            "shortcut",
        } & set(parts):
            count += 1
    return count

"""Layers in numpy, each with a forward and a backward pass: enough to train a CNN.

The shape follows two small, well-known codes. Like micrograd's ``nn.py`` (Karpathy,
2020), a :class:`Module` base gives every layer ``parameters()``, ``zero_grad()``,
``train()``/``eval()`` and a readable ``repr``. Like CS231n's ``layers.py`` (Stanford
CS231n, assignment 2), a layer's ``forward`` keeps what its ``backward`` needs (its
cache): a :class:`Conv2d` keeps its im2col columns, so a training step builds them once.
The arithmetic is :mod:`cnnlib.functional`'s; nothing here is a second convolution.

A training step::

    net = Sequential(Conv2d(1, 8, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2),
                     Flatten(), Linear(8 * 4 * 4, 10, rng=rng))
    loss_fn, opt = CrossEntropyLoss(), Adam(net.parameters(), lr=1e-2)
    loss = loss_fn(net(images), labels)      # forward: (N, 1, 8, 8) -> (N, 10) -> float
    opt.zero_grad()
    net.backward(loss_fn.backward())         # backward: gradients into every .grad
    opt.step()

Conventions (those of ``torch.nn``, so the two read side by side): arrays are
channels-first, ``(N, C, H, W)``; ``Linear`` weights are ``(out_features,
in_features)``; ``backward(grad_output)`` *adds* each parameter's gradient to its
``.grad`` (call ``zero_grad()`` between steps) and returns the gradient with respect to
the layer's input. Parameters are float32 unless asked otherwise; ``net.to(np.float64)``
converts them (gradient checks need float64). Losses average over the batch.

Errors: an input of the wrong shape, labels out of range or a backward before a forward
raise ``ValueError`` (``RuntimeError`` for the last), naming the layer and the shapes.
"""
import contextlib

import numpy as np

import cnnlib.functional as F


class Parameter:
    """A learnable array ``data`` and its gradient ``grad`` (same shape and dtype)."""

    def __init__(self, data):
        self.data = np.array(data, dtype=np.result_type(np.asarray(data), np.float32))
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base of every layer, loss and container.

    Subclasses define ``forward`` (keeping in ``self.cache`` what backward needs) and
    ``backward(grad_output) -> grad_input``. Parameters and sub-modules are found among
    the attributes (lists of modules included): ``parameters()`` needs no bookkeeping.
    """

    training = True
    cache = None

    def __call__(self, *inputs):
        return self.forward(*inputs)

    def forward(self, *inputs):
        raise NotImplementedError

    def backward(self, grad_output):
        raise NotImplementedError

    def children(self):
        """The modules held in attributes (directly or in a list), in order."""
        found = []
        for value in vars(self).values():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, Module):
                    found.append(item)
        return found

    def parameters(self):
        """Each :class:`Parameter` of this module and its children, once, in order."""
        own = [v for v in vars(self).values() if isinstance(v, Parameter)]
        params = own + [p for child in self.children() for p in child.parameters()]
        return list({id(p): p for p in params}.values())

    def zero_grad(self):
        for p in self.parameters():
            p.grad.fill(0)

    def train(self, mode=True):
        """Training mode (dropout active) or, with ``mode=False``, evaluation mode."""
        self.training = bool(mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def to(self, dtype):
        """Convert every parameter (and its gradient) to ``dtype`` (``np.float64``)."""
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = np.zeros_like(p.data)
        return self

    def extra_repr(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"

    # helpers for the layers ---------------------------------------------------
    def _input(self, x, ndim, what, size=None):
        """``x`` as an array of ``ndim`` dims (``size`` on axis 1), else ValueError."""
        x = np.asarray(x)
        if x.ndim != ndim or (size is not None and x.shape[1] != size):
            raise ValueError(f"{self!r}: input has shape {x.shape}; expected {what}")
        return x

    def _cached(self):
        if self.cache is None:
            raise RuntimeError(f"{self!r}: backward() called before forward() "
                               "(a Conv2d's backward also uses up what its forward kept)")
        return self.cache

    def _grad(self, grad_output, shape):
        grad_output = np.asarray(grad_output)
        if grad_output.shape != tuple(shape):
            raise ValueError(f"{self!r}: grad_output has shape {grad_output.shape}; "
                             f"expected the output's shape {tuple(shape)}")
        return grad_output

    @contextlib.contextmanager
    def _named(self):
        """Prefix a ValueError from :mod:`cnnlib.functional` with this layer's repr."""
        try:
            yield
        except ValueError as err:
            raise ValueError(f"{self!r}: {err}") from None


def _pair(v):
    return (v, v) if np.isscalar(v) else tuple(v)


def _he_normal(rng, shape, fan_in, dtype):
    """He et al. (2015) initialisation for ReLU nets: normal, std sqrt(2 / fan_in)."""
    rng = np.random.default_rng() if rng is None else rng
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


class Conv2d(Module):
    """2D convolution (cross-correlation): ``(N, C_in, H, W) -> (N, C_out, H', W')``.

    ``weight`` ``(C_out, C_in/groups, K_h, K_w)`` starts He-normal (std sqrt(2/fan_in)),
    ``bias`` ``(C_out,)`` at zero; pass a seeded ``rng`` (``numpy.random.Generator``).
    Forward keeps the im2col columns; backward reuses them (one im2col per step) and
    then writes its column gradients over them, so one backward per forward.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, rng=None, dtype=np.float32):
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size)
        self.args = dict(stride=stride, padding=padding, dilation=dilation,
                         groups=groups)
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        fan_in = shape[1] * shape[2] * shape[3]
        self.weight = Parameter(_he_normal(rng, shape, fan_in, dtype))
        self.bias = Parameter(np.zeros(out_channels, dtype)) if bias else None

    def forward(self, x):
        x = self._input(x, 4, f"(N, {self.in_channels}, H, W)", self.in_channels)
        b = None if self.bias is None else self.bias.data
        with self._named():
            y, cols = F.conv_nd_with_columns(x, self.weight.data, b, **self.args)
        self.cache = (x.shape, cols, y.shape)
        return y

    def backward(self, grad_output):
        x_shape, cols, y_shape = self._cached()
        b = None if self.bias is None else self.bias.data
        g = self._grad(grad_output, y_shape)
        self.cache = None                   # the columns become backward's scratch memory
        gx, gw, gb = F.conv_nd_backward_from_columns(g, cols, x_shape, self.weight.data,
                                                     b, **self.args, overwrite_columns=True)
        self.weight.grad += gw
        if self.bias is not None:
            self.bias.grad += gb
        return gx

    def extra_repr(self):
        args = [f"{self.in_channels}, {self.out_channels}",
                f"kernel_size={self.kernel_size}"]
        args += [f"{k}={v}" for k, v in self.args.items()
                 if v != (0 if k == "padding" else 1)]
        return ", ".join(args + ([] if self.bias is not None else ["bias=False"]))


class _Pool2d(Module):
    """The pooling layers: ``(N, C, H, W) -> (N, C, H', W')``, no parameters."""

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        x = self._input(x, 4, "(N, C, H, W)")
        with self._named():
            y = self.pool(x, self.kernel_size, self.stride, self.padding)
        self.cache = (x, y.shape)
        return y

    def backward(self, grad_output):
        x, y_shape = self._cached()
        g = self._grad(grad_output, y_shape)
        return self.pool_backward(g, x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        stride = self.kernel_size if self.stride is None else self.stride
        return f"kernel_size={self.kernel_size}, stride={stride}" + (
            f", padding={self.padding}" if self.padding else "")


class MaxPool2d(_Pool2d):
    """Max pooling; backward routes each gradient to its window's maximum, as torch."""
    pool = staticmethod(F.max_pool2d)
    pool_backward = staticmethod(F.max_pool2d_backward)


class AvgPool2d(_Pool2d):
    """Average pooling (padding zeros count); backward spreads the gradient evenly."""
    pool = staticmethod(F.avg_pool2d)
    pool_backward = staticmethod(F.avg_pool2d_backward)


class ReLU(Module):
    """``max(x, 0)`` elementwise, any shape; the gradient is passed where ``x > 0``."""

    def forward(self, x):
        x = np.asarray(x)
        self.cache = x > 0
        return x * self.cache

    def backward(self, grad_output):
        positive = self._cached()
        return self._grad(grad_output, positive.shape) * positive


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise, any shape; backward ``g * y * (1 - y)``."""

    def forward(self, x):
        x = np.asarray(x)
        e = np.exp(-np.abs(x))                              # never overflows
        y = np.where(x >= 0, 1, e) / (1 + e)
        self.cache = y
        return y

    def backward(self, grad_output):
        y = self._cached()
        return self._grad(grad_output, y.shape) * y * (1 - y)


class Flatten(Module):
    """``(N, *dims) -> (N, prod(dims))``; backward reshapes back."""

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"{self!r}: input has shape {x.shape}; expected (N, ...)")
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_output):
        shape = self._cached()
        flat = (shape[0], int(np.prod(shape[1:])))
        return self._grad(grad_output, flat).reshape(shape)


class Linear(Module):
    """Fully-connected ``y = x W^T + b``: ``(N, in_features) -> (N, out_features)``.

    ``weight`` ``(out_features, in_features)`` starts He-normal, ``bias`` at zero.
    """

    def __init__(self, in_features, out_features, bias=True, rng=None,
                 dtype=np.float32):
        self.in_features, self.out_features = in_features, out_features
        w = _he_normal(rng, (out_features, in_features), in_features, dtype)
        self.weight = Parameter(w)
        self.bias = Parameter(np.zeros(out_features, dtype)) if bias else None

    def forward(self, x):
        x = self._input(x, 2, f"(N, {self.in_features})", self.in_features)
        self.cache = x
        y = x @ self.weight.data.T
        return y if self.bias is None else y + self.bias.data

    def backward(self, grad_output):
        x = self._cached()
        g = self._grad(grad_output, (x.shape[0], self.out_features))
        self.weight.grad += g.T @ x
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)
        return g @ self.weight.data

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}" + (
            "" if self.bias is not None else ", bias=False")


class Dropout(Module):
    """Inverted dropout (Srivastava et al., 2014): in training, zero each value with
    probability ``p`` and scale the rest by ``1 / (1 - p)``; in eval mode, identity."""

    def __init__(self, p=0.5, rng=None):
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout(p={p}): p must lie in [0, 1]")
        self.p = p
        self.rng = np.random.default_rng() if rng is None else rng

    def forward(self, x):
        x = np.asarray(x)
        if not self.training or self.p == 0:
            self.cache = np.ones((1,) * x.ndim, x.dtype)
        elif self.p == 1:
            self.cache = np.zeros(x.shape, x.dtype)
        else:
            keep = self.rng.random(x.shape) >= self.p
            self.cache = keep.astype(x.dtype) / x.dtype.type(1 - self.p)
        self.shape = x.shape
        return x * self.cache

    def backward(self, grad_output):
        mask = self._cached()
        return self._grad(grad_output, self.shape) * mask

    def extra_repr(self):
        return f"p={self.p}"


class Sequential(Module):
    """Layers applied in order; backward runs them in reverse. Indexable like a list."""

    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            try:
                x = layer(x)
            except ValueError as err:
                raise ValueError(f"Sequential layer {i}: {err}") from None
        return x

    def backward(self, grad_output):
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def __getitem__(self, i):
        return Sequential(*self.layers[i]) if isinstance(i, slice) else self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        rows = "".join(f"  ({i}): {layer!r}\n" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{rows})"


# Losses: forward(prediction, target) -> float (the batch mean); backward() -> dL/dinput

class CrossEntropyLoss(Module):
    """Softmax cross-entropy of ``C`` exclusive classes (``torch.nn.CrossEntropyLoss``).

    ``forward(logits, labels)``: ``logits`` ``(N, C)`` (unnormalised scores), ``labels``
    ``(N,)`` ints in ``[0, C)``; returns ``mean_n(-log softmax(logits_n)[labels_n])``.
    ``backward()`` returns ``(softmax(logits) - onehot(labels)) / N``.
    """

    def forward(self, logits, labels):
        z = self._input(logits, 2, "(N, C) logits")
        labels = np.asarray(labels)
        if labels.dtype.kind not in "iu":
            raise TypeError(f"{self!r}: labels have dtype {labels.dtype}; "
                            "expected integers")
        n, c = z.shape
        if labels.shape != (n,):
            raise ValueError(f"{self!r}: labels have shape {labels.shape}; "
                             f"expected ({n},) "
                             f"for logits of shape {z.shape}")
        if n and (labels.min() < 0 or labels.max() >= c):
            raise ValueError(f"{self!r}: labels range over "
                             f"[{labels.min()}, {labels.max()}]; "
                             f"logits of shape {z.shape} need labels in [0, {c - 1}]")
        shifted = z - z.max(axis=1, keepdims=True)      # log-sum-exp without overflow
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.cache = (np.exp(log_p), labels)
        return float(-log_p[np.arange(n), labels].mean())

    def backward(self, grad_output=1.0):
        p, labels = self._cached()
        grad = p.copy()
        grad[np.arange(len(labels)), labels] -= 1
        return grad * (grad_output / len(labels))


class _PairLoss(Module):
    """A loss of a prediction and a target of one shape, averaged over every entry."""

    def _pair_input(self, prediction, target):
        prediction, target = np.asarray(prediction), np.asarray(target)
        if prediction.shape != target.shape or prediction.ndim == 0:
            raise ValueError(f"{self!r}: prediction has shape {prediction.shape} and "
                             f"target "
                             f"{target.shape}; expected the same shape (N, ...)")
        return prediction, target


class BCEWithLogitsLoss(_PairLoss):
    """Binary cross-entropy of independent sigmoids (``torch.nn.BCEWithLogitsLoss``).

    ``forward(logits, targets)``, same shape, targets in [0, 1]: each entry is its own
    yes/no question with probability ``p = sigmoid(z)``; the loss is the mean of
    ``-t log p - (1 - t) log(1 - p)``, computed as ``max(z, 0) - z t + log(1 + e^-|z|)``
    so that it never overflows. ``backward()`` returns ``(sigmoid(z) - t) / size``.
    """

    def forward(self, logits, targets):
        z, t = self._pair_input(logits, targets)
        if t.size and (t.min() < 0 or t.max() > 1):
            raise ValueError(f"{self!r}: targets range over [{t.min()}, {t.max()}]; "
                             "expected values in [0, 1]")
        e = np.exp(-np.abs(z))
        self.cache = (np.where(z >= 0, 1, e) / (1 + e), t)
        return float(np.mean(np.maximum(z, 0) - z * t + np.log1p(e)))

    def backward(self, grad_output=1.0):
        p, t = self._cached()
        return (p - t) * (grad_output / t.size)


class MSELoss(_PairLoss):
    """Mean squared error ``mean((prediction - target)^2)`` (``torch.nn.MSELoss``)."""

    def forward(self, prediction, target):
        p, t = self._pair_input(prediction, target)
        self.cache = p - t
        return float(np.mean(self.cache ** 2))

    def backward(self, grad_output=1.0):
        diff = self._cached()
        return diff * (2 * grad_output / diff.size)


# Optimisers: step() updates every parameter from its .grad

class Optimizer:
    """Holds a list of parameters; ``zero_grad()`` clears their gradients."""

    def __init__(self, params, lr):
        self.params = list(params)
        if not self.params or not all(isinstance(p, Parameter) for p in self.params):
            raise ValueError(f"{type(self).__name__}: expected a non-empty list of "
                             "Parameters (net.parameters())")
        if not lr > 0:
            raise ValueError(f"{type(self).__name__}: lr={lr} must be positive")
        self.lr = lr

    def zero_grad(self):
        for p in self.params:
            p.grad.fill(0)


class SGD(Optimizer):
    """Stochastic gradient descent, momentum, weight decay, as ``torch.optim.SGD``.

    ``g = grad + weight_decay * w``; with momentum ``v = momentum * v + g``, ``g = v``;
    then ``w -= lr * g`` (Polyak's heavy ball, in the form of Sutskever et al., 2013).
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum, self.weight_decay = momentum, weight_decay
        self.velocity = [np.zeros_like(p.data) for p in self.params]

    def step(self):
        for p, v in zip(self.params, self.velocity):
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            if self.momentum:
                v *= self.momentum
                v += g
                g = v
            p.data -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), as ``torch.optim.Adam``: running means of the
    gradient and of its square, bias-corrected, give each weight its own step size."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.t = 0

    def step(self):
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p.data -= (self.lr / c1) * m / (np.sqrt(v / c2) + self.eps)


def to_torch(module):
    """The same network in ``torch.nn``, with a copy of the current weights.

    ``Conv2d``, ``Linear``, ``MaxPool2d``, ``AvgPool2d``, ``ReLU``, ``Sigmoid``,
    ``Flatten``, ``Dropout`` and ``Sequential`` map to the ``torch.nn`` layers of the
    same names, in the parameters' dtype (float32 or float64). Chapter 8 and the tests
    use it to run one network in both libraries. Raises ``TypeError`` for a module with
    no torch twin.
    """
    import torch
    if isinstance(module, Sequential):
        return torch.nn.Sequential(*(to_torch(m) for m in module))
    kind = type(module).__name__
    if isinstance(module, (Conv2d, Linear)):
        dtype = getattr(torch, str(module.weight.data.dtype))
        if isinstance(module, Conv2d):
            twin = torch.nn.Conv2d(module.in_channels, module.out_channels,
                                   module.kernel_size, bias=module.bias is not None,
                                   dtype=dtype, **module.args)
        else:
            twin = torch.nn.Linear(module.in_features, module.out_features,
                                   bias=module.bias is not None, dtype=dtype)
        with torch.no_grad():
            for name, p in twin.named_parameters():
                p.copy_(torch.from_numpy(getattr(module, name).data))
        return twin
    if isinstance(module, _Pool2d):
        pool = getattr(torch.nn, kind)
        return pool(module.kernel_size, module.stride, module.padding)
    if isinstance(module, Dropout):
        return torch.nn.Dropout(module.p)
    if isinstance(module, (ReLU, Sigmoid, Flatten)):
        return getattr(torch.nn, kind)()
    raise TypeError(f"{module!r} has no torch.nn twin")

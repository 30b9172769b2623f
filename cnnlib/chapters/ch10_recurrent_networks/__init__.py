"""Chapter 10, "Recurrent networks": the computation behind the notebook (no display).

* the "hello" model's data: :data:`HELLO_VOCAB`, :func:`one_hot`, :func:`hello_pairs`;
* backpropagation through time in numpy, written out: :func:`rnn_forward`, :func:`bptt`,
  :func:`gradient_norms_through_time`, and :func:`clip_by_norm`;
* the census first names (the ``names`` package from PyPI): :func:`load_names`,
  :class:`NameData`, :func:`bigram_loss`, :func:`sample_names`, :func:`next_char_probs`;
* the long-memory task: :func:`memory_batch`, :func:`accuracy_by_delay`;
* :func:`train`, the small training loop every model of the chapter uses, and
  :func:`mnist1d_tensors`.

Matrices follow the column-vector convention of the formula
``h_t = tanh(W_xh x_t + W_hh h_(t-1) + b)``: ``W_xh`` is ``(H, D)``. Arrays of vectors
are stored one vector per row, so a sequence of inputs is ``(T, D)``.
"""

import itertools
import time

import numpy as np

HELLO_VOCAB = ("h", "e", "l", "o")
BOUNDARY = "."  # start and end of a name: one token for both (Karpathy's makemore)


def one_hot(text, vocab=HELLO_VOCAB):
    """``(len(text), len(vocab))`` float64 one-hot rows for the characters of ``text``.

    Raises:
        ValueError: for a character not in ``vocab``.
    """
    index = {c: i for i, c in enumerate(vocab)}
    missing = sorted(set(text) - set(index))
    if missing:
        raise ValueError(f"characters {missing} are not in the vocabulary {vocab}")
    out = np.zeros((len(text), len(vocab)))
    out[np.arange(len(text)), [index[c] for c in text]] = 1.0
    return out


def hello_pairs(word="hello"):
    """The training pairs of a character model: each character and the one after it.

    ``hello_pairs()`` is ``[('h', 'e'), ('e', 'l'), ('l', 'l'), ('l', 'o')]``.

    Raises:
        ValueError: for a word shorter than 2 characters.
    """
    if len(word) < 2:
        raise ValueError("a word of at least 2 characters gives at least one pair")
    return list(itertools.pairwise(word))


# Backpropagation through time, in numpy -------------------------------------


def _check_rnn_shapes(x, h0, W_xh, W_hh, b):
    x, h0 = np.asarray(x, dtype=float), np.asarray(h0, dtype=float)
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"x has shape {x.shape}; expected (T, D) with T >= 1")
    H, D = np.shape(W_xh)
    if (
        x.shape[1] != D
        or np.shape(W_hh) != (H, H)
        or np.shape(b) != (H,)
        or h0.shape != (H,)
    ):
        raise ValueError(
            f"shapes do not fit: x {x.shape}, h0 {h0.shape}, W_xh {np.shape(W_xh)}, "
            f"W_hh {np.shape(W_hh)}, b {np.shape(b)}"
        )
    return x, h0


def rnn_forward(x, h0, W_xh, W_hh, b, activation="tanh"):
    """The vanilla RNN over one sequence: ``h_t = tanh(W_xh x_t + W_hh h_(t-1) + b)``.

    Args:
        x: ``(T, D)`` inputs, one step per row.
        h0: ``(H,)`` initial state.
        W_xh: ``(H, D)``; W_hh: ``(H, H)``; b: ``(H,)``.
        activation: ``'tanh'``, or ``'linear'`` (no nonlinearity; used to show the pure
            effect of repeated multiplication by ``W_hh``).

    Returns:
        ``(T + 1, H)`` float64: ``h_0, h_1, ..., h_T``.

    Raises:
        ValueError: for shapes that do not fit, or an unknown activation.
    """
    x, h0 = _check_rnn_shapes(x, h0, W_xh, W_hh, b)
    if activation not in ("tanh", "linear"):
        raise ValueError(f"activation={activation!r}: 'tanh' or 'linear'")
    hs = [h0]
    for x_t in x:
        a = W_xh @ x_t + W_hh @ hs[-1] + b
        hs.append(np.tanh(a) if activation == "tanh" else a)
    return np.array(hs)


def bptt(x, hs, W_xh, W_hh, dh, activation="tanh"):
    """Backpropagation through time for :func:`rnn_forward`, written out.

    With ``a_t = W_xh x_t + W_hh h_(t-1) + b`` and ``h_t = tanh(a_t)``, going backwards
    from ``t = T``::

        delta_h[t] = dh[t] + W_hh.T @ delta_a[t+1]  # own loss term + the future's
        delta_a[t] = delta_h[t] * (1 - h_t**2)      # tanh' = 1 - tanh**2

    and the parameters collect one term per step (the same weights are used at every
    step): ``dW_xh = sum_t delta_a[t] x_t^T``, ``dW_hh = sum_t delta_a[t] h_(t-1)^T``,
    ``db = sum_t delta_a[t]``.

    Args:
        x: ``(T, D)`` inputs; hs: ``(T + 1, H)`` states from :func:`rnn_forward`.
        W_xh: ``(H, D)``; W_hh: ``(H, H)``.
        dh: ``(T, H)``: ``dL/dh_t`` through the outputs at step ``t`` only (zero rows
            for steps without a loss), for ``t = 1 .. T``.
        activation: as in :func:`rnn_forward`.

    Returns:
        dict with ``W_xh``, ``W_hh``, ``b``, ``h0`` (``(H,)``), ``x`` (``(T, D)``) and
        ``h`` (``(T, H)``: the total ``dL/dh_t``, through the output and through time).

    Raises:
        ValueError: for shapes that do not fit.

    Source: Werbos (1990); Goodfellow et al. (2016), section 10.2.2.
    """
    x, hs, dh = (np.asarray(a, dtype=float) for a in (x, hs, dh))
    T, H = dh.shape if dh.ndim == 2 else (None, None)
    if T != x.shape[0] or hs.shape != (T + 1, H) or np.shape(W_hh) != (H, H):
        raise ValueError(
            f"shapes do not fit: x {x.shape}, hs {hs.shape}, dh {dh.shape}"
        )
    grads = {
        "W_xh": np.zeros_like(W_xh, dtype=float),
        "W_hh": np.zeros((H, H)),
        "b": np.zeros(H),
        "x": np.zeros_like(x),
        "h": np.zeros((T, H)),
    }
    delta_a_next = np.zeros(H)
    for t in range(T, 0, -1):  # t = T, ..., 1; row t - 1 of x and dh
        delta_h = dh[t - 1] + W_hh.T @ delta_a_next
        grads["h"][t - 1] = delta_h
        delta_a = delta_h * (1 - hs[t] ** 2) if activation == "tanh" else delta_h
        grads["W_xh"] += np.outer(delta_a, x[t - 1])
        grads["W_hh"] += np.outer(delta_a, hs[t - 1])
        grads["b"] += delta_a
        grads["x"][t - 1] = W_xh.T @ delta_a
        delta_a_next = delta_a
    grads["h0"] = W_hh.T @ delta_a_next
    return grads


def gradient_norms_through_time(x, W_xh, W_hh, b, activation="tanh", seed=0):
    """How the gradient of a loss at the last step shrinks or grows going back in time.

    Runs :func:`rnn_forward` from ``h_0 = 0``, puts a random unit gradient on ``h_T``
    only, and backpropagates with :func:`bptt`.

    Returns:
        ``(T + 1,)``: ``|dL/dh_t|`` for ``t = 0, 1, ..., T`` (the last entry is 1).
    """
    x = np.asarray(x, dtype=float)
    H = np.shape(W_hh)[0]
    hs = rnn_forward(x, np.zeros(H), W_xh, W_hh, b, activation)
    u = np.random.default_rng(seed).normal(size=H)
    dh = np.zeros((len(x), H))
    dh[-1] = u / np.linalg.norm(u)
    grads = bptt(x, hs, W_xh, W_hh, dh, activation)
    return np.concatenate(
        [[np.linalg.norm(grads["h0"])], np.linalg.norm(grads["h"], axis=1)]
    )


CLIFF = {"b": -0.3, "steps": 50, "h0": 0.5, "target": 0.9}


def cliff_loss(
    w, b=CLIFF["b"], steps=CLIFF["steps"], h0=CLIFF["h0"], target=CLIFF["target"]
):
    """A one-unit RNN ``h_t = tanh(w h_(t-1) + b)`` run for ``steps`` steps, loss
    ``(h_T - target)**2``, and its derivative in ``w``, for many ``w`` at once.

    The derivative is carried forward alongside the state,
    ``dh_t/dw = (1 - h_t**2) (h_(t-1) + w dh_(t-1)/dw)``, which equals backpropagation
    through time for one unit and is cheap on a grid of ``w``. Near the value of ``w``
    where the final state flips sign the loss jumps: a cliff (Pascanu et al., 2013).

    Args:
        w: float or array of recurrent weights.

    Returns:
        ``(loss, dloss_dw, h_T)``, arrays shaped like ``w``.
    """
    w = np.asarray(w, dtype=float)
    h, dh = np.full_like(w, h0), np.zeros_like(w)
    for _ in range(steps):
        h_new = np.tanh(w * h + b)
        dh = (1 - h_new**2) * (h + w * dh)
        h = h_new
    return (h - target) ** 2, 2 * (h - target) * dh, h


def clip_by_norm(grads, max_norm):
    """Gradient clipping by the global norm (Pascanu et al., 2013).

    If ``g`` (all arrays together, as one vector) has norm above ``max_norm``, every
    array is multiplied by ``max_norm / |g|``: the direction is kept, the step is
    shortened. Equals ``torch.nn.utils.clip_grad_norm_`` (up to its ``1e-6`` in the
    denominator).

    Args:
        grads: list of float arrays.
        max_norm: positive float.

    Returns:
        ``(clipped, norm)``: a new list of arrays and the norm before clipping.

    Raises:
        ValueError: for a non-positive ``max_norm``.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm={max_norm} must be positive")
    norm = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads)))
    scale = min(1.0, max_norm / (norm + 1e-6))
    return [np.asarray(g, dtype=float) * scale for g in grads], norm


# Real text: the 1990 US census first names -----------------------------------


def load_names():
    """The first names of the 1990 US census, as shipped by the ``names`` package
    (PyPI).

    Returns:
        sorted list of unique lowercase names (4,275 female and 1,219 male names; 5,163
        distinct), letters ``a-z`` only.

    Raises:
        ImportError: if ``names`` is not installed (``pip install names``).
    """
    import names

    found = set()
    for key in ("first:female", "first:male"):
        with open(names.FILES[key]) as f:
            found.update(line.split()[0].lower() for line in f if line.strip())
    return sorted(found)


class NameData:
    """Names as token tensors for a :class:`cnnlib.models.CharRNN`.

    The vocabulary is ``'.'`` (id 0, start and end of a name) then the letters. A name
    ``'emma'`` becomes the input ``. e m m a`` and the target ``e m m a .``; shorter
    names are padded (input 0, target ``-100``, which ``cross_entropy`` ignores).

    Args:
        names: list of lowercase strings; default :func:`load_names`.
        val_fraction: share held out for validation (a seeded shuffle).
        seed: the shuffle's seed.

    Attributes:
        vocab (str), train / val (lists of names), X_train, Y_train, X_val, Y_val
        (``(N, L)`` int64 tensors, ``L`` = longest name + 1).
    """

    def __init__(self, names=None, val_fraction=0.1, seed=0):
        import torch

        names = load_names() if names is None else list(names)
        if not names or not all(isinstance(n, str) and n for n in names):
            raise ValueError("names must be a non-empty list of non-empty strings")
        letters = sorted(set("".join(names)))
        if BOUNDARY in letters:
            raise ValueError(f"names may not contain the boundary token {BOUNDARY!r}")
        self.vocab = BOUNDARY + "".join(letters)
        self.index = {c: i for i, c in enumerate(self.vocab)}
        order = np.random.default_rng(seed).permutation(len(names))
        n_val = round(val_fraction * len(names))
        self.val = [names[i] for i in order[:n_val]]
        self.train = [names[i] for i in order[n_val:]]
        self.length = max(map(len, names)) + 1
        self.X_train, self.Y_train = (torch.tensor(a) for a in self.encode(self.train))
        self.X_val, self.Y_val = (torch.tensor(a) for a in self.encode(self.val))

    def encode(self, names):
        """``(X, Y)``: ``(N, L)`` int64 inputs and targets (see the class docstring)."""
        X = np.zeros((len(names), self.length), dtype=np.int64)
        Y = np.full((len(names), self.length), -100, dtype=np.int64)
        for i, name in enumerate(names):
            ids = [0] + [self.index[c] for c in name] + [0]
            X[i, : len(ids) - 1] = ids[:-1]
            Y[i, : len(ids) - 1] = ids[1:]
        return X, Y

    def decode(self, ids):
        """Token ids after the start token, up to the first end token, as a string."""
        out = []
        for i in list(ids)[1:]:
            if int(i) == 0:
                break
            out.append(self.vocab[int(i)])
        return "".join(out)


def bigram_loss(data):
    """Validation loss (nats per character) of the best model without a hidden state:
    next-character frequencies given only the current character, counted on the training
    names (add-one smoothing). The bar a recurrent model has to clear."""
    V = len(data.vocab)
    counts = np.ones((V, V))
    X, Y = data.X_train.numpy().ravel(), data.Y_train.numpy().ravel()
    keep = Y >= 0
    np.add.at(counts, (X[keep], Y[keep]), 1)
    P = counts / counts.sum(axis=1, keepdims=True)
    X, Y = data.X_val.numpy().ravel(), data.Y_val.numpy().ravel()
    keep = Y >= 0
    return float(-np.log(P[X[keep], Y[keep]]).mean())


def sequence_loss(model, X, Y):
    """Mean cross-entropy (nats per character) of a :class:`~cnnlib.models.CharRNN` on
    ``(X, Y)``, ignoring padded targets (``-100``)."""
    import torch

    logits, _ = model(X)
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), Y.reshape(-1)
    )


def sample_names(model, data, n=10, temperature=1.0, seed=0, prefix="", max_length=20):
    """``n`` names generated by ``model`` from the start token (and ``prefix``).

    Returns:
        list of ``n`` strings (each starts with ``prefix``).
    """
    import torch

    from cnnlib.models import sample

    ids = [0] + [data.index[c] for c in prefix]
    start = torch.tensor([ids] * n)
    generator = torch.Generator().manual_seed(seed)
    out = sample(model, start, max_length, temperature, generator=generator, stop=0)
    return [data.decode(row) for row in out]


def next_char_probs(model, data, prefix="", temperature=1.0):
    """``(V,)`` float64: the model's distribution of the character after the start
    token and ``prefix`` (entry 0 is the end of the name), at ``temperature``."""
    import torch

    from cnnlib.models import softmax_temperature

    ids = torch.tensor([[0] + [data.index[c] for c in prefix]])
    with torch.no_grad():
        logits, _ = model(ids)
        return softmax_temperature(logits[0, -1].double(), temperature).numpy()


# The long-memory task ----------------------------------------------------------


def memory_batch(n, length=40, symbols=4, generator=None):
    """A batch of the marked-recall task: remember the one marked symbol until the end.

    Each sequence has ``length`` random symbols (one-hot, ``symbols`` channels) and one
    extra channel that is 1 at a single random position, the mark. The target is the
    marked symbol; it has to be reported after the last step,
    ``delay = length - 1 - position`` steps after it was seen.

    Returns:
        ``(x, y, delay)``: ``(n, length, symbols + 1)`` float32, ``(n,)`` int64 targets,
        ``(n,)`` int64 delays.

    Raises:
        ValueError: for ``length < 1`` or ``symbols < 2``.
    """
    import torch

    if length < 1 or symbols < 2:
        raise ValueError("length must be >= 1 and symbols >= 2")
    tokens = torch.randint(0, symbols, (n, length), generator=generator)
    position = torch.randint(0, length, (n,), generator=generator)
    x = torch.zeros(n, length, symbols + 1)
    x[..., :symbols] = torch.nn.functional.one_hot(tokens, symbols).float()
    rows = torch.arange(n)
    x[rows, position, symbols] = 1.0
    return x, tokens[rows, position], length - 1 - position


def accuracy_by_delay(correct, delay, edges):
    """Mean of ``correct`` (bools) within each bin ``[edges[i], edges[i+1])`` of
    ``delay``."""
    correct, delay = np.asarray(correct, dtype=float), np.asarray(delay)
    return np.array(
        [
            correct[(delay >= lo) & (delay < hi)].mean()
            for lo, hi in itertools.pairwise(edges)
        ]
    )


# Training -------------------------------------------------------------------------


def train(model, batches, loss_fn, steps, lr=3e-3, clip=None, seed=0):
    """Adam for ``steps`` steps, optionally with gradient clipping by the global norm.

    Args:
        model: a ``torch.nn.Module``.
        batches: ``batches(generator) -> batch``, called once per step with a seeded
            ``torch.Generator``.
        loss_fn: ``loss_fn(model, batch) -> scalar loss tensor``.
        steps: number of updates; lr: Adam's learning rate.
        clip: ``None``, or the ``max_norm`` of ``torch.nn.utils.clip_grad_norm_``.
        seed: seeds the batch generator.

    Returns:
        dict: ``loss`` (``(steps,)`` float64, the loss of each step), ``grad_norm``
        (norms before clipping) and ``seconds`` (wall time).
    """
    import torch

    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses, norms = np.zeros(steps), np.zeros(steps)
    start = time.perf_counter()
    model.train()
    for step in range(steps):
        loss = loss_fn(model, batches(generator))
        optimiser.zero_grad()
        loss.backward()
        max_norm = float("inf") if clip is None else clip
        norms[step] = float(
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        )
        optimiser.step()
        losses[step] = loss.item()
    model.eval()
    return {"loss": losses, "grad_norm": norms, "seconds": time.perf_counter() - start}


def mnist1d_tensors(seed=0):
    """MNIST-1D (:func:`cnnlib.data.mnist1d`) as float32 / int64 torch tensors.

    Returns:
        ``(x, y, x_test, y_test)``: ``(4000, 40)``, ``(4000,)``, ``(1000, 40)``,
        ``(1000,)``.
    """
    import torch

    from cnnlib.data import mnist1d

    d = mnist1d(seed)
    return (
        torch.tensor(d["x"], dtype=torch.float32),
        torch.tensor(d["y"]),
        torch.tensor(d["x_test"], dtype=torch.float32),
        torch.tensor(d["y_test"]),
    )

"""Recurrent networks in torch (chapter 10): the vanilla RNN, ``CharRNN``, sampling.

* :func:`rnn_step` and :class:`VanillaRNN`: the Elman recurrence
  ``h_t = tanh(W_xh x_t + W_hh h_(t-1) + b)`` written out once by hand, with
  :meth:`VanillaRNN.from_torch` to copy the weights of a ``torch.nn.RNN`` (the two
  compute the same numbers; the tests check it);
* :class:`CharRNN`: a character language model, ``torch.nn.RNN``, ``LSTM`` or ``GRU``
  inside, one-hot or embedded inputs, a linear read-out ``W_hy`` to next-character
  logits;
* :class:`RNNClassifier`: a recurrent sequence classifier (last hidden state ->
  classes);
* :func:`softmax_temperature` and :func:`sample`: autoregressive generation, greedy
  (temperature 0) or sampled with a temperature.

Matrix convention: column vectors, as in the formula. ``W_xh`` has shape
``(hidden_size, input_size)``, ``W_hh`` ``(hidden_size, hidden_size)``, ``W_hy``
``(vocab_size, hidden_size)``: the shapes of ``torch.nn.RNN.weight_ih_l0``,
``weight_hh_l0`` and ``torch.nn.Linear.weight``. Batches hold one example per row, so
code computes ``x @ W_xh.T``.

Sources: Elman (1990) for the recurrence; Hochreiter & Schmidhuber (1997) for the LSTM;
Cho et al. (2014) for the GRU; Karpathy (2015) for the character model and temperature
sampling; Goodfellow et al. (2016), chapter 10.
"""

import math

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _check_cell(cell):
    if not isinstance(cell, str) or cell.lower() not in CELLS:
        raise ValueError(f"cell={cell!r}: choose one of {', '.join(CELLS)}")
    return cell.lower()


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name}={value} must be at least 1")
    return value


def rnn_step(x, h, W_xh, W_hh, b):
    """One step of the vanilla RNN: ``h_new = tanh(W_xh x + W_hh h + b)``, for a batch
    of rows.

    Args:
        x: ``(N, D)`` inputs at this step (float tensor).
        h: ``(N, H)`` previous hidden states.
        W_xh: ``(H, D)``; W_hh: ``(H, H)``; b: ``(H,)``.

    Returns:
        ``(N, H)`` new hidden states, each entry in (-1, 1).

    Raises:
        ValueError: if the shapes do not fit together.
    """
    if x.ndim != 2 or h.ndim != 2 or x.shape[0] != h.shape[0]:
        raise ValueError(
            f"x {tuple(x.shape)} and h {tuple(h.shape)} must be (N, D) and (N, H)"
        )
    H, D = W_xh.shape[0], x.shape[1]
    if (
        W_xh.shape != (H, D)
        or W_hh.shape != (H, H)
        or b.shape != (H,)
        or h.shape[1] != H
    ):
        raise ValueError(
            f"W_xh {tuple(W_xh.shape)}, W_hh {tuple(W_hh.shape)}, b {tuple(b.shape)} "
            f"do not fit x {tuple(x.shape)} and h {tuple(h.shape)}"
        )
    return torch.tanh(x @ W_xh.T + h @ W_hh.T + b)


class VanillaRNN(nn.Module):
    """The vanilla (Elman) RNN layer, one Python loop over time around :func:`rnn_step`.

    Parameters ``W_xh`` ``(H, D)``, ``W_hh`` ``(H, H)`` and ``b`` ``(H,)``, initialised
    like ``torch.nn.RNN``: uniform in ``(-1/sqrt(H), 1/sqrt(H))``. ``torch.nn.RNN``
    keeps two bias vectors (``b_ih + b_hh``); their sum is the one ``b`` here.

    Raises:
        TypeError, ValueError: for a size that is not a positive int.
    """

    def __init__(self, input_size, hidden_size):
        super().__init__()
        D = _positive_int(input_size, "input_size")
        H = _positive_int(hidden_size, "hidden_size")
        bound = 1 / math.sqrt(H)
        self.W_xh = nn.Parameter(torch.empty(H, D).uniform_(-bound, bound))
        self.W_hh = nn.Parameter(torch.empty(H, H).uniform_(-bound, bound))
        self.b = nn.Parameter(torch.empty(H).uniform_(-bound, bound))

    @property
    def hidden_size(self):
        return self.W_hh.shape[0]

    def forward(self, x, h0=None):
        """Run over a batch of sequences.

        Args:
            x: ``(N, T, D)`` float tensor (batch first).
            h0: optional ``(N, H)`` initial state; default zeros.

        Returns:
            ``(outputs, h_T)``: every hidden state ``(N, T, H)`` and the last one
            ``(N, H)``.

        Raises:
            ValueError: for an input that is not ``(N, T, D)`` with ``T >= 1``.
        """
        if x.ndim != 3 or x.shape[1] < 1 or x.shape[2] != self.W_xh.shape[1]:
            raise ValueError(
                f"x has shape {tuple(x.shape)}; expected (N, T, {self.W_xh.shape[1]})"
            )
        h = x.new_zeros(x.shape[0], self.hidden_size) if h0 is None else h0
        outputs = []
        for t in range(x.shape[1]):  # the same W_xh, W_hh, b at every step
            h = rnn_step(x[:, t], h, self.W_xh, self.W_hh, self.b)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h

    @classmethod
    def from_torch(cls, rnn):
        """A :class:`VanillaRNN` with the weights of a one-layer ``torch.nn.RNN`` (tanh,
        one way).

        Raises:
            TypeError: if ``rnn`` is not a ``torch.nn.RNN``.
            ValueError: for several layers, a bidirectional RNN or the ReLU
                nonlinearity.
        """
        if not isinstance(rnn, nn.RNN):
            raise TypeError(f"expected a torch.nn.RNN, got {type(rnn).__name__}")
        if rnn.num_layers != 1 or rnn.bidirectional or rnn.nonlinearity != "tanh":
            raise ValueError(
                "only a one-layer, one-directional tanh torch.nn.RNN has this form"
            )
        if rnn.proj_size:
            raise ValueError("proj_size is not part of the vanilla RNN")
        out = cls(rnn.input_size, rnn.hidden_size)
        with torch.no_grad():
            out.W_xh.copy_(rnn.weight_ih_l0)
            out.W_hh.copy_(rnn.weight_hh_l0)
            if rnn.bias:
                out.b.copy_(rnn.bias_ih_l0 + rnn.bias_hh_l0)
            else:
                out.b.zero_()
        return out


class CharRNN(nn.Module):
    """A character-level language model: tokens in, next-token logits out at every step.

    ``x_t`` (one-hot, or an embedding) -> ``torch.nn.RNN/LSTM/GRU`` -> ``h_t`` ->
    ``W_hy h_t + b_y`` (``head``, a ``torch.nn.Linear``) -> logits over the vocabulary.

    Args:
        vocab_size: number of distinct tokens ``V``.
        hidden_size: ``H``.
        cell: ``'rnn'`` (tanh), ``'lstm'`` or ``'gru'``: drop-in replacements, same
            inputs and outputs.
        embed_dim: ``None`` feeds one-hot vectors of size ``V`` (the textbook model); an
            int learns an embedding of that size (``torch.nn.Embedding``), which is the
            same as a linear map of the one-hot vector.
        num_layers: stacked recurrent layers.

    Raises:
        TypeError, ValueError: for a size that is not a positive int or an unknown cell.
    """

    def __init__(
        self, vocab_size, hidden_size, cell="gru", embed_dim=None, num_layers=1
    ):
        super().__init__()
        self.vocab_size = _positive_int(vocab_size, "vocab_size")
        self.cell = _check_cell(cell)
        _positive_int(hidden_size, "hidden_size")
        _positive_int(num_layers, "num_layers")
        if embed_dim is None:
            self.embed, size = None, vocab_size
        else:
            size = _positive_int(embed_dim, "embed_dim")
            self.embed = nn.Embedding(vocab_size, size)
        self.rnn = CELLS[self.cell](
            size, hidden_size, num_layers=num_layers, batch_first=True
        )
        self.head = nn.Linear(hidden_size, vocab_size)

    def inputs(self, tokens):
        """``(N, T)`` token ids -> ``(N, T, D)`` float inputs (one-hot or embedded).

        Raises:
            TypeError: for tokens that are not an integer tensor.
            ValueError: for a shape other than ``(N, T)`` or ids outside ``[0, V)``.
        """
        if not isinstance(tokens, torch.Tensor) or tokens.is_floating_point():
            raise TypeError("tokens must be an integer torch tensor (N, T)")
        if tokens.ndim != 2:
            raise ValueError(f"tokens has shape {tuple(tokens.shape)}; expected (N, T)")
        if tokens.numel() and (tokens.min() < 0 or tokens.max() >= self.vocab_size):
            raise ValueError(f"token ids must lie in [0, {self.vocab_size})")
        if self.embed is None:
            return nn.functional.one_hot(tokens, self.vocab_size).float()
        return self.embed(tokens)

    def forward(self, tokens, state=None):
        """Logits for the next token at every position.

        Args:
            tokens: ``(N, T)`` int64 ids.
            state: the recurrent state to start from (``h`` of shape ``(layers, N, H)``,
                or ``(h, c)`` for an LSTM); default zeros.

        Returns:
            ``(logits, state)``: ``(N, T, V)`` and the state after the last step.
        """
        outputs, state = self.rnn(self.inputs(tokens), state)
        return self.head(outputs), state


class RNNClassifier(nn.Module):
    """A recurrent sequence classifier: an RNN reads the sequence, its last hidden state
    is mapped to class logits by a linear layer.

    Args:
        input_size: features per step ``D`` (1 for a scalar signal).
        hidden_size: ``H``.
        num_classes: ``C``.
        cell: ``'rnn'``, ``'lstm'`` or ``'gru'``.

    ``forward(x)`` takes ``(N, T, D)`` floats (or ``(N, T)``, read as ``D = 1``) and
    returns ``(N, C)`` logits.

    Raises:
        TypeError, ValueError: for a size that is not a positive int or an unknown cell;
        ``forward`` raises ValueError for an input of the wrong shape.
    """

    def __init__(self, input_size, hidden_size, num_classes, cell="gru"):
        super().__init__()
        self.cell = _check_cell(cell)
        self.input_size = _positive_int(input_size, "input_size")
        _positive_int(hidden_size, "hidden_size")
        _positive_int(num_classes, "num_classes")
        self.rnn = CELLS[self.cell](input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        if x.ndim == 2 and self.input_size == 1:
            x = x[:, :, None]
        if x.ndim != 3 or x.shape[2] != self.input_size or x.shape[1] < 1:
            raise ValueError(
                f"x has shape {tuple(x.shape)}; expected (N, T, {self.input_size})"
            )
        outputs, _ = self.rnn(x)
        return self.head(outputs[:, -1])


def softmax_temperature(logits, temperature=1.0):
    """``softmax(logits / temperature)`` over the last axis.

    Temperature 1 is the model's own distribution; below 1 it sharpens towards the most
    probable token, above 1 it flattens towards uniform. Temperature 0 is the limit: all
    probability on the argmax (greedy decoding; ties go to the first).

    Args:
        logits: float tensor ``(..., V)``.
        temperature: a float ``>= 0``.

    Returns:
        probabilities, same shape, summing to 1 over the last axis.

    Raises:
        ValueError: for a negative or non-finite temperature.
    """
    temperature = float(temperature)
    if not math.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature={temperature} must be a finite number >= 0")
    if temperature == 0:
        return nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).to(
            logits.dtype
        )
    return torch.softmax(logits / temperature, dim=-1)


@torch.no_grad()
def sample(model, prefix, steps, temperature=1.0, generator=None, stop=None):
    """Generate autoregressively: each chosen token is fed back in as the next input.

    Args:
        model: a :class:`CharRNN` (or anything with
            ``model(tokens, state) -> (logits, state)``).
        prefix: ``(N, P)`` int64 ids to start from, ``P >= 1`` (e.g. the start token).
        steps: how many tokens to add (``>= 0``).
        temperature: 0 for greedy decoding (always the most probable token), else
            sampling from :func:`softmax_temperature`.
        generator: a ``torch.Generator`` for reproducible samples.
        stop: optional token id; once a row has produced it, the rest of that row is
            ``stop``.

    Returns:
        ``(N, P + steps)`` int64: the prefix followed by the generated tokens.

    Raises:
        ValueError: for a prefix that is not ``(N, P)`` with ``P >= 1``, or negative
            steps.
    """
    if not isinstance(prefix, torch.Tensor) or prefix.ndim != 2 or prefix.shape[1] < 1:
        raise ValueError("prefix must be an (N, P) integer tensor with P >= 1")
    if steps < 0:
        raise ValueError(f"steps={steps} must be >= 0")
    was_training = model.training
    model.eval()
    logits, state = model(prefix)
    out = [prefix]
    done = torch.zeros(prefix.shape[0], dtype=torch.bool)
    for _ in range(steps):
        probs = softmax_temperature(logits[:, -1], temperature)
        if temperature == 0:
            token = probs.argmax(-1, keepdim=True)
        else:
            token = torch.multinomial(probs, 1, generator=generator)
        if stop is not None:
            token[done] = stop
            done |= token[:, 0] == stop
        out.append(token)
        if stop is not None and bool(done.all()):  # all rows ended: pad, stop early
            rest = prefix.shape[1] + steps - sum(t.shape[1] for t in out)
            out.append(torch.full((prefix.shape[0], rest), stop, dtype=token.dtype))
            break
        logits, state = model(token, state)
    model.train(was_training)
    return torch.cat(out, dim=1)

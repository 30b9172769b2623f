"""Sequence to sequence with GRUs, with and without Bahdanau's additive attention
(chapter 11).

An :class:`Encoder` reads the input tokens; a :class:`Decoder`, with parameters of its
own, writes the output one token at a time, from a start token until it writes the end
token. The decoder sees the input through a *context vector* at every step:

* without attention, one fixed vector, the encoder's final states: the "bottleneck"
  of the encoder-decoders of Cho et al. (2014) and Sutskever et al. (2014);
* with attention, a new weighted average of all the encoder's states at each step, the
  weights computed by :class:`AdditiveAttention` from the decoder's previous state
  (Bahdanau, Cho and Bengio, 2015, "Neural machine translation by jointly learning to
  align and translate", section 3.1 and appendix A.1).

:class:`Seq2Seq` joins the two: ``forward`` trains with *teacher forcing* (the decoder's
input at step t is the true token t-1, not its own guess) and :meth:`Seq2Seq.greedy`
decodes without the answer, feeding back its most probable token.

Conventions: tokens are ``int64`` tensors, batch first, padded on the right with
``pad_id``; ``lengths`` (``int64``, shape ``(N,)``) counts the real tokens of each row.
A padding mask is ``True`` on real tokens. Attention weights are exactly 0 on padding
and sum to 1 over the rest.
"""

import torch
from torch import nn

from .rnn import _positive_int


def _sizes(**sizes):
    """Raise TypeError for a size that is not an int, ValueError for one below 1."""
    for name, value in sizes.items():
        _positive_int(value, name)


def _check_tokens(tokens, name):
    if (
        not isinstance(tokens, torch.Tensor)
        or tokens.dtype != torch.int64
        or tokens.ndim != 2
    ):
        raise TypeError(
            f"{name} must be an int64 tensor of shape (N, S); got "
            f"{type(tokens).__name__} {getattr(tokens, 'dtype', '')} "
            f"{tuple(getattr(tokens, 'shape', ()))}"
        )
    if tokens.shape[0] == 0 or tokens.shape[1] == 0:
        raise ValueError(
            f"{name} has shape {tuple(tokens.shape)}: need at least one row and "
            "one token"
        )


def _check_lengths(lengths, src):
    if (
        not isinstance(lengths, torch.Tensor)
        or lengths.ndim != 1
        or lengths.dtype.is_floating_point
    ):
        raise TypeError(
            "lengths must be a 1D integer tensor, one length per row of src"
        )
    if lengths.shape[0] != src.shape[0]:
        raise ValueError(f"{lengths.shape[0]} lengths for {src.shape[0]} rows of src")
    if lengths.min() < 1 or lengths.max() > src.shape[1]:
        raise ValueError(
            f"lengths must lie in [1, {src.shape[1]}] (the padded length); got "
            f"[{int(lengths.min())}, {int(lengths.max())}]"
        )


def padding_mask(lengths, size):
    """``(N, size)`` bool mask, ``True`` on the first ``lengths[n]`` positions of row n.

    Args:
        lengths: ``(N,)`` integer tensor.
        size: the padded length S.

    Returns:
        ``torch.bool`` tensor of shape ``(N, S)``.
    """
    return torch.arange(size, device=lengths.device)[None, :] < lengths[:, None]


def reverse_padded(x, lengths):
    """Reverse each row's first ``lengths[n]`` entries along axis 1; padding stays in
    place.

    Args:
        x: ``(N, S, ...)`` tensor; lengths: ``(N,)`` integers in ``[1, S]``.

    Returns:
        a tensor like ``x``: row n is
        ``x[n, lengths[n]-1], ..., x[n, 0], x[n, lengths[n]], ..., x[n, S-1]``.
        Applying it twice gives ``x`` back.
    """
    size = x.shape[1]
    positions = torch.arange(size, device=x.device)[None, :]
    index = lengths[:, None] - 1 - positions
    index = torch.where(index >= 0, index, positions)
    index = index.reshape(index.shape + (1,) * (x.ndim - 2)).expand_as(x)
    return x.gather(1, index)


class Encoder(nn.Module):
    """Embedding, then a GRU left to right and (by default) a second GRU right to left.

    Args:
        vocab_size: number of input tokens.
        embed_size: size of each token's embedding.
        hidden_size: GRU state size per direction.
        bidirectional: also read right to left (as Bahdanau et al. do), so that state j
            describes the input around token j from both sides.
        pad_id: the padding token (its embedding stays 0).

    ``forward(src, lengths)`` takes ``src`` ``(N, S)`` int64 and ``lengths`` ``(N,)``
    and returns ``(states, summary)``: ``states`` ``(N, S, output_size)``, one vector
    per input position (0 on padding), and ``summary`` ``(N, output_size)``: the
    left-to-right state at each row's last real token, joined to the right-to-left state
    at its first. The right-to-left GRU reads each row's real tokens reversed
    (:func:`reverse_padded`), so in neither direction does padding reach a state at a
    real position: the result equals ``torch.nn.GRU(bidirectional=True)`` on packed
    sequences, and is faster on a CPU. ``output_size = hidden_size * (2 if bidirectional
    else 1)``.

    Raises:
        TypeError: if ``src`` is not an int64 ``(N, S)`` tensor or ``lengths`` not 1D
            integers.
        ValueError: if a length is below 1 or above S, or the counts of rows disagree.
    """

    def __init__(
        self, vocab_size, embed_size=32, hidden_size=64, bidirectional=True, pad_id=0
    ):
        super().__init__()
        _sizes(vocab_size=vocab_size, embed_size=embed_size, hidden_size=hidden_size)
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=pad_id)
        self.rnn = nn.GRU(embed_size, hidden_size, batch_first=True)
        self.rnn_reverse = (
            nn.GRU(embed_size, hidden_size, batch_first=True) if bidirectional else None
        )
        self.output_size = hidden_size * (2 if bidirectional else 1)

    def forward(self, src, lengths):
        _check_tokens(src, "src")
        _check_lengths(lengths, src)
        embedded = self.embed(src)  # (N, S, embed_size)
        mask = padding_mask(lengths, src.shape[1])[..., None]
        rows = torch.arange(src.shape[0], device=src.device)
        states, _ = self.rnn(embedded)  # (N, S, hidden_size)
        summary = [states[rows, lengths - 1]]  # at the last real token
        if self.rnn_reverse is not None:
            backward, _ = self.rnn_reverse(reverse_padded(embedded, lengths))
            summary.append(backward[rows, lengths - 1])  # has read the whole row
            states = torch.cat([states, reverse_padded(backward, lengths)], dim=-1)
        return states * mask, torch.cat(summary, dim=-1)


class AdditiveAttention(nn.Module):
    """Bahdanau's additive attention: ``score_j = v . tanh(W_q q + W_k k_j)``.

    The weights are the softmax of the scores over the real positions j, and the context
    is ``sum_j weights_j k_j`` (Bahdanau, Cho and Bengio, 2015, appendix A.1.2).

    Args:
        query_size: size of the query q (the decoder's state).
        key_size: size of each key k_j (an encoder state; the keys are also the values).
        attn_size: size of the hidden layer in which query and key are added.

    ``forward(query, keys, mask=None, projected_keys=None)``:

    * ``query`` ``(N, query_size)``, ``keys`` ``(N, S, key_size)``, float;
    * ``mask`` ``(N, S)`` bool, ``True`` on real positions; padding gets a score of
      ``-inf``, so its weight is exactly 0;
    * ``projected_keys``: ``W_k keys`` from :meth:`project_keys`, computed once per
      input and reused at every decoder step.

    Returns ``(context, weights)``: ``(N, key_size)`` and ``(N, S)``; each row of
    ``weights`` is non-negative and sums to 1.

    Raises:
        ValueError: if the shapes disagree or a row of ``mask`` has no real position.
    """

    def __init__(self, query_size, key_size, attn_size=64):
        super().__init__()
        _sizes(query_size=query_size, key_size=key_size, attn_size=attn_size)
        self.W_q = nn.Linear(query_size, attn_size, bias=False)
        self.W_k = nn.Linear(key_size, attn_size)
        self.v = nn.Linear(attn_size, 1, bias=False)

    def project_keys(self, keys):
        """``W_k keys``: ``(N, S, key_size) -> (N, S, attn_size)``."""
        return self.W_k(keys)

    def scores(self, query, keys, mask=None, projected_keys=None):
        """The scores before the softmax, ``(N, S)``, ``-inf`` where ``mask`` is
        False."""
        if query.ndim != 2 or keys.ndim != 3 or query.shape[0] != keys.shape[0]:
            raise ValueError(
                f"query {tuple(query.shape)} and keys {tuple(keys.shape)}: expected "
                "(N, query_size) and (N, S, key_size)"
            )
        projected = (
            self.project_keys(keys) if projected_keys is None else projected_keys
        )
        scores = self.v(torch.tanh(projected + self.W_q(query)[:, None, :])).squeeze(-1)
        if mask is not None:
            if mask.shape != scores.shape or mask.dtype != torch.bool:
                raise ValueError(
                    f"mask must be a bool tensor of shape {tuple(scores.shape)}"
                )
            if not bool(mask.any(dim=1).all()):
                raise ValueError(
                    "a row of mask has no real position: nothing to attend to"
                )
            scores = scores.masked_fill(~mask, float("-inf"))
        return scores

    def forward(self, query, keys, mask=None, projected_keys=None):
        weights = torch.softmax(self.scores(query, keys, mask, projected_keys), dim=-1)
        context = torch.bmm(weights[:, None, :], keys).squeeze(1)
        return context, weights


class Decoder(nn.Module):
    """A GRU that writes one token per step, seeing the input through a context vector.

    Args:
        vocab_size: number of output tokens.
        context_size: size of the encoder's states (``Encoder.output_size``).
        embed_size, hidden_size: the output tokens' embedding and the GRU's state.
        attention: if True, the context at each step is :class:`AdditiveAttention` over
            all encoder states, queried with the decoder's previous state; if False, it
            is the encoder's ``summary`` at every step (one fixed vector, the
            bottleneck).
        attn_size: hidden size of the attention (default ``hidden_size``).
        pad_id: the padding token.

    The first state is ``tanh(W_init summary)``. One step (:meth:`step`) is

    ``context, weights = attend(state, encoder states)`` (or the summary),
    ``state = GRU([embed(token), context], state)``,
    ``logits = W_out [state, context]``.

    :meth:`forward` runs the steps over given input tokens (teacher forcing) and returns
    ``logits`` ``(N, T, vocab_size)`` and ``weights`` ``(N, T, S)`` (``None`` without
    attention).
    """

    def __init__(
        self,
        vocab_size,
        context_size,
        embed_size=32,
        hidden_size=64,
        attention=True,
        attn_size=None,
        pad_id=0,
    ):
        super().__init__()
        _sizes(
            vocab_size=vocab_size,
            context_size=context_size,
            embed_size=embed_size,
            hidden_size=hidden_size,
        )
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=pad_id)
        self.init = nn.Linear(context_size, hidden_size)
        self.cell = nn.GRUCell(embed_size + context_size, hidden_size)
        self.out = nn.Linear(hidden_size + context_size, vocab_size)
        self.attention = (
            AdditiveAttention(hidden_size, context_size, attn_size or hidden_size)
            if attention
            else None
        )
        self.context_size = context_size

    def start(self, states, summary, mask):
        """The first state and the ``memory`` that every step reads.

        Args:
            states: ``(N, S, context_size)`` encoder states.
            summary: ``(N, context_size)``.
            mask: ``(N, S)`` bool padding mask.

        Returns:
            ``(state, memory)``: ``(N, hidden_size)`` and a dict.
        """
        if (
            states.shape[-1] != self.context_size
            or summary.shape[-1] != self.context_size
        ):
            raise ValueError(
                f"encoder states of size {states.shape[-1]} for a decoder built "
                f"for context_size={self.context_size}"
            )
        memory = {"states": states, "summary": summary, "mask": mask, "projected": None}
        if self.attention is not None:
            memory["projected"] = self.attention.project_keys(states)
        return torch.tanh(self.init(summary)), memory

    def _advance(self, embedded, state, memory):
        """The recurrence of one step, from the embedded input token.

        ``embedded`` is ``(N, embed_size)``; returns ``(state, context, weights)``.
        """
        if self.attention is None:
            context, weights = memory["summary"], None
        else:
            context, weights = self.attention(
                state, memory["states"], memory["mask"], memory["projected"]
            )
        state = self.cell(torch.cat([embedded, context], dim=-1), state)
        return state, context, weights

    def step(self, token, state, memory):
        """One step: ``token`` ``(N,)`` int64, ``state`` ``(N, hidden_size)``.

        Returns ``(logits (N, vocab_size), new state, weights (N, S) or None)``.
        """
        state, context, weights = self._advance(self.embed(token), state, memory)
        return self.out(torch.cat([state, context], dim=-1)), state, weights

    def forward(self, tokens, state, memory):
        _check_tokens(tokens, "tokens")
        embedded = self.embed(tokens)  # all inputs are known: embed them at once
        states, contexts, weights = [], [], []
        for t in range(tokens.shape[1]):
            state, context, w = self._advance(embedded[:, t], state, memory)
            states.append(state)
            contexts.append(context)
            weights.append(w)
        features = torch.cat(
            [torch.stack(states, dim=1), torch.stack(contexts, dim=1)], dim=-1
        )
        stacked = None if self.attention is None else torch.stack(weights, dim=1)
        return self.out(features), stacked


class Seq2Seq(nn.Module):
    """An :class:`Encoder` and a :class:`Decoder` with start and end tokens.

    Args:
        encoder, decoder: the two halves, with
            ``decoder.context_size == encoder.output_size``.
        sos_id: the start-of-sequence token, the decoder's first input.
        eos_id: the end-of-sequence token; decoding stops after it.
        pad_id: padding, in the inputs and after the end token in the outputs.

    ``forward(src, lengths, target)`` (teacher forcing): ``target`` ``(N, T)`` int64
    holds the output tokens, each row ending with ``eos_id`` and padded with ``pad_id``;
    the decoder reads ``[sos, target[:, :-1]]`` and the returned ``logits`` ``(N, T,
    vocab)`` predict ``target``. Also returns the attention ``weights`` ``(N, T, S)``
    (``None`` without attention).
    """

    def __init__(self, encoder, decoder, sos_id, eos_id, pad_id=0):
        super().__init__()
        if decoder.context_size != encoder.output_size:
            raise ValueError(
                f"decoder.context_size={decoder.context_size} but the encoder's "
                f"states have size {encoder.output_size}"
            )
        self.encoder, self.decoder = encoder, decoder
        self.sos_id, self.eos_id, self.pad_id = sos_id, eos_id, pad_id

    def encode(self, src, lengths):
        """The decoder's first state and memory for a batch of inputs."""
        states, summary = self.encoder(src, lengths)
        return self.decoder.start(states, summary, padding_mask(lengths, src.shape[1]))

    def forward(self, src, lengths, target):
        _check_tokens(target, "target")
        state, memory = self.encode(src, lengths)
        sos = torch.full_like(target[:, :1], self.sos_id)
        return self.decoder(torch.cat([sos, target[:, :-1]], dim=1), state, memory)

    def loss(self, src, lengths, target):
        """Mean cross-entropy per output token (padding ignored), teacher-forced; a
        scalar."""
        logits, _ = self(src, lengths, target)
        return nn.functional.cross_entropy(
            logits.transpose(1, 2), target, ignore_index=self.pad_id
        )

    @torch.no_grad()
    def greedy(self, src, lengths, max_len=20):
        """Decode without the answer: at each step feed back the most probable token.

        Returns:
            ``(tokens, weights)``: ``tokens`` ``(N, T)`` int64 with ``T <= max_len``,
            each row the predicted tokens up to and including ``eos_id`` (if written),
            then ``pad_id``; ``weights`` ``(N, T, S)`` (0 after a row's end) or ``None``
            without attention.

        Raises:
            ValueError: if ``max_len`` < 1.
        """
        if max_len < 1:
            raise ValueError(f"max_len={max_len}: need at least one step")
        state, memory = self.encode(src, lengths)
        token = torch.full(
            (src.shape[0],), self.sos_id, dtype=torch.int64, device=src.device
        )
        done = torch.zeros_like(token, dtype=torch.bool)
        tokens, weights = [], []
        for _ in range(max_len):
            logits, state, w = self.decoder.step(token, state, memory)
            token = logits.argmax(dim=-1).masked_fill(done, self.pad_id)
            tokens.append(token)
            if w is not None:
                weights.append(w.masked_fill(done[:, None], 0.0))
            done = done | (token == self.eos_id)
            if bool(done.all()):
                break
        return torch.stack(tokens, dim=1), (
            torch.stack(weights, dim=1) if weights else None
        )

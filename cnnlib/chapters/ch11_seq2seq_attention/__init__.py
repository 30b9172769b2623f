"""Chapter 11, "Seq2seq and attention": the chapter's plain computation.

No matplotlib, no ipywidgets. The models are :mod:`cnnlib.models.seq2seq`'s; what is
here makes the task and runs the experiments:

* the task: dates written the way people write them, in ten languages, from the CLDR
  patterns that Babel ships (:data:`LOCALES`, :data:`STYLES`, :func:`human_date`,
  :func:`make_dates`), translated into ISO 8601 ``YYYY-MM-DD``; :func:`collisions` finds
  the strings that two patterns would read as different dates (US ``M/d/yy`` against the
  day-first ``d/M/yy``), and :data:`PATTERNS` leaves out the one that breaks the task;
* characters as tokens, with padding, start and end tokens (:class:`Vocab`,
  :func:`task_vocab`, :data:`TARGET_VOCAB`);
* :func:`build_model`, :func:`train` (teacher forcing, Adam, gradient clipping),
  :func:`translate` (greedy decoding) and :func:`exact_match`;
* :func:`accuracy_by_length` and the copy task :func:`digit_strings`: the bottleneck
  measured;
* :func:`year_attention`, :func:`weekday`: reading the attention maps;
* :func:`self_attention`: scaled dot-product self-attention written out, and
  :func:`transformer_parts`: what a transformer layer adds, counted.

Babel's date patterns are the Unicode CLDR's (https://cldr.unicode.org); the task
follows the date-normalisation exercise common in seq2seq courses, at the size of a CPU.
"""

import datetime as dt
import math

import numpy as np
import torch

from cnnlib.models.seq2seq import Decoder, Encoder, Seq2Seq
from cnnlib.train import one_thread

#: The languages and regions, as CLDR locale ids.
LOCALES = (
    "en_US",
    "en_GB",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "pt_BR",
    "ko_KR",
    "ja_JP",
    "zh_CN",
)
#: CLDR's four standard date lengths.
STYLES = ("short", "medium", "long", "full")
#: Patterns that make the task ill-posed: US ``M/d/yy`` writes 5 March 2024 as "3/5/24",
#: which Spain's ``d/M/yy`` reads as 3 May 2024 (:func:`collisions` finds them).
AMBIGUOUS = (("en_US", "short"),)
#: Every (locale, style) pair of the task.
PATTERNS = tuple(
    (loc, style) for loc in LOCALES for style in STYLES if (loc, style) not in AMBIGUOUS
)
#: The dates of the task: 100 years, so that a two-digit year names one year.
FIRST, LAST = dt.date(1950, 1, 1), dt.date(2049, 12, 31)
#: The output alphabet: ISO dates are digits and hyphens.
ISO_CHARS = "0123456789-"


def _locale(name):
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(name)
    except (ValueError, TypeError, UnknownLocaleError) as err:
        raise ValueError(f"unknown locale {name!r}: {err}") from None


def human_date(day, locale="ko_KR", style="long"):
    """``day`` written as CLDR's ``style`` for ``locale`` (Babel's ``format_date``).

    ``human_date(date(2024, 3, 5), "ko_KR", "long") == "2024년 3월 5일"``.

    Args:
        day: a ``datetime.date``.
        locale: a CLDR locale id such as ``"en_US"``, ``"ko_KR"``, ``"zh_CN"``.
        style: one of :data:`STYLES`.

    Returns:
        str.

    Raises:
        TypeError: if ``day`` is not a date; ValueError: for an unknown locale or style.
    """
    from babel.dates import format_date

    if not isinstance(day, dt.date):
        raise TypeError(f"day must be a datetime.date, got {type(day).__name__}")
    if style not in STYLES:
        raise ValueError(f"style={style!r}: choose one of {STYLES}")
    return format_date(day, style, locale=_locale(locale))


def cldr_pattern(locale, style):
    """The CLDR pattern behind :func:`human_date`, e.g. ``"y년 MMMM d일"`` (ko_KR,
    long)."""
    from babel.dates import get_date_format

    if style not in STYLES:
        raise ValueError(f"style={style!r}: choose one of {STYLES}")
    return get_date_format(style, locale=_locale(locale)).pattern


def _check_patterns(patterns):
    patterns = tuple(tuple(p) for p in patterns)
    if not patterns:
        raise ValueError("patterns is empty")
    for loc, style in patterns:
        _locale(loc)
        if style not in STYLES:
            raise ValueError(f"style={style!r}: choose one of {STYLES}")
    return patterns


def make_dates(n, rng, patterns=PATTERNS, first=FIRST, last=LAST):
    """``n`` random dates, each written in a random pattern, and their ISO forms.

    Days are uniform in ``[first, last]``, patterns uniform over ``patterns``.

    Args:
        n: number of examples (>= 1).
        rng: a ``numpy.random.Generator``.
        patterns: (locale, style) pairs, default :data:`PATTERNS`.

    Returns:
        ``(texts, isos, which)``: lists of ``n`` human strings, ``n``
        ``"YYYY-MM-DD"`` strings and ``n`` indices into ``patterns``.

    Raises:
        ValueError: if ``n < 1``, ``first > last`` or a pattern is unknown.
    """
    if int(n) != n or n < 1:
        raise ValueError(f"n={n}: need a positive number of examples")
    if first > last:
        raise ValueError(f"first={first} is after last={last}")
    patterns = _check_patterns(patterns)
    locales = {loc: _locale(loc) for loc, _ in patterns}
    from babel.dates import format_date

    offsets = rng.integers(0, (last - first).days + 1, size=int(n))
    which = rng.integers(0, len(patterns), size=int(n))
    days = [first + dt.timedelta(days=int(o)) for o in offsets]
    texts = [
        format_date(d, patterns[w][1], locale=locales[patterns[w][0]])
        for d, w in zip(days, which)
    ]
    return texts, [d.isoformat() for d in days], [int(w) for w in which]


def collisions(patterns, days):
    """Strings that two of ``patterns`` write for two *different* days.

    Args:
        patterns: (locale, style) pairs.
        days: an iterable of ``datetime.date``.

    Returns:
        ``{text: sorted list of (iso date, locale, style)}`` for every text that stands
        for more than one day; empty when the patterns can be read back unambiguously on
        ``days``.
    """
    patterns = _check_patterns(patterns)
    seen = {}
    for day in days:
        for loc, style in patterns:
            seen.setdefault(human_date(day, loc, style), {}).setdefault(
                day.isoformat(), (loc, style)
            )
    return {
        text: sorted((iso, *p) for iso, p in found.items())
        for text, found in seen.items()
        if len(found) > 1
    }


class Vocab:
    """Characters as integer tokens, with padding, start, end and unknown tokens.

    Ids 0-3 are ``<pad>``, ``<s>``, ``</s>``, ``<unk>`` (:data:`PAD` ... :data:`UNK`);
    the characters follow in sorted order.

    Args:
        chars: the characters (an iterable of 1-character strings, or one string).
    """

    SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")
    PAD, SOS, EOS, UNK = 0, 1, 2, 3

    def __init__(self, chars):
        chars = sorted(set(chars))
        if not chars or any(not isinstance(c, str) or len(c) != 1 for c in chars):
            raise ValueError(
                "chars must be a non-empty collection of single characters"
            )
        self.tokens = list(self.SPECIALS) + chars
        self.index = {
            c: i for i, c in enumerate(self.tokens) if i >= len(self.SPECIALS)
        }

    @classmethod
    def from_texts(cls, texts):
        """The vocabulary of every character in ``texts``."""
        return cls("".join(texts))

    def __len__(self):
        return len(self.tokens)

    def encode(self, texts, eos=False):
        """A padded batch: ``(tokens, lengths)``.

        Args:
            texts: list of N strings (unknown characters become ``<unk>``).
            eos: append the end token to each row (targets do, inputs do not).

        Returns:
            ``tokens`` ``(N, S)`` int64, padded on the right with ``<pad>``, and
            ``lengths`` ``(N,)`` int64, ``S = max(lengths)``.

        Raises:
            ValueError: for an empty list or an empty string (nothing to read).
        """
        if isinstance(texts, str) or len(texts) == 0:
            raise ValueError("texts must be a non-empty list of strings")
        ids = [
            [self.index.get(c, self.UNK) for c in t] + ([self.EOS] if eos else [])
            for t in texts
        ]
        lengths = np.array([len(i) for i in ids], dtype=np.int64)
        if lengths.min() == 0:
            raise ValueError("an empty string has nothing to encode")
        tokens = np.full((len(ids), lengths.max()), self.PAD, dtype=np.int64)
        tokens[np.arange(lengths.max()) < lengths[:, None]] = np.concatenate(ids)
        return torch.from_numpy(tokens), torch.from_numpy(lengths)

    def decode(self, ids):
        """Characters of one row of ids up to the first ``</s>``; other specials are
        skipped."""
        out = []
        for i in ids.tolist() if hasattr(ids, "tolist") else ids:
            if i == self.EOS:
                break
            if i >= len(self.SPECIALS):
                out.append(self.tokens[i])
        return "".join(out)


#: The output vocabulary: ``<pad> <s> </s> <unk> - 0 1 ... 9``.
TARGET_VOCAB = Vocab(ISO_CHARS)


def task_vocab(patterns=LOCALES):
    """The input vocabulary of the task: every character any of ``patterns`` can write.

    Made from 19 days (the first of every month and seven days in a row, so every month
    and every weekday) written in all four styles of each locale, plus the ten digits,
    so it does not depend on a random sample.

    Args:
        patterns: locale ids (default :data:`LOCALES`).

    Returns:
        a :class:`Vocab`.
    """
    days = [dt.date(2023, month, 1) for month in range(1, 13)] + [
        dt.date(2023, 1, day) for day in range(2, 9)
    ]
    texts = [
        human_date(day, loc, style)
        for loc in patterns
        for style in STYLES
        for day in days
    ]
    return Vocab.from_texts(texts + ["0123456789"])


def digit_strings(n, rng, shortest=2, longest=15):
    """``n`` random strings of decimal digits, lengths uniform in ``[shortest,
    longest]``.

    The copy task of the bottleneck experiment: the output is the input, so what the
    decoder must know grows with the length.

    Raises:
        ValueError: if ``n < 1`` or ``1 <= shortest <= longest`` fails.
    """
    if int(n) != n or n < 1 or not 1 <= shortest <= longest:
        raise ValueError(
            f"n={n}, shortest={shortest}, longest={longest}: need n >= 1 and "
            "1 <= shortest <= longest"
        )
    sizes = rng.integers(shortest, longest + 1, size=int(n))
    return ["".join(str(d) for d in rng.integers(0, 10, size=k)) for k in sizes]


def build_model(
    src_vocab,
    attention=True,
    embed_size=32,
    hidden_size=64,
    tgt_vocab=None,
    seed=0,
    bidirectional=True,
):
    """The chapter's model: a bidirectional GRU encoder and a GRU decoder.

    Args:
        src_vocab, tgt_vocab: :class:`Vocab` (``tgt_vocab`` default
            :data:`TARGET_VOCAB`).
        attention: the decoder attends (True) or reads one fixed summary vector (False).
        embed_size, hidden_size: embedding and GRU sizes, the same in both halves.
        seed: ``torch.manual_seed`` for the initial weights, so both models start alike.

    Returns:
        a :class:`cnnlib.models.seq2seq.Seq2Seq`.
    """
    tgt_vocab = TARGET_VOCAB if tgt_vocab is None else tgt_vocab
    torch.manual_seed(seed)
    encoder = Encoder(
        len(src_vocab), embed_size, hidden_size, bidirectional, pad_id=Vocab.PAD
    )
    decoder = Decoder(
        len(tgt_vocab),
        encoder.output_size,
        embed_size,
        hidden_size,
        attention=attention,
        pad_id=Vocab.PAD,
    )
    return Seq2Seq(encoder, decoder, Vocab.SOS, Vocab.EOS, Vocab.PAD)


def train(
    model, src, lengths, target, steps=200, batch_size=128, lr=3e-3, clip=1.0, seed=0
):
    """Train ``model`` with teacher forcing; returns the loss of every step.

    Each step draws a random batch, trims its padding to the longest row, computes the
    mean cross-entropy of the teacher-forced outputs (:meth:`Seq2Seq.loss`), clips the
    gradient's norm to ``clip`` and takes one Adam step.

    Args:
        model: a :class:`cnnlib.models.seq2seq.Seq2Seq`.
        src, lengths, target: the encoded training set (:meth:`Vocab.encode`),
            ``(N, S)``, ``(N,)`` and ``(N, T)`` int64.
        steps, batch_size, lr, clip: the training budget and Adam's learning rate.
        seed: for the order of the batches.

    Returns:
        list of ``steps`` floats.

    Raises:
        ValueError: if the numbers of rows disagree or ``steps``/``batch_size`` < 1.
    """
    if not src.shape[0] == lengths.shape[0] == target.shape[0]:
        raise ValueError(
            f"{src.shape[0]} inputs, {lengths.shape[0]} lengths, "
            f"{target.shape[0]} targets"
        )
    if steps < 1 or batch_size < 1:
        raise ValueError(f"steps={steps}, batch_size={batch_size}: both must be >= 1")
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        rows = torch.randint(0, src.shape[0], (batch_size,), generator=generator)
        width = int(lengths[rows].max())
        loss = model.loss(src[rows, :width], lengths[rows], target[rows])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return losses


def translate(model, texts, src_vocab, tgt_vocab=None, max_len=12):
    """Greedy translations of ``texts`` and their attention weights.

    Returns:
        ``(outputs, weights)``: N strings, and a ``(N, T, S)`` numpy array
        (``None`` without attention): row t of example n is where output character t
        looked.
    """
    tgt_vocab = TARGET_VOCAB if tgt_vocab is None else tgt_vocab
    src, lengths = src_vocab.encode(texts)
    model.eval()
    with one_thread():
        tokens, weights = model.greedy(src, lengths, max_len=max_len)
    outputs = [tgt_vocab.decode(row) for row in tokens]
    return outputs, None if weights is None else weights.numpy()


def exact_match(outputs, targets):
    """Boolean array: ``outputs[i] == targets[i]`` (the whole date right, or wrong)."""
    if len(outputs) != len(targets):
        raise ValueError(f"{len(outputs)} outputs for {len(targets)} targets")
    return np.array([o == t for o, t in zip(outputs, targets)], dtype=bool)


def accuracy_by_length(correct, lengths, edges):
    """Exact-match accuracy in bins of input length.

    Args:
        correct: ``(N,)`` bool; lengths: ``(N,)`` input lengths in characters.
        edges: increasing bin edges; bin i holds ``edges[i] <= length < edges[i + 1]``.

    Returns:
        ``(accuracy, counts)``: two arrays of ``len(edges) - 1``; an empty bin
        has accuracy ``nan``.
    """
    correct, lengths = np.asarray(correct, dtype=float), np.asarray(lengths)
    edges = np.asarray(edges)
    if correct.shape != lengths.shape or edges.ndim != 1 or np.any(np.diff(edges) <= 0):
        raise ValueError("correct and lengths must have one shape; edges must increase")
    which = np.digitize(lengths, edges) - 1
    counts = np.array([np.sum(which == i) for i in range(len(edges) - 1)])
    accuracy = np.array(
        [
            correct[which == i].mean() if counts[i] else np.nan
            for i in range(len(edges) - 1)
        ]
    )
    return accuracy, counts


def weekday(day, locale):
    """The weekday's name as ``locale``'s full style writes it (CLDR's ``EEEE``)."""
    from babel.dates import format_date

    return format_date(day, "EEEE", locale=_locale(locale))


def year_attention(weights, texts, isos, spread=1):
    """How much attention the four year digits of the output pay to the year in the
    input.

    For each example whose input contains the four-digit year (``"2024"``), the
    attention weight that output positions 0-3 put on the input positions of those four
    digits, give or take ``spread`` positions, averaged over the four outputs.

    Args:
        weights: ``(N, T, S)`` attention weights (:func:`translate`), ``T >= 4``.
        texts, isos: the N inputs and their ISO dates.
        spread: how many neighbouring input positions on each side also count.

    Returns:
        ``(N,)`` float array, ``nan`` where the input writes a two-digit year.
    """
    weights = np.asarray(weights)
    out = np.full(len(texts), np.nan)
    for n, (text, iso) in enumerate(zip(texts, isos)):
        start = text.find(iso[:4])
        if start >= 0:
            lo, hi = max(0, start - spread), min(weights.shape[2], start + 4 + spread)
            out[n] = weights[n, :4, lo:hi].sum(axis=1).mean()
    return out


def transformer_parts(layer):
    """Parameter counts of a ``torch.nn.TransformerEncoderLayer``, by part.

    Returns:
        ``{"self-attention": ..., "feed-forward": ..., "layer norms": ...}`` (ints),
        which add up to the layer's total.
    """
    parts = {
        "self-attention": layer.self_attn,
        "feed-forward": (layer.linear1, layer.linear2),
        "layer norms": (layer.norm1, layer.norm2),
    }
    count = {}
    for name, modules in parts.items():
        modules = modules if isinstance(modules, tuple) else (modules,)
        count[name] = sum(p.numel() for m in modules for p in m.parameters())
    return count


def self_attention(x, W_q, W_k, W_v, mask=None):
    """Scaled dot-product self-attention, written out (Vaswani et al., 2017, eq. 1).

    ``Q, K, V = x W_q, x W_k, x W_v``; ``weights = softmax(Q K^T / sqrt(d_k))`` over the
    keys (``-inf`` where ``mask`` is False); returns ``(weights V, weights)``.

    Args:
        x: ``(N, S, D)``; W_q, W_k: ``(D, d_k)``; W_v: ``(D, d_v)``.
        mask: ``(N, S)`` bool, True on real positions (keys on padding get weight 0).

    Returns:
        ``(out, weights)``: ``(N, S, d_v)`` and ``(N, S, S)``.
    """
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights

"""torch models the later chapters build, train and count.

One submodule per family, each re-exported here:

* ``cnn``: AlexNet (with the two-tower grouped variant), VGG, NiN, GoogLeNet's Inception block,
  ResNet blocks and ResNet-18 (chapter 9), and their per-layer summary;
* ``rnn``: the vanilla RNN cell written out, ``CharRNN`` (chapter 10);
* ``seq2seq``: ``Encoder``, ``Decoder``, ``AdditiveAttention``, ``Seq2Seq`` (chapter 11).
"""
from .rnn import CharRNN  # noqa: E402,F401
from .rnn import RNNClassifier  # noqa: E402,F401
from .rnn import VanillaRNN  # noqa: E402,F401
from .rnn import rnn_step  # noqa: E402,F401
from .rnn import sample  # noqa: E402,F401
from .rnn import softmax_temperature  # noqa: E402,F401
from .cnn import AlexNet  # noqa: E402,F401
from .cnn import BasicBlock  # noqa: E402,F401
from .cnn import Bottleneck  # noqa: E402,F401
from .cnn import Inception  # noqa: E402,F401
from .cnn import LocalResponseNorm  # noqa: E402,F401
from .cnn import NiNBlock  # noqa: E402,F401
from .cnn import ResNet18  # noqa: E402,F401
from .cnn import VGG16  # noqa: E402,F401
from .summary import summary  # noqa: E402,F401
from .summary import weight_layers  # noqa: E402,F401
from .summary import receptive_path  # noqa: E402,F401
from .seq2seq import AdditiveAttention  # noqa: E402,F401
from .seq2seq import Decoder  # noqa: E402,F401
from .seq2seq import Encoder  # noqa: E402,F401
from .seq2seq import Seq2Seq  # noqa: E402,F401
from .seq2seq import padding_mask  # noqa: E402,F401
from .seq2seq import reverse_padded  # noqa: E402,F401

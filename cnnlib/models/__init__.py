"""torch models the later chapters build, train and count.

One submodule per family, each re-exported here:

* ``cnn``: AlexNet (with the two-tower grouped variant), VGG, NiN, GoogLeNet's Inception block,
  ResNet blocks and ResNet-18 (chapter 9), and their per-layer summary;
* ``rnn``: the vanilla RNN cell written out, ``CharRNN`` (chapter 10);
* ``seq2seq``: ``Encoder``, ``Decoder``, ``AdditiveAttention``, ``Seq2Seq`` (chapter 11).
"""

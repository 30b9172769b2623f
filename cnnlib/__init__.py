"""cnnlib: the library behind the interactive textbook on convolutional neural networks.

Topic modules, used by two or more chapters:

* :mod:`cnnlib.functional` - numpy convolution, pooling and their backward passes (what the book teaches);
* :mod:`cnnlib.kernels`, :mod:`cnnlib.counting`, :mod:`cnnlib.gradcheck` - named kernels, parameter,
  multiply and receptive-field counts, finite-difference gradient checks;
* :mod:`cnnlib.data` - real images and signals that installed packages ship (no downloads);
* :mod:`cnnlib.models` - torch models of the later chapters;
* :mod:`cnnlib.plot`, :mod:`cnnlib.explorer` - shared drawing helpers and the interactive explorers;
* :mod:`cnnlib.checks` - the auto-checks of the exercises.

What one chapter alone uses lives in :mod:`cnnlib.chapters` (``chapters/chNN_slug/``).
"""
__version__ = "0.2.0"

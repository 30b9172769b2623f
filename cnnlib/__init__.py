"""cnnlib: the library behind the interactive textbook on convolutional neural networks.

* :mod:`cnnlib.functional` - numpy convolution, pooling and their backward passes (what the book teaches);
* :mod:`cnnlib.gradcheck` - finite-difference gradient checks;
* :mod:`cnnlib.data` - real images and signals that installed packages ship (no downloads);
* :mod:`cnnlib.plot`, :mod:`cnnlib.widgets` - figures and interactive explorers;
* :mod:`cnnlib.exercises` - auto-checks for the chapters' exercises.
"""
__version__ = "0.1.0"

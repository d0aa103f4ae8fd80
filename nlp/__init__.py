"""Back end of RNN Studio: corpora, tokenizers, batching, training, decoding, runs.

Nothing in this package imports Qt.
"""

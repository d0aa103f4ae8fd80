"""Translators: a GRU encoder-decoder with attention on sentence pairs."""

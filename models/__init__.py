"""The ``nn.Module``s of RNN Studio: reference cells, language models, translators."""

"""Back end of RNN Studio, one subpackage per concept (docs/architecture.md has the map).

``data`` (text in, tensors out), ``training`` (the loop and its settings),
``runs`` (folders and checkpoints on disk), ``decoding`` (using a model),
``tasks`` (language model, translator, series: one shape each), ``analysis``
(looking inside a model), ``experiments`` (many runs), ``cli`` (commands).
Each imports only those below it (``nlp.cli`` at the top, ``nlp.errors`` at the
bottom; pyproject.toml's import-linter contracts keep it so), and nothing in
this package imports Qt.
"""

"""Experiments over many runs: LSTM-vs-GRU comparisons and hyperparameter search."""

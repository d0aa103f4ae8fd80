"""Using a trained model: sampling text, fast CPU inference, greedy and beam search, the translator."""

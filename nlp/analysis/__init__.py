"""Looking inside a trained model: gate activations, attention, saliency."""

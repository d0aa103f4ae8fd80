"""Training any task: the trainer loop and its events, settings, devices and precision, the recipe that picks them, terminal progress, LM scores."""

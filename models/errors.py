"""The errors the models raise, at the bottom of the layers.

:class:`StudioError` is the base of every error a person can act on: its
message is shown as is (on stderr by the CLI, in a dialog by the window).
The models raise :class:`ConfigError` for a setting they cannot take; the
back end's own errors (corpora, checkpoints, training) build on the same base
in :mod:`nlp.errors`, which re-exports both, so everything above imports
its errors from one place.
"""


class StudioError(Exception):
    """A problem with the user's input, explained in plain words."""


class ConfigError(StudioError):
    """A setting has an unknown name or an invalid value."""

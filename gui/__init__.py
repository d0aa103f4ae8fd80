"""The PySide6 window. Holds no tensor math: it drives ``nlp`` like the CLI does."""

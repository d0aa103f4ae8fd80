"""The Experiments page and its tabs: runs compared (``compare``), hyperparameter
searches (``search``), and the tables and texts they share (``tables``)."""

"""The Train page and its parts: the set-up form (``form``), the jobs it queues
(``jobs``), the live run (``live``) and a saved run shown (``run_view``)."""

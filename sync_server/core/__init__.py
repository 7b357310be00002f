"""The server core, plain Python: every rule and every query lives here, behind services
that take a database handle and the acting user (``access.Actor``)."""

"""Measuring medcore: ``python -m medcore bench`` (speed and quality of every shipped model on
the path users run), the real-browser timings, and the held-out samples the bench and the
browser tests upload. Not imported by the pages."""

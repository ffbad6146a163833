"""Local validation: a site measures a shipped classifier on its own labelled cases and fits what
it may change without retraining (a calibration map, a threshold, the prediction sets), kept in
one small, hashed site profile.

- ``figures``      probabilities + labels -> the figures (scikit-learn's names), per subgroup
- ``recalibrate``  the map, the threshold and the conformal quantiles, fitted on one part of
                   the local cases and measured on the other
- ``profile``      the site profile file: build, hash, load (refusing another model's or a
                   tampered one), apply to probabilities
- ``cases``        labelled uploads of each workbench -> probabilities through its service
- ``measure``      one run: every output's figures beside the card's, a new profile
- ``report``       the self-contained HTML validation report
- ``annotate``     a profile's answers added to ``predict``/``score`` rows
- ``command``      ``python -m medcore validate`` and ``--site`` (``medcore.bench.validation``
                   times it)
"""

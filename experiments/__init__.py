"""The application around the library: the ``aieco`` command line, sweeps and benchmarks.

This is the Hydra-aware layer: it composes configurations (:mod:`experiments.cli.config`),
runs scenarios, sweeps and comparisons, and measures speed (:mod:`experiments.bench`). The
library (:mod:`sim`) never imports it. The named experiments' configs are in
``configs/experiment/``; :mod:`experiments.catalogue` writes their catalogue, and
:mod:`experiments.calibrate` and :mod:`experiments.verification` produce the calibration and
the verification figures.
"""

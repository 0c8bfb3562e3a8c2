"""``aieco explore``: the model in the browser (run live, compare two scenarios, browse sweeps).

The explorer is part of the application layer: it builds on the library's public API
(:class:`sim.Params`, :class:`sim.EcosystemModel`, :func:`sim.run`, :func:`sim.run_replicates`)
and on :mod:`analysis` for saved sweeps; :mod:`sim` never imports it.

Layout: the logic, importable and testable without Solara, is in :mod:`.controls` (controls
generated from the parameter schema; a scenario and its ``aieco run`` line), :mod:`.live`
(a live run and the frames the page shows), :mod:`.compare` (paired runs and their
differences), :mod:`.sweeps` (a sweep folder, the explorer's own saved runs), :mod:`.svg`
(the charts), :mod:`.views` (the live page's HTML) and :mod:`.odd` (the model description).
The Solara pages are the ``ui_*`` modules and :mod:`.app` (routes and the banner);
:mod:`.cli` starts the server (``python -m experiments.explore`` runs it too), and
:mod:`.measure` times it in a real browser against its speed targets.

Invariant: a number shown on the live page is a number of ``sim.run`` for the scenario and
seed the page shows as an ``aieco run`` line. Every change of a model parameter therefore
takes effect when the model is rebuilt (Reset); only the run length applies mid-run.
"""

"""The sweep engine behind ``aieco sweep``: Hydra's syntax outside, batches of runs inside.

The user's side is Hydra's multirun (``key=a,b,c``, ``run.seed=range(0,10)``,
``+experiment=NAME``, ``hydra.sweep.dir``, ``hydra/launcher=...``); underneath no Hydra job
runs. The parent process

1. composes the configuration once with Hydra (:mod:`experiments.engine.settings`) and
   derives every setting of the sweep from it, checking the first against a full Hydra
   composition (a setting costs milliseconds instead of a fraction of a second);
2. expands settings x replicates into a list of :class:`sim.batch.RunSpec`, each with its
   folder named by its overrides as Hydra would name it;
3. hands them to an executor (:mod:`experiments.engine.executors`): this process, a local
   pool of long-lived single-threaded workers, or SLURM array jobs through submitit
   (:mod:`experiments.engine.slurm`), each task a batch of runs;
4. holds the sweep folder's lock throughout, shows progress, stops cleanly on Ctrl-C and
   SIGTERM, and collects the runs at the end (:mod:`experiments.engine.sweep`).
"""

"""Figures and reports from saved results: reads run folders and sweeps, never the model.

One seaborn theme (:mod:`analysis.theme`), one function per figure
(:mod:`analysis.figures`), and :func:`analysis.report.make_report` to assemble them.
"""

"""The mechanisms of the model: one module each, with narrow inputs.

A rule takes the stores, the parameter section and the arrays it uses, changes the state it
owns, and returns what the rest of the quarter needs; it never reads or writes the model.
Rules do not import one another: what several share (release levels, build modes, logit
draws, jurisdiction draws) is in :mod:`sim.vocabulary`, and a quantity one rule needs from
another is passed in by the phase that calls both (:mod:`sim.phases`).
"""

"""Validating a whole scenario: the schema, then what depends on the regimes.

:func:`validate` is what the model, the command line and the samplers call before any run.
It raises :class:`~sim.params.ConfigError` with a one-line message naming the key, the
value and what is allowed.
"""

from __future__ import annotations

from sim.params import ConfigError, Params, check_schema, nearest
from sim.regimes import OPENNESS, REGULATION


def validate(params: Params) -> Params:
    """Check every value of ``params``, and that its regimes accept their settings.

    Returns
    -------
    Params
        The same object, for chaining.

    Raises
    ------
    ConfigError
        On the first value outside what the model accepts.
    """
    check_schema(params)
    for key, registry in (("openness.name", OPENNESS), ("regulation.name", REGULATION)):
        name = getattr(params, key.split(".")[0]).name
        if name not in registry:
            raise ConfigError(key, name, f"unknown regime{nearest(name, registry)}; choose one "
                              "of: " + ", ".join(sorted(registry)))
    regime = OPENNESS[params.openness.name]
    if params.openness.release_level not in regime.levels:
        raise ConfigError("openness.release_level", params.openness.release_level,
                          f"openness={regime.name} allows "
                          + " or ".join(str(int(v)) for v in regime.levels))
    if params.openness.licence not in regime.licences:
        raise ConfigError("openness.licence", params.openness.licence,
                          f"openness={regime.name} allows " + ", ".join(regime.licences))
    return params

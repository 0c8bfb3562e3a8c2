"""Hydra configuration for the command line: schema registration, composition, checks.

This module (and the rest of :mod:`experiments.cli`) is the only place that imports Hydra. The
schema is the frozen dataclasses of :mod:`sim.params`, thawed for Hydra's ConfigStore so
that overrides can be merged and type-checked. Composition errors are turned into one line
naming the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from analysis.collect import ExperimentMeta
from sim.params import ConfigError, Params, config_dir, sections
from sim.validation import validate

SCHEMA = "aieco_schema"
TYPE_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false",
              "str": "a string", "tuple[float, ...]": "a list of numbers"}


def _thaw(node: DictConfig) -> DictConfig:
    """Clear the read-only flags OmegaConf sets on frozen dataclasses."""
    OmegaConf.set_readonly(node, None)
    for key in node.keys():
        child = node._get_node(key)
        if isinstance(child, DictConfig):
            _thaw(child)
        elif isinstance(child, ListConfig):
            OmegaConf.set_readonly(child, None)
    return node


@dataclass(frozen=True)
class CliConfig(Params):
    """The command line's schema: the model's parameters plus experiment metadata."""

    experiment: ExperimentMeta = field(default_factory=ExperimentMeta)


def register_schema() -> None:
    """Put the parameter schema into Hydra's ConfigStore (idempotent)."""
    ConfigStore.instance().store(name=SCHEMA, node=_thaw(OmegaConf.structured(CliConfig)))


def groups() -> dict[str, list[str]]:
    """Parameter config groups and their options, read from the config folder."""
    root = config_dir()
    return {d.name: sorted(p.stem for p in d.glob("*.yaml"))
            for d in sorted(root.iterdir())
            if d.is_dir() and d.name not in ("experiment", "hydra")}


def experiments() -> list[str]:
    """Names of the named experiments (``configs/experiment/*.yaml``)."""
    return sorted(p.stem for p in (config_dir() / "experiment").glob("*.yaml"))


def experiment_meta(cfg: DictConfig) -> ExperimentMeta:
    """The experiment metadata of a composed config."""
    node = cfg.get("experiment")
    plain = OmegaConf.to_container(node) if node else {}
    if not isinstance(plain, dict):
        return ExperimentMeta()
    return ExperimentMeta(**{str(k): v for k, v in plain.items()})


def params_from_cfg(cfg: DictConfig) -> Params:
    """Build and validate :class:`Params` from a composed config (Hydra's node ignored)."""
    plain = _resolved(cfg)
    kwargs = {name: cls(**plain.get(name, {})) for name, cls in sections().items()}
    return validate(Params(**kwargs))


def _resolved(cfg: DictConfig) -> dict[str, Any]:
    """Every top-level node but Hydra's, resolved (Hydra's own resolves only in a job)."""
    return {str(k): OmegaConf.to_container(cfg[k], resolve=True) if OmegaConf.is_config(cfg[k])
            else cfg[k] for k in cfg.keys() if k != "hydra"}


def check_overrides(overrides: list[str]) -> None:
    """Check override keys and group options before Hydra sees them (one-line errors)."""
    options = groups()
    fields = {name: {g.name: g for g in dataclasses.fields(cls)}
              for name, cls in sections().items()}
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as exc:
        raise ConfigError("override", " ".join(overrides), _first_line(exc)) from None
    for ov in parsed:
        key = ov.key_or_group
        if key.startswith("hydra") or ov.is_delete():
            continue
        if key == "experiment":
            if ov.is_sweep_override():
                raise ConfigError("+experiment", str(ov.input_line).split("=", 1)[-1],
                                  "sweep one experiment at a time")
            if ov.value() not in experiments():
                raise ConfigError("+experiment", ov.value(),
                                  "choose one of: " + ", ".join(experiments()))
            continue
        value = ov.get_value_element_as_str() if not ov.is_sweep_override() else None
        if key in options and "." not in key:
            if value is not None and value not in options[key]:
                raise ConfigError(key, value, "choose one of: " + ", ".join(options[key]))
            continue
        group, _, name = key.partition(".")
        if group not in fields:
            raise ConfigError(key, value, "unknown key; groups are: " + ", ".join(fields))
        if name not in fields[group]:
            raise ConfigError(key, value, f"unknown key in {group}; valid keys: "
                              + ", ".join(fields[group]))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def explain(exc: BaseException, overrides: list[str]) -> ConfigError:
    """Turn a Hydra or OmegaConf composition error into a one-line :class:`ConfigError`."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
            key = str(cause.full_key)
            value = next((o.split("=", 1)[1] for o in reversed(overrides)
                          if o.lstrip("+~").split("=", 1)[0] == key), None)
            ref = getattr(cause, "ref_type", None)
            want = _wanted(key) or (f"expected {ref.__name__}" if isinstance(ref, type) else "")
            return ConfigError(key, value, want or _first_line(cause))
        cause = cause.__cause__ or cause.__context__
    return ConfigError("config", " ".join(overrides), _first_line(exc))


def _wanted(key: str) -> str:
    group, _, name = key.partition(".")
    cls = sections().get(group)
    for g in dataclasses.fields(cls) if cls is not None else ():
        if g.name == name:
            return "expected " + TYPE_WORDS.get(str(g.type), str(g.type))
    return ""


def compose_params(overrides: list[str], config_name: str = "config", *,
                   hydra: bool = False) -> tuple[Params, DictConfig]:
    """Compose the config with ``overrides`` and build validated parameters.

    With ``hydra=True`` the config keeps Hydra's own node, resolved against the same
    overrides (output folders with their ``${now:...}`` interpolations, launcher settings).

    Raises
    ------
    ConfigError
        With a one-line message, for any invalid key, option, type or value.
    """
    cfg = compose_config(overrides, config_name, hydra=hydra)
    try:
        return params_from_cfg(cfg), cfg
    except (OmegaConfBaseException, TypeError) as exc:
        raise explain(exc, overrides) from None


def compose_config(overrides: list[str], config_name: str = "config", *,
                   hydra: bool = False) -> DictConfig:
    """Compose the config with ``overrides``: keys, options and types checked, values not.

    A sweep's base composition: its values may be valid only together with a swept one
    (``openness.licence=copyleft`` swept over ``openness=open_weights,open_source``), so
    each setting is validated instead (:func:`compose_params`).
    """
    register_schema()
    check_overrides(overrides)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(version_base="1.3", config_dir=str(config_dir())):
            cfg = compose(config_name, overrides=overrides, return_hydra_config=hydra)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise explain(exc, overrides) from None
    finally:
        GlobalHydra.instance().clear()
    return cfg


def to_yaml(cfg: Any) -> str:
    """The resolved config without Hydra's own node, as YAML."""
    return OmegaConf.to_yaml(OmegaConf.create(_resolved(cfg)))


def override_key(text: str) -> str:
    """The key an override sets, whatever its prefix: ``++hydra.run.dir=x`` -> ``hydra.run.dir``."""
    return text.lstrip("+~").split("=", 1)[0]


def quote_value(text: str) -> str:
    """``text`` as a quoted value of Hydra's override grammar (spaces, commas, ``=`` kept).

    In Hydra's quoted strings a backslash escapes only a quote or the backslashes before
    one, so only those are escaped.
    """
    out, run = [], 0
    for ch in text:
        if ch == "\\":
            run += 1
            continue
        if ch == "'":
            out.append("\\" * (2 * run) + "\\'")
        else:
            out.append("\\" * run + ch)
        run = 0
    out.append("\\" * (2 * run))  # backslashes before the closing quote
    return "'" + "".join(out) + "'"


def output_dir(cfg: DictConfig, key: str) -> str:
    """The output folder ``key`` (``hydra.run.dir`` or ``hydra.sweep.dir``), resolved once.

    The folder is resolved from the composed config (``${now:...}`` and references to other
    keys included) and then passed to Hydra explicitly, so the checks made before a run and
    the folder Hydra writes into are the same, however the user spelt it.
    """
    value = OmegaConf.select(cfg, key)
    return str(value)

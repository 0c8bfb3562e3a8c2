"""A sweep's settings: Hydra's multirun semantics, composed in milliseconds per setting.

``aieco sweep`` keeps Hydra's syntax. :func:`define` reads the overrides the way Hydra's
basic sweeper does (the experiment's ``hydra.sweeper.params`` first, command-line values
replacing them; the cartesian product in that order, rendered by Hydra's own
``split_arguments``), composes the configuration once with Hydra, and names each setting's
folder with Hydra's ``override_dirname`` rule, so folders match those earlier versions made
and a sweep they started resumes.

Hydra composes a configuration in 0.25-0.3 s here, which for 20 settings is as long as 15
small runs. :class:`Composer` therefore composes once and derives each setting from that
configuration the way Hydra would: a swept config group takes its option file merged into
the schema's defaults, then whatever the experiment and the fixed overrides set in that
group; a swept value is set with ``OmegaConf.update`` on its group, type-checked by the
schema; interpolations resolve against the finished configuration. The first setting is
composed both ways and compared (parameters and configuration text); any difference, or
an override this path does not cover (deletions, appends, package overrides), makes every
setting go through Hydra instead, at Hydra's speed.

Folder names longer than a file system allows (255 bytes) are shortened stably: the start
of the name, then ``~`` and 16 hex digits of the SHA-256 of the full name; the manifest
keeps the full overrides.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from experiments.cli.config import (
    compose_config,
    compose_params,
    experiment_meta,
    output_dir,
    override_key,
    params_from_cfg,
    register_schema,
)
from sim.params import ConfigError, Params, config_dir, sections
from sim.params.options import option_values
from sim.validation import validate

#: keys that do not tell runs apart: left out of run-folder names and of a sweep's identity
NOT_IN_NAMES = ("experiment", "run.replicates", "run.progress", "run.flush_every")
#: the longest folder name most file systems take, in bytes
NAME_MAX = 255
#: what a shortened name keeps of the full one before ``~`` and its hash
SHORT_KEEP = 200


@dataclass(frozen=True)
class Setting:
    """One setting of a sweep: a Hydra job's overrides and what they compose.

    Attributes
    ----------
    overrides : tuple of str
        The job's overrides as Hydra's sweeper renders them.
    swept : dict
        ``key -> value`` of every override but the experiment (the manifest's ``swept``).
    folder : str
        Its folder's name under the sweep folder (``""``: the sweep folder itself).
    params : Params
        The composed, validated scenario.
    config_yaml : str
        The resolved configuration, as ``config.yaml`` holds it.
    """

    overrides: tuple[str, ...]
    swept: dict[str, str]
    folder: str
    params: Params
    config_yaml: str


@dataclass
class SweepDefinition:
    """A parsed sweep: its experiment, overrides, jobs and the configuration composed once."""

    name: str
    plain: list[str]
    own: list[str]
    sweeper: dict[str, str]
    jobs: list[list[str]]
    cfg: DictConfig

    @property
    def identity(self) -> dict[str, object]:
        """What makes a sweep folder this sweep: experiment, fixed values and levers.

        More seeds or more levels of the same levers extend a sweep; anything else is
        another sweep and needs another folder.
        """
        fixed = sorted(t.lstrip("+~") for t in self.plain
                       if override_key(t) not in NOT_IN_NAMES)
        return {"experiment": self.name, "fixed": fixed, "levers": sorted(self.sweeper)}


def split(overrides: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Split overrides into (model values, sweeps over model values, Hydra's own)."""
    plain, sweeps, own = [], [], []
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as exc:
        raise ConfigError("override", " ".join(overrides),
                          str(exc).strip().splitlines()[0]) from None
    for text, ov in zip(overrides, parsed, strict=True):
        key = ov.key_or_group
        if key == "experiment" and ov.is_sweep_override():
            raise ConfigError("+experiment", text.split("=", 1)[-1],
                              "sweep one experiment at a time (a folder holds one experiment)")
        if key.startswith("hydra"):
            own.append(text)
        elif ov.is_sweep_override():
            sweeps.append(text)
        else:
            plain.append(text)
    return plain, sweeps, own


def define(overrides: list[str], own: list[str] | None = None) -> SweepDefinition:
    """Parse a sweep's overrides and compose its configuration once (Hydra node included).

    ``own`` replaces the Hydra overrides found in ``overrides`` (the caller may have taken
    out keys of its own). Raises :class:`ConfigError` in one line on any bad key, value,
    option or sweep.
    """
    plain, sweeps, found_own = split(overrides)
    own = found_own if own is None else own
    cfg = compose_config([*plain, *own], hydra=True)
    fixed = {override_key(t) for t in plain}
    # a value given on the command line replaces the experiment's sweep of that key
    params_cfg = cfg.hydra.sweeper.get("params") or {}
    sweeper = {str(k): str(v) for k, v in params_cfg.items() if str(k) not in fixed}
    for text in sweeps:
        key, _, value = text.lstrip("+").partition("=")
        sweeper[key] = value
    jobs = _jobs([f"{k}={v}" for k, v in sweeper.items()], plain)
    return SweepDefinition(experiment_meta(cfg).name or "sweep", plain, own, sweeper, jobs,
                           cfg)


def _jobs(sweeper: list[str], plain: list[str]) -> list[list[str]]:
    """Every job's overrides, in Hydra's basic sweeper's order and rendering."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    try:
        parsed = OverridesParser.create().parse_overrides([*sweeper, *plain])
        (jobs,) = BasicSweeper.split_arguments(parsed, None)
    except HydraException as exc:
        raise ConfigError("sweep", " ".join(sweeper), str(exc).strip().splitlines()[0]) from None
    return [list(job) for job in jobs]


def folder_name(job: list[str], parsed: list[Override] | None = None) -> str:
    """The job's folder name: Hydra's ``override_dirname`` (sorted ``key=value`` joined by
    commas, without :data:`NOT_IN_NAMES`), made safe and short enough.

    A ``/`` in a value would make nested folders and becomes ``%2F``; a name over
    :data:`NAME_MAX` bytes keeps its first :data:`SHORT_KEEP` bytes (whole characters), then
    ``~`` and 16 hex digits of the full name's SHA-256: stable, and distinct for distinct
    overrides.
    """
    from hydra._internal.config_loader_impl import get_overrides_dirname

    if parsed is None:
        parsed = OverridesParser.create().parse_overrides(job)
    name = get_overrides_dirname(parsed, list(NOT_IN_NAMES), item_sep=",", kv_sep="=")
    name = name.replace("/", "%2F")
    if name in (".", ".."):
        name = name.replace(".", "%2E")
    raw = name.encode()
    if len(raw) <= NAME_MAX:
        return name
    head = raw[:SHORT_KEEP].decode(errors="ignore")
    return f"{head}~{hashlib.sha256(raw).hexdigest()[:16]}"


def swept_values(job: list[str]) -> dict[str, str]:
    """The ``key=value`` overrides of a job, without Hydra's own and the experiment."""
    out = {}
    for item in job:
        key, sep, value = item.lstrip("+~").partition("=")
        if sep and not key.startswith("hydra") and key != "experiment":
            out[key] = value
    return out


# ------------------------------------------------------------------------------------------
# composing settings
# ------------------------------------------------------------------------------------------


class _Fallback(Exception):
    """An override this composer does not derive; Hydra composes the setting instead."""


class Composer:
    """Every setting of a sweep, derived from one Hydra composition (see the module).

    Parameters
    ----------
    definition : SweepDefinition
        The sweep; its ``cfg`` is the composition the settings derive from.
    """

    def __init__(self, definition: SweepDefinition) -> None:
        register_schema()
        self.d = definition
        cfg = definition.cfg
        self.base = {str(k): OmegaConf.to_container(cfg[k], resolve=False)
                     if OmegaConf.is_config(cfg[k]) else cfg[k]
                     for k in cfg.keys() if k != "hydra"}
        self.groups = set(_sections())
        parser = OverridesParser.create()
        self.plain = parser.parse_overrides(definition.plain)
        self.swept_keys = set(definition.sweeper)
        self.overlay = self._experiment_overlay()
        self.fast = self._covered()
        self.note = ""
        self._memo: dict[tuple[str, str, str], dict[str, Any]] = {}

    def _experiment_overlay(self) -> dict[str, Any]:
        for ov in self.plain:
            if ov.key_or_group == "experiment" and not ov.is_delete():
                path = config_dir() / "experiment" / f"{ov.value()}.yaml"
                data = yaml.safe_load(path.read_text()) or {}
                return data if isinstance(data, dict) else {}
        return {}

    def _covered(self) -> bool:
        """Whether every override is one this composer derives exactly."""
        for ov in self.plain:
            if ov.is_delete() or ov.package is not None:
                return False
            if ov.key_or_group == "experiment":
                continue
            if (ov.is_add() or ov.is_force_add()) and ov.key_or_group not in self.groups:
                return False
        for key in self.swept_keys:
            group, _dot, name = key.partition(".")
            if group not in self.groups or "@" in key or "." in name:
                return False
        return True

    def settings(self) -> list[Setting]:
        """Every job's setting, composed and validated (one-line ConfigError otherwise)."""
        jobs = self.d.jobs
        out: list[Setting] = []
        for i, job in enumerate(jobs):
            if self.fast:
                try:
                    setting = self._derive(job)
                except _Fallback as why:
                    self._fall_back(str(why))
                    setting = self._hydra(job)
                if i == 0 and self.fast:
                    reference = self._hydra(job)
                    if (reference.params != setting.params
                            or reference.config_yaml != setting.config_yaml):
                        self._fall_back("the first setting differs from Hydra's composition")
                        setting = reference
            else:
                setting = self._hydra(job)
            out.append(setting)
        return out

    def _fall_back(self, why: str) -> None:
        self.fast = False
        self.note = why
        print(f"aieco sweep: composing each setting with Hydra ({why}); this takes "
              "about 0.3 s per setting", file=sys.stderr)

    def _hydra(self, job: list[str]) -> Setting:
        """The setting as a full Hydra composition makes it (the reference)."""
        from experiments.cli.config import to_yaml

        params, cfg = compose_params(job)
        return Setting(tuple(job), swept_values(job), folder_name(job), params, to_yaml(cfg))

    def _derive(self, job: list[str]) -> Setting:
        overrides = OverridesParser.create().parse_overrides(job)
        parsed = {ov.key_or_group: ov for ov in overrides}
        plain = dict(self.base)
        touched: dict[str, dict[str, Any]] = {}
        for key in self.swept_keys:
            group, dot, name = key.partition(".")
            if not dot:  # a config group: its option, then what comes after it in Hydra
                touched[group] = self._group_from_option(group, str(parsed[key].value()))
        for key in self.swept_keys:
            group, dot, name = key.partition(".")
            if dot:
                node = touched.get(group) or _copy(self.base[group])
                touched[group] = node
                node[name] = _Value(parsed[key])
        for group, node in touched.items():
            plain[group] = self._typed(group, node)
        resolved = _resolve(plain)
        params = _params(resolved)
        return Setting(tuple(job), swept_values(job), folder_name(job, overrides), params,
                       dump_yaml(resolved))

    def _group_from_option(self, group: str, option: str) -> dict[str, Any]:
        """The group as Hydra composes it with ``group=option``: the option file over the
        schema's defaults, then the experiment's and the fixed overrides' values in it."""
        node: dict[str, Any] = dict(_option(group, option))
        extra = self.overlay.get(group)
        if isinstance(extra, dict):
            node.update(extra)
        for ov in self.plain:
            g, dot, name = ov.key_or_group.partition(".")
            if g == group and dot:
                if "." in name:
                    raise _Fallback(f"the nested override {ov.input_line}")
                node[name] = _Value(ov)
        return node

    def _typed(self, group: str, node: dict[str, Any]) -> dict[str, Any]:
        """``node`` over the group's schema defaults, every value checked and converted.

        Memoised: in a grid, a group takes each of its values in many settings.
        """
        values = {k: v for k, v in node.items() if not isinstance(v, _Value)}
        later = {k: v for k, v in node.items() if isinstance(v, _Value)}
        key = (group, repr(values), repr([(k, v.ov.value()) for k, v in later.items()]))
        if key not in self._memo:
            self._memo[key] = self._typed_now(group, values, later)
        return copy.deepcopy(self._memo[key])

    def _typed_now(self, group: str, values: dict[str, Any],
                   later: dict[str, _Value]) -> dict[str, Any]:
        try:
            cfg = OmegaConf.merge(_schema(group), values)
            for name, value in later.items():
                OmegaConf.update(cfg, name, value.ov.value(), merge=True)
        except OmegaConfBaseException as exc:
            from experiments.cli.config import _wanted

            key = f"{group}.{getattr(exc, 'key', '') or ''}".rstrip(".")
            bad = next((v.ov for k, v in later.items() if f"{group}.{k}" == key), None)
            text = bad.get_value_element_as_str() if bad is not None else None
            raise ConfigError(key, text, _wanted(key) or _first_line(exc)) from None
        plain = OmegaConf.to_container(cfg, resolve=False)
        assert isinstance(plain, dict)
        return {str(k): v for k, v in plain.items()}


@dataclass(frozen=True)
class _Value:
    """A value from an override, set after the group's files (as Hydra applies them)."""

    ov: Override


def _copy(node: Any) -> dict[str, Any]:
    return dict(node) if isinstance(node, dict) else {}


@functools.cache
def _schema(group: str) -> DictConfig:
    """The group's schema node (its dataclass, thawed as the command line's schema is)."""
    from experiments.cli.config import _thaw

    return _thaw(OmegaConf.structured(_sections()[group]))


def _resolve(plain: dict[str, Any]) -> dict[str, Any]:
    """``plain`` with its interpolations resolved (only when it has any: that is slow)."""
    if "${" not in repr(plain):
        return plain
    out = OmegaConf.to_container(OmegaConf.create(plain), resolve=True)
    assert isinstance(out, dict)
    return {str(k): v for k, v in out.items()}


@functools.cache
def _sections() -> dict[str, type]:
    return sections()


@functools.cache
def _option(group: str, option: str) -> tuple[tuple[str, Any], ...]:
    return tuple(option_values(group, option).items())


def _params(resolved: dict[str, Any]) -> Params:
    kwargs = {name: cls(**resolved.get(name, {})) for name, cls in _sections().items()}
    try:
        return validate(Params(**kwargs))
    except TypeError as exc:
        raise ConfigError("config", "", str(exc)) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@functools.cache
def _dumper() -> type:
    from omegaconf._utils import get_omega_conf_dumper

    omega = get_omega_conf_dumper()
    base = getattr(yaml, "CDumper", yaml.Dumper)

    class Dumper(base):  # type: ignore[misc, valid-type]
        """OmegaConf's YAML dumper (same text) on libyaml's emitter when available."""

    Dumper.add_representer(str, omega.str_representer)
    return Dumper


def dump_yaml(plain: dict[str, Any]) -> str:
    """``plain`` as ``OmegaConf.to_yaml`` writes it (a test checks the text is the same)."""
    return str(yaml.dump(plain, default_flow_style=False, allow_unicode=True,
                         sort_keys=False, Dumper=_dumper()))


def sweep_dir(definition: SweepDefinition, given: bool) -> str:
    """The sweep folder, resolved once: ``outputs/sweeps/NAME`` unless given.

    However it is spelt (``hydra.sweep.dir``, ``++hydra.sweep.dir``, ``${now:...}``), it is
    resolved here, once, so the sweep's record, its runs and its collection share one
    folder.
    """
    if not given:
        return f"outputs/sweeps/{definition.name}"
    return output_dir(definition.cfg, "hydra.sweep.dir")


def check_same(a: Params, b: Params) -> list[str]:
    """Names of the groups in which two scenarios differ (for messages and tests)."""
    return [f.name for f in dataclasses.fields(Params) if getattr(a, f.name) != getattr(b, f.name)]


def relative(root: Path, folder: str) -> Path:
    """A setting's folder under the sweep folder (the sweep folder itself for ``""``)."""
    return root / folder if folder else root


__all__ = ["NOT_IN_NAMES", "Composer", "Setting", "SweepDefinition", "check_same", "define",
           "dump_yaml", "folder_name", "params_from_cfg", "relative", "split", "sweep_dir",
           "swept_values"]

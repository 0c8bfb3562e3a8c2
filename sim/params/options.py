"""Named options and changes to a scenario, without Hydra.

The option files of the config groups (``configs/<group>/<option>.yaml``) ship inside the
package. Each sets some keys of its group; the schema's defaults give the rest. This module
reads them with plain YAML, so the library composes a named option exactly as the command
line does (a test compares the config hashes for every option of every group), and it
applies changes given as groups of keys or as dotted keys, refusing unknown keys and
labels that would not match their values.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sim.params.base import ConfigError, nearest
from sim.params.checks import check_schema
from sim.params.scenario import Params, sections


def config_dir() -> Path:
    """The configs shipped in the package, or the repository's ``configs/`` in a checkout."""
    shipped = Path(str(resources.files("sim"))) / "configs"
    if (shipped / "config.yaml").exists():
        return shipped
    repo = Path(__file__).resolve().parents[2] / "configs"
    if (repo / "config.yaml").exists():
        return repo
    raise FileNotFoundError("aieco configs not found: reinstall the package")


def option_groups() -> dict[str, list[str]]:
    """Every config group of the schema and the names of its option files."""
    root = config_dir()
    return {g: sorted(p.stem for p in (root / g).glob("*.yaml")) for g in sections()}


@functools.cache
def _option_values(group: str, option: str) -> tuple[tuple[str, Any], ...]:
    path = config_dir() / group / f"{option}.yaml"
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ConfigError(group, option, f"option file {path} does not hold a mapping")
    return tuple(data.items())


def option_values(group: str, option: str) -> dict[str, Any]:
    """The keys the option file ``configs/<group>/<option>.yaml`` sets.

    Raises
    ------
    ConfigError
        For an unknown group or option, naming the nearest valid ones.
    """
    groups = option_groups()
    if group not in groups:
        raise ConfigError(group, option, f"unknown config group{nearest(group, groups)}; "
                          "groups are: " + ", ".join(groups))
    if option not in groups[group]:
        raise ConfigError(group, option, f"unknown option{nearest(option, groups[group])}; "
                          "choose one of: " + ", ".join(groups[group]))
    return dict(_option_values(group, option))


def option_section(group: str, option: str) -> Any:
    """The group's dataclass as the named option composes it (schema defaults elsewhere)."""
    values = option_values(group, option)
    _check_keys(group, values)
    return sections()[group](**values)


@functools.cache
def default_options() -> dict[str, str]:
    """The option each group takes when none is named (the defaults of ``config.yaml``)."""
    entries = yaml.safe_load((config_dir() / "config.yaml").read_text())["defaults"]
    groups = sections()
    return {k: v for entry in entries if isinstance(entry, dict)
            for k, v in entry.items() if k in groups}


def _check_keys(group: str, values: Mapping[str, Any]) -> None:
    names = [f.name for f in dataclasses.fields(sections()[group])]
    for key, value in values.items():
        if key not in names:
            raise ConfigError(f"{group}.{key}", value,
                              f"unknown key in {group}{nearest(key, names)}; valid keys: "
                              + ", ".join(names))


def _by_group(changes: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"a.b": 1, "c": {"d": 2}}`` as ``{"a": {"b": 1}, "c": {"d": 2}}``, keys checked."""
    groups = sections()
    out: dict[str, dict[str, Any]] = {}
    for key, value in changes.items():
        group, dot, name = str(key).partition(".")
        if group not in groups:
            raise ConfigError(str(key), value, f"unknown config group{nearest(group, groups)}; "
                              "groups are: " + ", ".join(groups))
        if dot:
            out.setdefault(group, {})[name] = value
        elif isinstance(value, Mapping):
            out.setdefault(group, {}).update(value)
        else:
            raise ConfigError(group, value, f"a group takes a mapping of its keys, e.g. "
                              f"{group}={{'key': value}}, or use dotted keys '{group}.key'")
        _check_keys(group, out[group])
    return out


def apply_changes(params: Params, changes: Mapping[str, Any]) -> Params:
    """``params`` with ``changes`` (dotted keys or groups of keys) applied.

    A change of a group's ``name`` to one of its named options is refused unless the
    group's values then equal what that option composes with the keys given here.
    """
    replaced = {}
    for group, values in _by_group(changes).items():
        old = getattr(params, group)
        new = dataclasses.replace(old, **values)
        if "name" in values and new.name != old.name:
            _check_label(group, new, values)
        replaced[group] = new
    return dataclasses.replace(params, **replaced)


def _check_label(group: str, new: Any, given: Mapping[str, Any]) -> None:
    if new.name not in option_groups()[group]:
        return  # a label of the user's own (or a regime registered in code)
    expected = dataclasses.replace(option_section(group, new.name), **given)
    differ = [f.name for f in dataclasses.fields(new)
              if getattr(new, f.name) != getattr(expected, f.name)]
    if differ:
        raise ConfigError(f"{group}.name", new.name,
                          f"replace() changes only the label, but option {new.name} composes "
                          f"other values of {', '.join(differ)}; use "
                          f"Params.from_options({group}={new.name!r}) or "
                          f"params.with_options({group}={new.name!r})")


def with_options(params: Params, options: Mapping[str, str],
                 overrides: Mapping[str, Any]) -> Params:
    """``params`` with whole groups set to named options, then ``overrides``; validated."""
    sections_ = {group: option_section(group, str(option)) for group, option in options.items()}
    return check_schema(apply_changes(dataclasses.replace(params, **sections_), overrides))

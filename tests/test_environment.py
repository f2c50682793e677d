"""environment.yml (conda users) lists the same dependencies as pyproject.toml."""

import re
import tomllib

import yaml

from collabnet import config

# conda-forge package names that differ from the PyPI names
CONDA_NAMES = {"pyyaml": "pyyaml"}
# conda packages with no PyPI counterpart (the Java runtime Spark needs)
CONDA_ONLY = {"openjdk"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    return match.group(1).lower(), match.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())
    project = data["project"]
    reqs = list(project["dependencies"])
    for extra in ("test", "bench", "spark"):
        reqs += project["optional-dependencies"].get(extra, [])
    return dict(_split(r) for r in reqs)


def _environment() -> dict[str, str]:
    env = yaml.safe_load((config.PROJECT_ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            if item.startswith("-e") or item in ("pip",) or item.startswith("python>"):
                continue
            name, spec = _split(item)
            if name not in CONDA_ONLY:
                out[CONDA_NAMES.get(name, name)] = spec
    return out


def test_environment_yml_lists_the_same_packages_and_bounds_as_pyproject():
    pyproject, environment = _pyproject(), _environment()
    assert sorted(set(pyproject) - set(environment)) == [], "missing from environment.yml"
    assert sorted(set(environment) - set(pyproject)) == [], "missing from pyproject.toml"
    differing = {
        n: (pyproject[n], environment[n]) for n in pyproject if pyproject[n] != environment[n]
    }
    assert differing == {}


def test_environment_yml_installs_collabnet_itself():
    env = yaml.safe_load((config.PROJECT_ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip


# import name -> distribution name, where they differ
DISTRIBUTIONS = {"igraph": "python-igraph", "yaml": "pyyaml", "pyvis": "pyvis"}


def test_every_package_the_code_imports_is_declared():
    import ast
    import sys

    declared = set(_pyproject())
    imported = set()
    for path in (config.PROJECT_ROOT / "src" / "collabnet").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m != "collabnet"}
    undeclared = {m for m in third_party if DISTRIBUTIONS.get(m, m).lower() not in declared}
    assert undeclared == set()

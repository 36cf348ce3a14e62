"""Every environment variable the portal reads is in the README's configuration table."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_read_from_the_environment() -> set[str]:
    """Names passed to `env.<cast>("NAME", ...)` in portal/settings.py, however nested."""
    tree = ast.parse((ROOT / "portal/settings.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "env"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def read_elsewhere() -> set[str]:
    """`os.environ.get("NAME")` in the code, and the Makefile's `NAME ?= default` variables."""
    code = "".join(path.read_text() for path in (ROOT / "waivers").rglob("*.py"))
    names = set(re.findall(r"os\.environ\.get\(\"(\w+)\"", code))
    return names | set(re.findall(r"^(\w+) \?=", (ROOT / "Makefile").read_text(), re.M))


def configuration_table() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("|"))


def test_the_settings_reads_are_found():
    names = settings_read_from_the_environment()
    assert {"DEBUG", "DATABASE_URL", "CONN_MAX_AGE", "LOG_LEVEL", "THROTTLE_VERIFY"} <= names
    assert {"DEMO_PASSWORD", "TEST_DATABASE_URL", "TEST_REDIS_URL", "PORT"} <= read_elsewhere()


def test_every_environment_variable_is_in_the_readme_configuration_table():
    table = configuration_table()
    names = settings_read_from_the_environment() | read_elsewhere()
    undocumented = sorted(name for name in names if f"`{name}`" not in table)
    assert undocumented == []

"""docs/api.md, the API contract in the repository, lists exactly the schema's methods and paths."""

import re
from pathlib import Path

from drf_spectacular.generators import SchemaGenerator

DOC = Path(__file__).resolve().parents[2] / "docs/api.md"
ENDPOINT = re.compile(
    r"`((?:GET|POST|PATCH|PUT|DELETE)(?:/(?:GET|POST|PATCH|PUT|DELETE))*) (/api/v1/\S*)`"
)


def documented() -> set[tuple[str, str]]:
    """(method, path) of every endpoint in the resources table's first column."""
    rows = [line.split("|")[1] for line in DOC.read_text().splitlines() if line.startswith("| `")]
    return {
        (method, path)
        for row in rows
        for methods, path in ENDPOINT.findall(row)
        for method in methods.split("/")
    }


def in_the_schema() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "patch", "put", "delete"}
    }


def test_the_contract_documents_every_endpoint_of_the_schema_and_no_other():
    listed = documented()
    assert ("POST", "/api/v1/waivers/{id}/sign/") in listed
    schema = in_the_schema()
    assert sorted(listed - schema) == []  # promised but not served
    assert sorted(schema - listed) == []  # served but not in the contract


def test_the_readme_links_the_contract():
    readme = (DOC.parents[1] / "README.md").read_text()
    assert "](docs/api.md)" in readme

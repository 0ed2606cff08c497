"""The layout keeps its promises: HTTP slices that do not import each other, audit entries
written by services (never by handlers), small modules, and pinned public surfaces."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "triage"
SLICES = sorted(p for p in PACKAGE.rglob("*.py") if p.name in ("api.py", "pages.py"))
MAX_LINES = 400


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_each_domain_keeps_its_routes_beside_it() -> None:
    domains = {p.parent.name for p in SLICES}
    assert {"accounts", "intake", "casework", "quarantine", "audit", "analysis"} <= domains


@pytest.mark.parametrize("path", SLICES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_api_and_the_pages_never_import_each_other(path: Path) -> None:
    other = "pages" if path.stem == "api" else "api"
    crossing = sorted(
        name for name in _imports(path) if name.endswith(f".{other}") or f".{other}." in name
    )
    assert crossing == [], f"{path.relative_to(PACKAGE)} imports {crossing}"


@pytest.mark.parametrize("path", SLICES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_handlers_leave_the_audit_trail_to_the_services(path: Path) -> None:
    imported = _imports(path)
    assert "triage.audit.record" not in imported and "triage.audit.service.record" not in imported
    assert "audit.record(" not in path.read_text()


@pytest.mark.parametrize("path", SLICES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_handlers_never_commit_the_request_s_transaction(path: Path) -> None:
    """One owner of the transaction per request (the session dependency): no handler commits,
    rolls back or opens a transaction of its own."""
    text = path.read_text()
    for call in (".commit(", ".rollback(", ".transaction(", ".begin("):
        assert call not in text, f"{path.name} calls {call}"


def test_the_score_that_vetting_uses_never_imports_vetting() -> None:
    """Vetting imports the score; the score's own modules (everything but the training side,
    which vets examples as the service would) never import vetting back: no import cycle."""
    training_side = {"examples.py", "training.py"}
    scoring = [p for p in (PACKAGE / "scoring").glob("*.py") if p.name not in training_side]
    reaching = {
        p.name for p in scoring if any(m.startswith("triage.vetting") for m in _imports(p))
    }
    assert reaching == set(), reaching
    assert any(
        m.startswith("triage.scoring") for m in _imports(PACKAGE / "vetting" / "service.py")
    )


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts and (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.parametrize("module", ["triage.decisions", "triage.http", "triage.history"])
def test_the_public_surface_is_pinned(module: str) -> None:
    loaded = importlib.import_module(module)
    exported = set(loaded.__all__)
    public = {
        name
        for name, value in vars(loaded).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith(module)
    }
    assert public <= exported, (
        f"{module} defines {sorted(public - exported)} but does not export them"
    )
    assert all(hasattr(loaded, name) for name in exported)


# What is shipped ---------------------------------------------------------------------------

# Runtime dependencies by their import names; two are used through another library.
IMPORTS = {
    "alembic": "alembic",
    "dask": "dask",
    "durable-rules": "durable",
    "fairlearn": "fairlearn",
    "fastapi": "fastapi",
    "jinja2": "jinja2",
    "limits": "limits",
    "matplotlib": "matplotlib",
    "networkx": "networkx",
    "numpy": "numpy",
    "pandas": "pandas",
    "pandera": "pandera",
    "pwdlib": "pwdlib",
    "pydantic": "pydantic",
    "pyjwt": "jwt",
    "pydantic-settings": "pydantic_settings",
    "pyyaml": "yaml",
    "rapidfuzz": "rapidfuzz",
    "rich": "rich",
    "fastapi-offline": "fastapi_offline",
    "scikit-learn": "sklearn",
    "scipy": "scipy",
    "sqlalchemy": "sqlalchemy",
    "statsmodels": "statsmodels",
    "typer": "typer",
    "uvicorn": "uvicorn",
    "weasyprint": "weasyprint",
}
USED_THROUGH = {
    "psycopg": "SQLAlchemy's PostgreSQL driver",
    "python-multipart": "FastAPI forms",
}


def _runtime_dependencies() -> list[str]:
    import re
    import tomllib

    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    return [
        re.split(r"[\[<>=;]", d, maxsplit=1)[0].strip().lower() for d in project["dependencies"]
    ]


def test_every_runtime_dependency_is_imported_and_nothing_for_tests_ships() -> None:
    imported = {name.split(".")[0] for p in PACKAGE.rglob("*.py") for name in _imports(p)}
    for dependency in _runtime_dependencies():
        if dependency in USED_THROUGH:
            continue
        assert dependency in IMPORTS, f"{dependency} is declared: say what imports it"
        assert IMPORTS[dependency] in imported, f"{dependency} is declared but never imported"
    assert not {"pytest", "httpx", "httpx2", "playwright", "hypothesis"} & set(
        _runtime_dependencies()
    )


def test_the_wheel_ships_the_pages_and_the_migrations(tmp_path: Path) -> None:
    import subprocess
    import sys
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), "."],
        cwd=PACKAGE.parent,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    # Every file of the package's folder that is not Python source (templates, styles, data
    # such as the reconciliation's tolerances), as well as every migration.
    data = {
        p.relative_to(PACKAGE.parent).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    assert data <= names, sorted(data - names)
    assert "triage/http/static/app.css" in names
    versions = {p.name for p in (PACKAGE / "store" / "migrations" / "versions").glob("*.py")}
    assert {f"triage/store/migrations/versions/{v}" for v in versions} <= names

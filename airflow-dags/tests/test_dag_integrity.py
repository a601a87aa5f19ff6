"""The DAGs folder imports the way MWAA's DAG processor imports it: no errors, no warnings, no I/O but
the job contract beside the DAGs."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import DAGS

DAG_IDS = {"trip_lake_daily", "trip_lake_reprocess"}


def test_dags_folder_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == DAG_IDS


def test_dags_folder_imports_without_warnings(dagbag_and_warnings):
    dagbag, caught = dagbag_and_warnings
    assert dagbag.captured_warnings == {}
    assert [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught] == []


def test_every_dag_comes_from_its_own_file(dagbag):
    for dag_id in DAG_IDS:
        assert Path(dagbag.dags[dag_id].fileloc).name == f"{dag_id}.py"


def _module_level_calls(path: Path) -> list[str]:
    """Names called at module level outside function and class bodies (what runs at import)."""
    calls = []

    class Visitor(ast.NodeVisitor):
        def visit_FunctionDef(self, node):  # bodies run at task time, not at import
            for decorator in node.decorator_list:
                self.visit(decorator)

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Call(self, node):
            calls.append(ast.unparse(node.func))
            self.generic_visit(node)

    Visitor().visit(ast.parse(path.read_text()))
    return calls


READS_AT_IMPORT = {"trip_lake_common.py": ["CONTRACT_FILE.read_text"]}
"""The one read a DAG module does at import: the job contract beside it (a local file, no service)."""


def test_no_variable_or_connection_lookup_at_import():
    for path in sorted(DAGS.glob("*.py")):
        source = path.read_text()
        assert "Variable.get" not in source, path.name
        assert "get_connection" not in source, path.name
        calls = _module_level_calls(path)
        io_calls = [
            c
            for c in calls
            if c.split(".")[0] in {"open", "boto3", "requests", "urlopen", "os"}
            or c.rsplit(".", 1)[-1] in {"open", "read_text", "read_bytes"}
        ]
        assert io_calls == READS_AT_IMPORT.get(path.name, []), f"{path.name} does I/O at import: {io_calls}"

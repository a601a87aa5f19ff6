"""Offline tests of terraform/: HCL structure, checkov, IAM wildcards, module/example contract.

Run: .cache/venv-terraform/bin/python -m pytest -q terraform/tests
No provider download and no AWS account needed. With a terraform binary on PATH, `terraform fmt`
runs too; with a local copy of the AWS provider as well, `terraform validate` and `terraform test`
(an offline plan, modules/trip-lake/tests/plan.tftest.hcl). Those are skipped otherwise.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess

import hcl2
import pytest

import policy_checks
import policy_eval
from hcl_files import EXAMPLE_DIR, JOB_CONTRACT, MODULE_DIR, TERRAFORM_DIR, parse, tf_files

AIRFLOW_VARIABLE_KEYS = {
    "trip_lake_emr_application_id",
    "trip_lake_emr_execution_role_arn",
    "trip_lake_artifacts_bucket",
    "trip_lake_raw_uri",
    "trip_lake_logs_uri",
    "trip_lake_release_label",
}

REQUIRED_MODULE_OUTPUTS = {
    "emr_application_id",
    "emr_job_execution_role_arn",
    "warehouse_bucket",
    "artifacts_bucket",
    "logs_bucket",
    "raw_bucket",
    "raw_uri",
    "warehouse_uri",
    "catalog_properties",
    "glue_raw_database",
    "glue_trips_database",
    "mwaa_environment_name",
    "mwaa_webserver_url",
    "mwaa_source_bucket",
    "athena_workgroup",
    "athena_results_uri",
    "airflow_variables",
    "raw_protection_policy_json",
}

VALIDATED_MODULE_VARIABLES = {
    "name",
    "raw_bucket_name",
    "bucket_names",
    "glue_raw_database_name",
    "glue_trips_database_name",
    "emr_release_label",
    "emr_architecture",
    "airflow_version",
    "mwaa_environment_class",
    "log_retention_in_days",
    "raw_protection",
    "raw_object_lock_retention_days",
}

CHECKOV_SKIP = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")


def named_blocks(parsed_files: dict, kind: str, directory: pathlib.Path | None = None):
    """Yields (path, name, body) of every `kind` block ("variable", "output", ...)."""
    for path, parsed in parsed_files.items():
        if directory is not None and path.parent != directory:
            continue
        for block in policy_checks.blocks(parsed.get(kind)):
            for name, body in block.items():
                for item in policy_checks.blocks(body):
                    yield path, name, item


def module_locals(parsed_files: dict, directory: pathlib.Path) -> dict:
    merged = {}
    for path, parsed in parsed_files.items():
        if path.parent == directory:
            for block in policy_checks.blocks(parsed.get("locals")):
                merged.update(block)
    return merged


# 1. Parsing ---------------------------------------------------------------------------------------


def test_terraform_tree_has_module_and_example():
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (MODULE_DIR / name).is_file(), f"missing module file {name}"
        assert (EXAMPLE_DIR / name).is_file(), f"missing example file {name}"


@pytest.mark.parametrize("path", tf_files(), ids=lambda path: str(path.relative_to(TERRAFORM_DIR)))
def test_tf_file_parses(path):
    parsed = parse(path)
    assert isinstance(parsed, dict) and parsed, f"{path} parsed to nothing"


def test_parser_rejects_invalid_hcl():
    with pytest.raises(Exception):
        hcl2.loads('resource "aws_s3_bucket" "broken" {\n  bucket = \n')


# 2. Variables and outputs -------------------------------------------------------------------------


def test_every_variable_has_type_and_description(parsed_files):
    variables = list(named_blocks(parsed_files, "variable"))
    assert len(variables) > 20
    problems = []
    for path, name, body in variables:
        description = policy_checks.first(body.get("description"), "")
        type_expression = str(policy_checks.first(body.get("type"), ""))
        if not str(description).strip():
            problems.append(f"{path}: variable {name} has no description")
        if not type_expression:
            problems.append(f"{path}: variable {name} has no type")
        if re.search(r"\bany\b", type_expression):
            problems.append(f"{path}: variable {name} uses `any` ({type_expression})")
    assert not problems, "\n".join(problems)


def test_every_output_has_description(parsed_files):
    outputs = list(named_blocks(parsed_files, "output"))
    assert outputs
    problems = [
        f"{path}: output {name} has no description"
        for path, name, body in outputs
        if not str(policy_checks.first(body.get("description"), "")).strip()
    ]
    assert not problems, "\n".join(problems)


def test_module_outputs_never_fail(parsed_files):
    problems = [
        f"output {name}: value is not wrapped in try(..., null)"
        for _, name, body in named_blocks(parsed_files, "output", MODULE_DIR)
        if not re.match(r"^\$\{try\(.*,\s*None\)\}$|^\$\{try\(.*,\s*null\)\}$", str(policy_checks.first(body.get("value"), "")), re.S)
    ]
    assert not problems, "\n".join(problems)


def test_module_has_the_outputs_the_jobs_and_the_dag_need(parsed_files):
    names = {name for _, name, _ in named_blocks(parsed_files, "output", MODULE_DIR)}
    assert REQUIRED_MODULE_OUTPUTS <= names, f"missing outputs: {sorted(REQUIRED_MODULE_OUTPUTS - names)}"


def test_module_readme_documents_every_input_and_output(parsed_files):
    readme = (MODULE_DIR / "README.md").read_text(encoding="utf-8")
    missing = [
        f"{kind} {name}"
        for kind in ("variable", "output")
        for _, name, _ in named_blocks(parsed_files, kind, MODULE_DIR)
        if f"| {name} |" not in readme
    ]
    assert not missing, "README.md tables miss: " + ", ".join(missing)


def test_known_value_variables_are_validated(parsed_files):
    variables = {name: body for _, name, body in named_blocks(parsed_files, "variable", MODULE_DIR)}
    missing = [name for name in sorted(VALIDATED_MODULE_VARIABLES) if not variables.get(name, {}).get("validation")]
    assert not missing, f"variables without validation: {missing}"


def test_airflow_version_defaults_to_the_newest_allowed(parsed_files):
    variables = {name: body for _, name, body in named_blocks(parsed_files, "variable", MODULE_DIR)}
    airflow = variables["airflow_version"]
    condition = str(policy_checks.first(policy_checks.blocks(airflow["validation"])[0]["condition"]))
    allowed = re.findall(r"\d+\.\d+\.\d+", condition)
    newest = max(allowed, key=lambda version: tuple(int(part) for part in version.split(".")))
    assert policy_checks.first(airflow["default"]) == newest == "3.3.1"


def test_emr_application_is_graviton_spark_with_auto_stop(parsed_files):
    resources = {
        (rtype, name): body
        for parsed in parsed_files.values()
        for rtype, name, body in policy_checks.resources_of(parsed)
    }
    app = resources[("aws_emrserverless_application", "this")]
    assert policy_checks.first(app["type"]) == "spark"
    variables = {name: body for _, name, body in named_blocks(parsed_files, "variable", MODULE_DIR)}
    assert policy_checks.first(variables["emr_release_label"]["default"]) == "emr-spark-8.1.0"
    assert policy_checks.first(variables["emr_architecture"]["default"]) == "ARM64"
    stop = policy_checks.blocks(app["auto_stop_configuration"])[0]
    assert policy_checks.first(stop["enabled"]) is True
    assert policy_checks.first(policy_checks.blocks(app["auto_start_configuration"])[0]["enabled"]) is True
    assert "maximum_capacity" in app


# 3. checkov ---------------------------------------------------------------------------------------


def test_checkov_reports_no_failed_checks(checkov_report):
    summary = checkov_report["summary"]
    assert summary["parsing_errors"] == 0, summary
    assert summary["resource_count"] > 30, f"checkov saw too few resources: {summary}"
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for check in checkov_report["results"]["failed_checks"]
    ]
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)
    assert summary["failed"] == 0


def test_every_checkov_skip_gives_a_reason():
    skips = []
    for path in tf_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            match = CHECKOV_SKIP.search(line)
            if match:
                skips.append((path, match.group(1), (match.group(2) or "").strip()))
    assert skips, "expected the documented skips (KMS key policy, logs bucket)"
    unexplained = [f"{path}: {check}" for path, check, reason in skips if len(reason) < 30]
    assert not unexplained, "checkov skips need a real reason:\n" + "\n".join(unexplained)


# 4. IAM wildcards ---------------------------------------------------------------------------------


def test_no_iam_statement_allows_wildcards(parsed_files):
    documents = [name for parsed in parsed_files.values() for name, _ in policy_checks.policy_documents(parsed)]
    assert len(documents) >= 6, f"expected the module's policy documents, found {documents}"
    findings = policy_checks.all_findings(parsed_files)
    assert not findings, "wildcards in IAM policies:\n" + "\n".join(findings)


def test_every_policy_comes_from_a_policy_document(parsed_files):
    """Inline jsonencode() policies would hide their statements from the wildcard walker."""
    references = [ref for parsed in parsed_files.values() for ref in policy_checks.policy_references(parsed)]
    assert len(references) >= 6
    unreadable = [
        f"{address}.{attribute} = {expression}"
        for address, attribute, expression in references
        if policy_checks.referenced_document(expression) is None
    ]
    assert not unreadable, "policies must be data.aws_iam_policy_document.<name>.json:\n" + "\n".join(unreadable)


def test_only_the_kms_key_policy_may_use_resource_star(parsed_files):
    key_policies = policy_checks.key_policy_documents(parsed_files)
    assert {name for _, name in key_policies} == {"kms"}


@pytest.mark.parametrize(
    "statement, expected",
    [
        ({"actions": [["*"]], "resources": [["arn:aws:s3:::b"]]}, "action '*'"),
        ({"effect": ["Allow"], "actions": [["s3:*"]], "resources": [["arn:aws:s3:::b"]]}, "action 's3:*'"),
        ({"actions": ["glue:GetTable"], "resources": ["*"]}, "resource '*'"),
        ({"actions": [["s3:GetObject"]], "resources": ['${var.open ? "*" : local.arn}']}, "resource"),
        ({"actions": ['${var.admin ? "iam:*" : "iam:GetRole"}'], "resources": [["arn:aws:iam::1:role/r"]]}, "action"),
        ({"actions": [["s3:GetObject"]], "resources": [["arn:aws:s3:::b/*"]],
          "principals": [{"type": ["AWS"], "identifiers": [["*"]]}]}, "principal '*'"),
        ({"not_actions": [["iam:PassRole"]], "resources": [["arn:aws:s3:::b"]]}, "not_actions"),
    ],
)
def test_wildcard_checker_flags_bad_statements(statement, expected):
    findings = policy_checks.wildcard_findings(statement)
    assert any(expected in finding for finding in findings), findings


def test_wildcard_checker_accepts_scoped_statements():
    scoped = {
        "effect": ["Allow"],
        "actions": [["s3:GetObject*", "s3:List*", "logs:PutLogEvents"]],
        "resources": [["arn:aws:s3:::bucket/*", "arn:aws:sqs:eu-west-1:*:airflow-celery-*", "${local.arn}"]],
    }
    assert policy_checks.wildcard_findings(scoped) == []
    deny_tls = {"effect": ["Deny"], "actions": [["s3:*"]], "resources": [["*"]],
                "principals": [{"type": ["*"], "identifiers": [["*"]]}]}
    assert policy_checks.wildcard_findings(deny_tls) == []


def test_wildcard_checker_key_policy_exception_is_resource_only():
    key_admin = {"actions": [["kms:Decrypt"]], "resources": [["*"]]}
    assert policy_checks.wildcard_findings(key_admin, key_policy=True) == []
    assert policy_checks.wildcard_findings({"actions": [["kms:*"]], "resources": [["*"]]}, key_policy=True)


def test_wildcard_walker_finds_bad_statements_in_hcl(tmp_path):
    """The same walker as the real test, fed a bad document, must fail (static and dynamic blocks)."""
    bad = tmp_path / "bad.tf"
    bad.write_text(
        'data "aws_iam_policy_document" "bad" {\n'
        '  statement {\n'
        '    actions   = ["s3:*"]\n'
        '    resources = ["arn:aws:s3:::bucket/*"]\n'
        '  }\n'
        '  dynamic "statement" {\n'
        '    for_each = [1]\n'
        '    content {\n'
        '      actions   = ["glue:GetTable"]\n'
        '      resources = ["*"]\n'
        '    }\n'
        '  }\n'
        '}\n'
        'resource "aws_iam_role_policy" "inline" {\n'
        '  role   = "r"\n'
        '  policy = jsonencode({ Statement = [{ Action = "*", Resource = "*" }] })\n'
        '}\n',
        encoding="utf-8",
    )
    parsed = {bad: parse(bad)}
    findings = policy_checks.all_findings(parsed)
    assert any("action 's3:*'" in finding for finding in findings), findings
    assert any("resource '*'" in finding for finding in findings), findings
    references = list(policy_checks.policy_references(parsed[bad]))
    assert references and policy_checks.referenced_document(references[0][2]) is None


# 5. Module contract and example -------------------------------------------------------------------


def test_airflow_variables_have_exactly_the_dag_keys(parsed_files):
    local_values = module_locals(parsed_files, MODULE_DIR)
    airflow_variables = policy_checks.blocks(local_values["airflow_variables"])[0]
    assert set(airflow_variables) == AIRFLOW_VARIABLE_KEYS
    outputs = {name: body for _, name, body in named_blocks(parsed_files, "output", MODULE_DIR)}
    assert "local.airflow_variables" in str(policy_checks.first(outputs["airflow_variables"]["value"]))
    assert str(airflow_variables["trip_lake_logs_uri"]) == "${local.logs_uri}"
    assert local_values["logs_uri"] in ("s3://${local.bucket_names.logs}/emr/", ["s3://${local.bucket_names.logs}/emr/"])


def test_catalog_properties_are_what_the_jobs_need(parsed_files):
    properties = policy_checks.blocks(module_locals(parsed_files, MODULE_DIR)["catalog_properties"])[0]
    assert properties["type"] == "glue"
    assert properties["io-impl"] == "org.apache.iceberg.aws.s3.S3FileIO"
    assert properties["warehouse"] == "${local.warehouse_uri}"
    assert properties["client.region"] == "${local.region}"


def test_module_reads_the_job_contract_the_dags_read(parsed_files):
    expression = policy_checks.first(module_locals(parsed_files, MODULE_DIR)["job_contract"])
    read = re.fullmatch(r'\$\{jsondecode\(file\("\$\{path\.module\}/([^"]+)"\)\)\}', expression)
    assert read, expression
    assert (MODULE_DIR / read.group(1)).resolve() == JOB_CONTRACT.resolve()


def test_artifact_layout_comes_from_the_job_contract(parsed_files):
    local_values = module_locals(parsed_files, MODULE_DIR)
    assert policy_checks.first(local_values["jars_prefix"]) == "${local.job_contract.artifacts.jars_prefix}"
    assert policy_checks.first(local_values["conf_prefix"]) == "${local.job_contract.artifacts.conf_prefix}"
    objects = {
        name: body
        for path, parsed in parsed_files.items()
        if path.parent == MODULE_DIR
        for rtype, name, body in policy_checks.resources_of(parsed)
        if rtype == "aws_s3_object"
    }
    assert policy_checks.first(objects["catalog_properties"]["key"]) == "${local.job_contract.artifacts.catalog_conf}"


def _values_outside_descriptions(value):
    """The scalar leaves of parsed HCL, without descriptions (prose may name a key; code may not)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in ("description", "error_message"):
                yield from _values_outside_descriptions(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values_outside_descriptions(item)
    elif value is not None:
        yield str(value)


def test_no_artifact_key_of_the_job_contract_is_written_into_the_module(parsed_files):
    artifacts = json.loads(JOB_CONTRACT.read_text(encoding="utf-8"))["artifacts"]
    keys = [value for name, value in artifacts.items() if not name.startswith("$")]
    for path, parsed in parsed_files.items():
        if path.parent == MODULE_DIR:
            for value in _values_outside_descriptions(parsed):
                assert not any(key in value for key in keys), f"{path.name}: {value}"


def test_example_wires_the_module(parsed_files):
    modules = list(named_blocks(parsed_files, "module", EXAMPLE_DIR))
    assert len(modules) == 1
    _, name, body = modules[0]
    assert policy_checks.first(body["source"]) == "../../modules/trip-lake"
    required = {
        variable for _, variable, spec in named_blocks(parsed_files, "variable", MODULE_DIR) if "default" not in spec
    }
    assert required == {"name", "mwaa_subnet_ids", "mwaa_security_group_ids"}
    assert required <= set(body), f"example does not pass {sorted(required - set(body))}"
    outputs = {output: spec for _, output, spec in named_blocks(parsed_files, "output", EXAMPLE_DIR)}
    assert policy_checks.first(outputs["airflow_variables"]["value"]) == f"${{module.{name}.airflow_variables}}"
    providers = [block for _, _, block in named_blocks(parsed_files, "provider", EXAMPLE_DIR)]
    assert providers, "the example is a root module: it configures the aws provider"


# 6. Raw data protection ---------------------------------------------------------------------------
# The raw_protection policy document, rendered from the HCL with its locals bound as Terraform
# computes them (`length(x) == 0 ? [] : [x]`; plan.tftest.hcl checks that computation on a real
# plan), then asked, request by request, whether it denies. "Not denied" leaves the decision to the
# caller's IAM policies; "denied" holds even for a caller whose IAM policy allows s3:*.

ACCOUNT_ARN = "arn:aws:iam::123456789012"
RAW_BUCKET_ARN = "arn:aws:s3:::trip-lake-raw-123456789012-eu-west-1"
RAW_OBJECT_ARN = f"{RAW_BUCKET_ARN}/3BA199E2/CAN2_gnss_speed/2021/07/26/00000001_00000001.parquet"
WAREHOUSE_OBJECT_ARN = "arn:aws:s3:::trip-lake-warehouse-123456789012-eu-west-1/raw.db/can2_gnss_speed/data/x.parquet"
WRITER_ARN = f"{ACCOUNT_ARN}:role/canedge-parquet-writer"
BREAK_GLASS_PATTERN = f"{ACCOUNT_ARN}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_BreakGlass_*"
BREAK_GLASS_ARN = f"{ACCOUNT_ARN}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_BreakGlass_0123456789abcdef"
OTHER_PRINCIPALS = {
    "Athena query role (DROP TABLE, VACUUM)": f"{ACCOUNT_ARN}:role/athena-analyst",
    "Glue table optimizer role": f"{ACCOUNT_ARN}:role/service-role/AWSGlueTableOptimizerRole",
    "EMR job role": f"{ACCOUNT_ARN}:role/trip-lake-emr-job",
    "MWAA role": f"{ACCOUNT_ARN}:role/trip-lake-mwaa",
    "administrator user": f"{ACCOUNT_ARN}:user/admin",
    "account root user": f"{ACCOUNT_ARN}:root",
    "caller without aws:PrincipalArn": None,
}
DELETE_ACTIONS = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"]
# s3:PutObject as S3 authorizes PutObject / CompleteMultipartUpload / CopyObject, and the other multipart calls.
OVERWRITING_PUT = {"s3:ObjectCreationOperation": "true"}
CREATE_ONLY_PUT = {"s3:ObjectCreationOperation": "true", "s3:if-none-match": "*"}
UPLOAD_PART = {"s3:ObjectCreationOperation": "false"}


def module_policy_documents(parsed_files) -> dict:
    return {
        name: document
        for path, parsed in parsed_files.items() if path.parent == MODULE_DIR
        for name, document in policy_checks.policy_documents(parsed)
    }


def raw_protection_statements(parsed_files, admins=(), writers=(), prefixes=("",)):
    overwrite_exempt = list(dict.fromkeys([*writers, *admins]))
    bindings = {
        "local.raw_protected_object_arns": [f"{RAW_BUCKET_ARN}/{prefix}*" for prefix in prefixes],
        "local.raw_delete_exemptions": [list(admins)] if admins else [],
        "local.raw_overwrite_exemptions": [overwrite_exempt] if overwrite_exempt else [],
    }
    return policy_eval.render_statements(module_policy_documents(parsed_files)["raw_protection"], bindings)


def request(principal, action, resource=RAW_OBJECT_ARN, **context):
    return policy_eval.Request(principal, action, resource, {"aws:SecureTransport": "true", **context})


@pytest.fixture(scope="module")
def allow_listed_statements(parsed_files):
    return raw_protection_statements(parsed_files, admins=[BREAK_GLASS_PATTERN], writers=[WRITER_ARN])


@pytest.mark.parametrize("who", sorted(OTHER_PRINCIPALS) + ["loggers' writer"])
@pytest.mark.parametrize("action", DELETE_ACTIONS)
def test_raw_policy_denies_deletes_to_everyone_but_the_admins(allow_listed_statements, who, action):
    principal = WRITER_ARN if who == "loggers' writer" else OTHER_PRINCIPALS[who]
    assert policy_eval.denied(allow_listed_statements, request(principal, action))
    assert not policy_eval.denied(allow_listed_statements, request(BREAK_GLASS_ARN, action))


@pytest.mark.parametrize("who", sorted(OTHER_PRINCIPALS))
def test_raw_policy_lets_others_only_create(allow_listed_statements, who):
    principal = OTHER_PRINCIPALS[who]
    assert policy_eval.denied(allow_listed_statements, request(principal, "s3:PutObject", **OVERWRITING_PUT))
    assert not policy_eval.denied(allow_listed_statements, request(principal, "s3:PutObject", **CREATE_ONLY_PUT))
    assert not policy_eval.denied(allow_listed_statements, request(principal, "s3:PutObject", **UPLOAD_PART))


def test_raw_policy_lets_the_writer_and_the_admins_overwrite(allow_listed_statements):
    for principal in (WRITER_ARN, BREAK_GLASS_ARN):
        assert not policy_eval.denied(allow_listed_statements, request(principal, "s3:PutObject", **OVERWRITING_PUT))


def test_raw_policy_without_allow_list_denies_everyone(parsed_files):
    statements = raw_protection_statements(parsed_files)
    for principal in [WRITER_ARN, BREAK_GLASS_ARN, *OTHER_PRINCIPALS.values()]:
        assert all(policy_eval.denied(statements, request(principal, action)) for action in DELETE_ACTIONS)
        assert policy_eval.denied(statements, request(principal, "s3:PutObject", **OVERWRITING_PUT))
        assert not policy_eval.denied(statements, request(principal, "s3:PutObject", **CREATE_ONLY_PUT))


def test_raw_policy_leaves_reads_and_other_prefixes_alone(parsed_files, allow_listed_statements):
    athena = OTHER_PRINCIPALS["Athena query role (DROP TABLE, VACUUM)"]
    for action in ("s3:GetObject", "s3:ListBucket", "s3:AbortMultipartUpload"):
        assert not policy_eval.denied(allow_listed_statements, request(athena, action))
    assert not policy_eval.denied(allow_listed_statements, request(athena, "s3:DeleteObject", WAREHOUSE_OBJECT_ARN))
    prefixed = raw_protection_statements(parsed_files, prefixes=("canedge/",))
    assert policy_eval.denied(prefixed, request(athena, "s3:DeleteObject", f"{RAW_BUCKET_ARN}/canedge/3BA199E2/x.parquet"))
    assert not policy_eval.denied(prefixed, request(athena, "s3:DeleteObject", f"{RAW_BUCKET_ARN}/inventory/x.csv"))


def test_raw_protection_reaches_the_raw_bucket_and_an_output(parsed_files):
    sources = str(policy_checks.first(module_policy_documents(parsed_files)["bucket"].get("source_policy_documents"), ""))
    assert sources == '${each.key == "raw" ? data.aws_iam_policy_document.raw_protection[*].json : []}'
    outputs = {name: body for _, name, body in named_blocks(parsed_files, "output", MODULE_DIR)}
    assert "data.aws_iam_policy_document.raw_protection[0].json" in str(policy_checks.first(outputs["raw_protection_policy_json"]["value"]))


@pytest.mark.parametrize(
    "statement, principal, context, expected",
    [
        ({"Effect": "Deny", "Principal": {"AWS": [f"{ACCOUNT_ARN}:role/a"]}, "Action": "s3:*"}, f"{ACCOUNT_ARN}:role/a", {}, True),
        ({"Effect": "Deny", "Principal": {"AWS": [f"{ACCOUNT_ARN}:role/a"]}, "Action": "s3:*"}, f"{ACCOUNT_ARN}:role/b", {}, False),
        ({"Effect": "Deny", "Principal": {"AWS": f"{ACCOUNT_ARN}:root"}, "Action": "s3:*"}, f"{ACCOUNT_ARN}:role/b", {}, True),
        ({"Effect": "Deny", "NotPrincipal": {"AWS": [f"{ACCOUNT_ARN}:role/a"]}, "Action": "s3:*"}, f"{ACCOUNT_ARN}:role/a", {}, False),
        ({"Effect": "Allow", "Principal": "*", "Action": "s3:*"}, f"{ACCOUNT_ARN}:role/a", {}, False),
        ({"Effect": "Deny", "Principal": "*", "Action": "s3:Get*"}, f"{ACCOUNT_ARN}:role/a", {}, False),
        ({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": {"ArnNotLike": {"aws:PrincipalArn": [f"{ACCOUNT_ARN}:role/a*"]}}},
         None, {}, True),
        ({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": {"ArnLike": {"aws:PrincipalArn": [f"{ACCOUNT_ARN}:role/a*"]}}},
         None, {}, False),
        ({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": {"Null": {"s3:if-none-match": "true"}}},
         None, {"s3:if-none-match": "*"}, False),
        ({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
         None, {"aws:SecureTransport": "TRUE"}, False),
    ],
)
def test_policy_evaluator(statement, principal, context, expected):
    assert policy_eval.denied([statement], policy_eval.Request(principal, "s3:PutObject", RAW_OBJECT_ARN, context)) is expected


def test_policy_evaluator_refuses_what_it_cannot_evaluate():
    with pytest.raises(ValueError):
        policy_eval.denied([{"Effect": "Deny", "Condition": {"ArnNotLikeIfExists": {"aws:PrincipalArn": "x"}}}],
                           policy_eval.Request(None, "s3:PutObject", RAW_OBJECT_ARN))
    document = hcl2.loads('data "aws_iam_policy_document" "d" {\n  statement {\n    resources = ["${local.bucket}/*"]\n  }\n}\n')
    block = next(block for _, block in policy_checks.policy_documents(document))
    with pytest.raises(ValueError):
        policy_eval.render_statements(block, {"local.bucket": "arn:aws:s3:::b"})
    with pytest.raises(KeyError):
        policy_eval.render_statements(hcl2.loads('data "aws_iam_policy_document" "d" {\n  statement {\n    resources = local.x\n  }\n}\n')
                                      ["data"][0]["aws_iam_policy_document"]["d"], {})


# terraform CLI (optional) -------------------------------------------------------------------------
# `terraform fmt` needs only the binary. `validate` and `test` (an offline plan with assertions, see
# modules/trip-lake/tests/plan.tftest.hcl) need the AWS provider from a local directory
# (-plugin-dir, TRIP_LAKE_TF_PLUGIN_DIR, default /opt/tf-plugins): no download.

TERRAFORM = shutil.which("terraform")
PLUGIN_DIR = pathlib.Path(os.environ.get("TRIP_LAKE_TF_PLUGIN_DIR", "/opt/tf-plugins"))
HAS_AWS_PROVIDER = (PLUGIN_DIR / "registry.terraform.io" / "hashicorp" / "aws").is_dir()
needs_provider = pytest.mark.skipif(
    TERRAFORM is None or not HAS_AWS_PROVIDER,
    reason=f"needs terraform on PATH and the AWS provider under {PLUGIN_DIR}",
)


def run_terraform(args: list[str], cwd: pathlib.Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_IN_AUTOMATION="1", TF_CLI_CONFIG_FILE=os.devnull, CHECKPOINT_DISABLE="1")
    env.pop("TF_DATA_DIR", None)
    return subprocess.run([TERRAFORM, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def terraform_version() -> tuple[int, ...]:
    completed = run_terraform(["version", "-json"], pathlib.Path.cwd())
    version = json.loads(completed.stdout)["terraform_version"]
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


@pytest.fixture(scope="module")
def initialized(tmp_path_factory):
    """A copy of terraform/ (without this test directory) and of the job contract, with the module and the
    example initialized."""
    copy = tmp_path_factory.mktemp("tf") / "terraform"

    def ignore(directory, names):
        ignored = {name for name in names if name in (".terraform", ".terraform.lock.hcl")}
        if pathlib.Path(directory) == TERRAFORM_DIR:
            ignored.add("tests")
        return ignored

    shutil.copytree(TERRAFORM_DIR, copy, ignore=ignore)
    # The module reads the job contract from beside the DAGs, outside terraform/.
    contract = copy.parent / JOB_CONTRACT.relative_to(TERRAFORM_DIR.parent)
    contract.parent.mkdir(parents=True)
    shutil.copyfile(JOB_CONTRACT, contract)
    for root in ("examples/complete", "modules/trip-lake"):
        init = run_terraform(["init", "-backend=false", "-input=false", "-no-color", f"-plugin-dir={PLUGIN_DIR}"], copy / root)
        assert init.returncode == 0, init.stdout + init.stderr
    return copy


@pytest.mark.skipif(TERRAFORM is None, reason="no terraform binary on PATH")
def test_terraform_fmt():
    completed = run_terraform(["fmt", "-check", "-recursive", "-diff", "-no-color", str(TERRAFORM_DIR)], TERRAFORM_DIR)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@needs_provider
@pytest.mark.parametrize("root", ["examples/complete", "modules/trip-lake"])
def test_terraform_validate(initialized, root):
    validate = run_terraform(["validate", "-no-color"], initialized / root)
    assert validate.returncode == 0, validate.stdout + validate.stderr


@needs_provider
def test_terraform_test_plans_offline(initialized):
    if terraform_version() < (1, 11):
        pytest.skip("plan.tftest.hcl uses override_during (Terraform >= 1.11)")
    completed = run_terraform(["test", "-no-color"], initialized / "modules/trip-lake")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert re.search(r"Success! [1-9][0-9]* passed, 0 failed", completed.stdout), completed.stdout


def billed_gb(cores: int, memory: str) -> int:
    """The worker EMR Serverless bills for a Spark heap (the contract's rule, written out again here)."""
    smallest, step = {1: (2, 1), 2: (4, 1), 4: (8, 1), 8: (16, 4), 16: (32, 8)}[cores]
    heap_mb = int(memory.removesuffix("g")) * 1024
    needed = -(-(heap_mb + max(heap_mb // 10, 384)) // 1024)
    return max(smallest, -(-needed // step) * step)


def test_application_capacity_is_sized_from_the_job_contract(parsed_files):
    app = next(
        body
        for parsed in parsed_files.values()
        for rtype, name, body in policy_checks.resources_of(parsed)
        if (rtype, name) == ("aws_emrserverless_application", "this")
    )
    capacity = policy_checks.blocks(app["maximum_capacity"])[0]
    for key in ("cpu", "memory", "disk"):
        assert policy_checks.first(capacity[key]) == f"${{local.emr_maximum_capacity.{key}}}"
    local_values = module_locals(parsed_files, MODULE_DIR)
    assert "local.job_contract.jobs" in str(local_values["job_heaps"])
    assert "var.emr_maximum_capacity.cpu" in str(local_values["emr_maximum_capacity"])


def terraform_console(initialized, expression: str):
    """The value of ``expression`` in the module, as ``terraform console`` evaluates it (offline)."""
    env = dict(os.environ, TF_IN_AUTOMATION="1", TF_CLI_CONFIG_FILE=os.devnull, CHECKPOINT_DISABLE="1")
    console = subprocess.run(
        [TERRAFORM, "console", "-var=name=trip-lake", "-var=mwaa_subnet_ids=[\"a\",\"b\"]", "-var=mwaa_security_group_ids=[\"c\"]"],
        cwd=initialized / "modules/trip-lake",
        input=f"jsonencode({expression})\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert console.returncode == 0, console.stdout + console.stderr
    return json.loads(json.loads(console.stdout.strip()))


@needs_provider
def test_the_largest_job_run_terraform_computes_is_the_contracts(initialized):
    jobs = json.loads(JOB_CONTRACT.read_text(encoding="utf-8"))["jobs"]
    expected = {
        "cpu": max(job["driver_cores"] + job["max_executors"] * job["executor_cores"] for job in jobs.values()),
        "memory": max(
            billed_gb(job["driver_cores"], job["driver_memory"])
            + job["max_executors"] * billed_gb(job["executor_cores"], job["executor_memory"])
            for job in jobs.values()
        ),
    }
    assert terraform_console(initialized, "local.largest_job_run") == expected


@needs_provider
def test_every_job_run_terraform_computes_is_the_contracts(initialized):
    # Every job of the contract (ingest's 16 vCPU driver included: 8 GB steps) as billed.
    jobs = json.loads(JOB_CONTRACT.read_text(encoding="utf-8"))["jobs"]
    assert terraform_console(initialized, "local.job_runs") == {
        name: {
            "driver_cores": job["driver_cores"],
            "driver_gb": billed_gb(job["driver_cores"], job["driver_memory"]),
            "executor_cores": job["executor_cores"],
            "executor_gb": billed_gb(job["executor_cores"], job["executor_memory"]),
            "max_executors": job["max_executors"],
        }
        for name, job in jobs.items()
    }

"""Walks parsed HCL for IAM policy statements and reports wildcards.

Every policy of the Terraform code is an ``aws_iam_policy_document`` data source (a test enforces
it), so the statements can be read from the parsed HCL: no provider, no plan.

The HCL parser that checkov ships (``bc-python-hcl2``) wraps every attribute value in a one-element
list, upstream ``python-hcl2`` does not; interpolations come back as strings like ``"${local.x}"``.
The functions below read both shapes by looking only at the leaf strings of a value.

Rules, for ``Allow`` statements (the default effect):

* no action ``*`` or ``<service>:*`` (``s3:Get*`` style prefixes are allowed);
* no resource ``*``, except in a KMS key policy, where ``*`` means "this key" and is required;
* no principal ``*``;
* no ``not_actions`` / ``not_resources`` (an Allow with NotAction or NotResource is a wildcard).

``Deny`` statements are not checked: a wildcard there narrows access (the TLS-only bucket policies
must deny ``s3:*`` to count for AWS Config / Security Hub S3.5).

An interpolation is flagged when it contains a quoted ``"*"`` or ``"<service>:*"`` literal, e.g.
``${var.admin ? "*" : local.arn}``.
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterator

_WILDCARD_ACTION = re.compile(r"^(\*|[A-Za-z0-9-]+:\*)$")
_QUOTED_WILDCARD_ACTION = re.compile(r"""["'](\*|[A-Za-z0-9-]+:\*)["']""")
_QUOTED_STAR = re.compile(r"""["']\*["']""")
_POLICY_REFERENCE = re.compile(r"^\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)(\[[^\]]*\])?\.json\}$")

# Resource attributes that hold a policy document, by resource type.
POLICY_ATTRIBUTES = {
    "aws_iam_role": ("assume_role_policy",),
    "aws_iam_role_policy": ("policy",),
    "aws_iam_policy": ("policy",),
    "aws_iam_user_policy": ("policy",),
    "aws_iam_group_policy": ("policy",),
    "aws_s3_bucket_policy": ("policy",),
    "aws_kms_key": ("policy",),
    "aws_kms_key_policy": ("policy",),
    "aws_sqs_queue_policy": ("policy",),
    "aws_sns_topic_policy": ("policy",),
    "aws_cloudwatch_log_resource_policy": ("policy_document",),
}
KEY_POLICY_RESOURCES = ("aws_kms_key", "aws_kms_key_policy")


def leaves(value: Any) -> Iterator[Any]:
    """Yields the scalar leaves of a parsed HCL value (lists and dicts flattened)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not str(key).startswith("__"):
                yield from leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from leaves(item)
    elif value is not None:
        yield value


def first(value: Any, default: Any = None) -> Any:
    """The first scalar leaf of a parsed HCL value (an attribute in either parser's shape)."""
    return next(leaves(value), default)


def blocks(value: Any) -> list[dict]:
    """The blocks of a parsed HCL block attribute, in either parser's shape."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    result = []
    for item in value:
        result.extend(blocks(item) if isinstance(item, list) else [item])
    return [item for item in result if isinstance(item, dict)]


def _is_wildcard_action(text: str) -> bool:
    return bool(_WILDCARD_ACTION.match(text.strip()) or _QUOTED_WILDCARD_ACTION.search(text))


def _is_wildcard_resource(text: str) -> bool:
    return text.strip() == "*" or bool(_QUOTED_STAR.search(text))


def wildcard_findings(statement: dict, key_policy: bool = False) -> list[str]:
    """Returns what is too broad in one statement of an aws_iam_policy_document (empty if fine).

    ``statement`` is a parsed ``statement { ... }`` block. ``key_policy`` marks a KMS key policy,
    where resource ``*`` is allowed because it means the key itself.
    """
    effect = str(first(statement.get("effect"), "Allow"))
    if effect == "Deny":
        return []
    findings = []
    for action in leaves(statement.get("actions")):
        if _is_wildcard_action(str(action)):
            findings.append(f"action {action!r}")
    if not key_policy:
        for resource in leaves(statement.get("resources")):
            if _is_wildcard_resource(str(resource)):
                findings.append(f"resource {resource!r}")
    for principal in blocks(statement.get("principals")):
        for identifier in leaves(principal.get("identifiers")):
            if _is_wildcard_resource(str(identifier)):
                findings.append(f"principal {identifier!r}")
    for negation in ("not_actions", "not_resources"):
        if list(leaves(statement.get(negation))):
            findings.append(f"{negation} in an Allow statement")
    return findings


def policy_documents(parsed: dict) -> Iterator[tuple[str, dict]]:
    """Yields (name, block) of every aws_iam_policy_document data source of one parsed file."""
    for data in blocks(parsed.get("data")):
        for name, document in (data.get("aws_iam_policy_document") or {}).items():
            for block in blocks(document):
                yield name, block


def statements(document: dict) -> Iterator[dict]:
    """Yields the statements of a policy document block, including dynamic "statement" contents."""
    yield from blocks(document.get("statement"))
    for dynamic in blocks(document.get("dynamic")):
        for content_holder in blocks(dynamic.get("statement")):
            yield from blocks(content_holder.get("content"))


def resources_of(parsed: dict) -> Iterator[tuple[str, str, dict]]:
    """Yields (type, name, block) of every resource of one parsed file."""
    for resource in blocks(parsed.get("resource")):
        for rtype, named in resource.items():
            for name, block in named.items():
                for body in blocks(block):
                    yield rtype, name, body


def policy_references(parsed: dict) -> Iterator[tuple[str, str, str]]:
    """Yields (resource address, attribute, expression) of every policy attribute of one file."""
    for rtype, name, body in resources_of(parsed):
        for attribute in POLICY_ATTRIBUTES.get(rtype, ()):
            if attribute in body:
                yield f"{rtype}.{name}", attribute, str(first(body[attribute], ""))


def referenced_document(expression: str) -> str | None:
    """The aws_iam_policy_document name an attribute refers to, or None if it is something else."""
    match = _POLICY_REFERENCE.match(expression.strip())
    return match.group(1) if match else None


def key_policy_documents(parsed_files: dict) -> set[tuple[str, str]]:
    """(module directory, name) of the policy documents used as KMS key policies.

    ``parsed_files`` maps each .tf path to its parsed content; a module is one directory.
    """
    names = set()
    for path, parsed in parsed_files.items():
        for rtype, name, body in resources_of(parsed):
            if rtype in KEY_POLICY_RESOURCES and "policy" in body:
                document = referenced_document(str(first(body["policy"], "")))
                if document:
                    names.add((os.path.dirname(str(path)), document))
    return names


def all_findings(parsed_files: dict) -> list[str]:
    """Every wildcard finding of every policy document of the given parsed files."""
    key_policies = key_policy_documents(parsed_files)
    findings = []
    for path, parsed in parsed_files.items():
        for name, document in policy_documents(parsed):
            for index, statement in enumerate(statements(document)):
                sid = first(statement.get("sid"), f"#{index}")
                key_policy = (os.path.dirname(str(path)), name) in key_policies
                for finding in wildcard_findings(statement, key_policy=key_policy):
                    findings.append(f"{path}: data.aws_iam_policy_document.{name} statement {sid}: {finding}")
    return findings

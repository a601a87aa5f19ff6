"""Renders an aws_iam_policy_document from parsed HCL and evaluates its statements against requests.

Enough of IAM's policy evaluation to ask one question offline: does this policy explicitly deny
request R? (An explicit Deny in a bucket policy wins over every Allow, so "denied" here means denied
whatever the caller's IAM policies say; "not denied" means the caller's IAM policies decide.)

Rendering resolves references (``"${local.x}"``, ``"${condition.value}"``) from a dict of bindings
given by the test; an expression that is not a bare reference is refused rather than guessed, so a
statement the renderer cannot follow fails the test instead of passing it. Supported: static
``statement`` blocks with ``principals`` / ``not_principals``, ``actions`` / ``not_actions``,
``resources`` / ``not_resources``, static and ``dynamic "condition"`` blocks.

Evaluation follows the IAM policy reference: a statement applies when its principal, action,
resource and every condition match; within one condition key the values are ORed, except for the
negated operators, which match when no value does; a key missing from the request matches only the
negated operators (and ``Null`` = true). Wildcards ``*`` and ``?`` as in ``*Like`` and in actions and
resources (ARNs are matched whole, not field by field). Operators other than those below raise.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from typing import Any, Mapping

from policy_checks import blocks, first

_REFERENCE = re.compile(r"^\$\{\s*([A-Za-z_][A-Za-z0-9_.\[\]\"-]*)\s*\}$")

_POSITIVE = {"StringEquals", "StringLike", "ArnEquals", "ArnLike", "Bool"}
_NEGATED = {"StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike"}


def _resolve(value: Any, bindings: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        match = _REFERENCE.match(value)
        if match:
            name = match.group(1)
            if name not in bindings:
                raise KeyError(f"no binding for {name} (used in the policy document)")
            return bindings[name]
        if "${" in value:
            raise ValueError(f"cannot evaluate {value!r}: bind it as one reference")
        return value
    if isinstance(value, (list, tuple)):
        return [_resolve(item, bindings) for item in value]
    return value


def _strings(value: Any, bindings: Mapping[str, Any]) -> list[str]:
    """An attribute as a flat list of strings (either parser's shape, references resolved)."""
    result = []

    def walk(item):
        item = _resolve(item, bindings)
        if isinstance(item, (list, tuple)):
            for element in item:
                walk(element)
        elif item is not None:
            result.append(str(item))

    walk(value)
    return result


def _principal(principal_blocks: list[dict], bindings: Mapping[str, Any]) -> Any:
    rendered: dict[str, list[str]] = {}
    for block in principal_blocks:
        kind = str(first(block.get("type")))
        rendered.setdefault(kind, []).extend(_strings(block.get("identifiers"), bindings))
    if rendered == {"*": ["*"]}:
        return "*"
    return rendered


def _conditions(statement: dict, bindings: Mapping[str, Any]) -> dict:
    condition_blocks = [(block, bindings) for block in blocks(statement.get("condition"))]
    for dynamic in blocks(statement.get("dynamic")):
        for holder in blocks(dynamic.get("condition")):
            for item in _for_each_items(holder.get("for_each"), bindings):
                scoped = dict(bindings, **{"condition.value": item})
                condition_blocks.extend((content, scoped) for content in blocks(holder.get("content")))
    rendered: dict[str, dict[str, list[str]]] = {}
    for block, scope in condition_blocks:
        test = str(_resolve(first(block.get("test")), scope))
        variable = str(_resolve(first(block.get("variable")), scope))
        if variable in rendered.get(test, {}):
            raise ValueError(f"condition {test} on {variable} given twice")
        rendered.setdefault(test, {})[variable] = _strings(block.get("values"), scope)
    return rendered


def _for_each_items(value: Any, bindings: Mapping[str, Any]) -> list:
    """The items of a for_each: the bound list itself (its items may be lists)."""
    unwrapped = value[0] if isinstance(value, list) and len(value) == 1 else value
    resolved = _resolve(unwrapped, bindings)
    if not isinstance(resolved, (list, tuple)):
        raise ValueError(f"for_each must be bound to a list, got {resolved!r}")
    return list(resolved)


def render_statements(document: dict, bindings: Mapping[str, Any]) -> list[dict]:
    """The statements of a parsed aws_iam_policy_document block, in IAM JSON shape."""
    if any(blocks(dynamic.get("statement")) for dynamic in blocks(document.get("dynamic"))):
        raise ValueError("dynamic statement blocks are not supported")
    rendered = []
    for statement in blocks(document.get("statement")):
        json_statement: dict[str, Any] = {"Effect": str(first(statement.get("effect"), "Allow"))}
        if statement.get("sid"):
            json_statement["Sid"] = str(_resolve(first(statement.get("sid")), bindings))
        for attribute, key in (("actions", "Action"), ("not_actions", "NotAction"),
                               ("resources", "Resource"), ("not_resources", "NotResource")):
            if attribute in statement:
                json_statement[key] = _strings(statement[attribute], bindings)
        for attribute, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if attribute in statement:
                json_statement[key] = _principal(blocks(statement[attribute]), bindings)
        conditions = _conditions(statement, bindings)
        if conditions:
            json_statement["Condition"] = conditions
        rendered.append(json_statement)
    return rendered


@dataclasses.dataclass(frozen=True)
class Request:
    """One S3 request as IAM sees it. ``principal_arn`` is aws:PrincipalArn (a role's ARN for its
    sessions); None for a caller without one (anonymous, or an AWS service principal)."""

    principal_arn: str | None
    action: str
    resource: str
    context: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def key(self, name: str) -> str | None:
        if name.lower() == "aws:principalarn":
            return self.principal_arn
        lowered = {key.lower(): value for key, value in self.context.items()}
        return lowered.get(name.lower())


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _glob(pattern: str, text: str, case_sensitive: bool = True) -> bool:
    if not case_sensitive:
        pattern, text = pattern.lower(), text.lower()
    return fnmatch.fnmatchcase(text, pattern.replace("[", "[[]"))


def _principal_matches(principal: Any, arn: str | None) -> bool:
    if principal == "*" or principal == {"AWS": "*"} or principal == {"AWS": ["*"]}:
        return True
    if arn is None:
        return False
    for identifier in _as_list(principal.get("AWS", [])):
        account_root = re.match(r"^arn:[^:]+:iam::(\d{12}):root$", identifier)
        if identifier == arn or (account_root and f"::{account_root.group(1)}:" in arn):
            return True
    return False


def _value_matches(operator: str, expected: str, actual: str) -> bool:
    if operator in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
        return actual == expected
    if operator in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
        return _glob(expected, actual)
    if operator == "Bool":
        return actual.lower() == expected.lower()
    raise ValueError(f"unsupported condition operator {operator}")


def _condition_matches(operator: str, key: str, values: list[str], request: Request) -> bool:
    actual = request.key(key)
    if operator == "Null":
        return all((actual is None) == (str(value).lower() == "true") for value in values)
    if operator not in _POSITIVE | _NEGATED:
        raise ValueError(f"unsupported condition operator {operator}")
    if actual is None:
        return operator in _NEGATED
    any_match = any(_value_matches(operator, str(value), actual) for value in values)
    return not any_match if operator in _NEGATED else any_match


def applies(statement: Mapping[str, Any], request: Request) -> bool:
    """Whether one IAM-JSON statement applies to the request (its effect aside)."""
    if "Principal" in statement and not _principal_matches(statement["Principal"], request.principal_arn):
        return False
    if "NotPrincipal" in statement and _principal_matches(statement["NotPrincipal"], request.principal_arn):
        return False
    if "Action" in statement and not any(_glob(a, request.action, False) for a in _as_list(statement["Action"])):
        return False
    if "NotAction" in statement and any(_glob(a, request.action, False) for a in _as_list(statement["NotAction"])):
        return False
    if "Resource" in statement and not any(_glob(r, request.resource) for r in _as_list(statement["Resource"])):
        return False
    if "NotResource" in statement and any(_glob(r, request.resource) for r in _as_list(statement["NotResource"])):
        return False
    return all(
        _condition_matches(operator, key, _as_list(values), request)
        for operator, keys in statement.get("Condition", {}).items()
        for key, values in keys.items()
    )


def denied(statements: list[Mapping[str, Any]], request: Request) -> bool:
    """Whether any Deny statement applies: the request fails whatever IAM policies allow."""
    return any(statement.get("Effect") == "Deny" and applies(statement, request) for statement in statements)

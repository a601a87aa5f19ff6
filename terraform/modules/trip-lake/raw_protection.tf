################################################################################
# Protection of the raw logger files (raw_protection, raw_object_lock_retention_days)
#
# Registration makes the loggers' files data files of the raw Iceberg tables. Our jobs never delete
# them, but other tools pointed at the same catalog may: Athena's DROP TABLE and VACUUM, Glue's
# table optimizers, Spark's expire_snapshots or DROP TABLE PURGE. The bucket policy below makes
# those deletes fail for every principal but the admins, whatever their IAM policies allow.
# docs/aws-raw-data-protection.md explains what it covers and what it cannot.
################################################################################

locals {
  protect_raw = var.raw_protection.enabled
  lock_raw    = local.create_raw_bucket && var.raw_object_lock_retention_days != null

  raw_protected_object_arns = [for prefix in var.raw_protection.key_prefixes : "${local.bucket_arns.raw}/${prefix}*"]

  # Who is exempt: admins from every statement, writers from the create-only rule. Each list becomes
  # one ArnNotLike condition on aws:PrincipalArn (the role's ARN for its sessions); an empty list
  # becomes no condition, so the statement then denies everyone.
  raw_delete_exempt_arns    = distinct(var.raw_protection.admin_principal_arns)
  raw_overwrite_exempt_arns = distinct(concat(var.raw_protection.writer_principal_arns, var.raw_protection.admin_principal_arns))
  raw_delete_exemptions     = length(local.raw_delete_exempt_arns) == 0 ? [] : [local.raw_delete_exempt_arns]
  raw_overwrite_exemptions  = length(local.raw_overwrite_exempt_arns) == 0 ? [] : [local.raw_overwrite_exempt_arns]

  # The jobs only read raw files: an exemption that matches their roles (also by wildcard) is refused.
  mwaa_role_arn        = "arn:${local.partition}:iam::${local.account_id}:role/${var.name}-mwaa"
  raw_job_role_arns    = [local.emr_job_role_arn, local.mwaa_role_arn]
  raw_exempt_patterns  = [for arn in local.raw_overwrite_exempt_arns : "^${replace(replace(replace(replace(arn, ".", "\\."), "+", "\\+"), "*", ".*"), "?", ".")}$"]
  raw_exempts_job_role = anytrue([for pattern in local.raw_exempt_patterns : anytrue([for role in local.raw_job_role_arns : can(regex(pattern, role))])])
}

data "aws_iam_policy_document" "raw_protection" {
  count = local.protect_raw ? 1 : 0

  # DeleteObjects (batch) is authorized per key by these same actions. PutObjectRetention and
  # BypassGovernanceRetention matter only under Object Lock: they would shorten or skip a retention.
  statement {
    sid    = "DenyRawObjectDeletes"
    effect = "Deny"
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions = [
      "s3:BypassGovernanceRetention",
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
      "s3:PutObjectRetention",
    ]
    resources = local.raw_protected_object_arns

    dynamic "condition" {
      for_each = local.raw_delete_exemptions
      content {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = condition.value
      }
    }
  }

  # Create-only writes: PutObject, CompleteMultipartUpload and CopyObject (s3:ObjectCreationOperation
  # true; the other multipart calls are false and pass) must carry If-None-Match, so S3 refuses them
  # (412) when the key exists. CopyObject into these prefixes is refused either way (403 or 501).
  statement {
    sid    = "DenyRawObjectOverwrites"
    effect = "Deny"
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions   = ["s3:PutObject"]
    resources = local.raw_protected_object_arns

    condition {
      test     = "Null"
      variable = "s3:if-none-match"
      values   = ["true"]
    }
    condition {
      test     = "Bool"
      variable = "s3:ObjectCreationOperation"
      values   = ["true"]
    }
    dynamic "condition" {
      for_each = local.raw_overwrite_exemptions
      content {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = condition.value
      }
    }
  }

  lifecycle {
    precondition {
      condition     = !local.raw_exempts_job_role
      error_message = "Cannot exempt the jobs from raw_protection: writer_principal_arns and admin_principal_arns must not match the EMR job role or the MWAA role (registration only reads raw files)."
    }
  }
}

# GOVERNANCE-mode default retention. Set through the lock configuration, which S3 accepts on a new or
# an existing versioned bucket, rather than object_lock_enabled on the bucket (that would replace it).
resource "aws_s3_bucket_object_lock_configuration" "raw" {
  count = local.lock_raw ? 1 : 0

  bucket = aws_s3_bucket.this["raw"].id

  rule {
    default_retention {
      mode = "GOVERNANCE"
      days = var.raw_object_lock_retention_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

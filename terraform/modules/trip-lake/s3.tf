################################################################################
# S3
#
# Data buckets (raw if created, warehouse, artifacts, mwaa, athena_results): SSE-KMS with the
# deployment key and S3 Bucket Keys, versioning, public access block, bucket-owner-enforced
# ownership, TLS-only bucket policy, access logs to the logs bucket, lifecycle, EventBridge events.
# The raw bucket's policy also protects the logger files (raw_protection.tf).
#
# The logs bucket is declared on its own: it receives S3 server access logs, which S3 can only
# deliver to an SSE-S3 (AES256) bucket, and it cannot log into itself.
################################################################################

locals {
  data_buckets = merge(
    local.create_raw_bucket ? { raw = { expiration_days = null } } : {},
    {
      warehouse      = { expiration_days = null }
      artifacts      = { expiration_days = null }
      mwaa           = { expiration_days = null }
      athena_results = { expiration_days = var.athena_results_expiration_days }
    },
  )
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Replication is opt-in where it protects something: raw_replication replicates the raw bucket, the data of record. The other buckets are rebuilt from it (warehouse: Iceberg metadata holds absolute s3:// paths, so a replica is no usable catalog), from CI (artifacts, DAGs) or are transient (Athena results).
  for_each = local.data_buckets

  bucket        = local.bucket_names[each.key]
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = aws_s3_bucket.this

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
    dynamic "expiration" {
      for_each = local.data_buckets[each.key].expiration_days == null ? [true] : []
      content {
        expired_object_delete_marker = true
      }
    }
  }

  dynamic "rule" {
    for_each = local.data_buckets[each.key].expiration_days == null ? [] : [local.data_buckets[each.key].expiration_days]
    content {
      id     = "expire-objects"
      status = "Enabled"
      filter {}
      expiration {
        days = rule.value
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  for_each = aws_s3_bucket.this

  bucket        = each.value.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3-access/${each.key}/"
}

resource "aws_s3_bucket_notification" "this" {
  for_each = aws_s3_bucket.this

  bucket      = each.value.id
  eventbridge = true
}

data "aws_iam_policy_document" "bucket" {
  for_each = local.data_buckets

  # The raw bucket also gets the raw_protection statements (raw_protection.tf).
  source_policy_documents = each.key == "raw" ? data.aws_iam_policy_document.raw_protection[*].json : []

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      local.bucket_arns[each.key],
      "${local.bucket_arns[each.key]}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  policy = data.aws_iam_policy_document.bucket[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

################################################################################
# Logs bucket: EMR job logs (emr/) and S3 server access logs (s3-access/<bucket>/)
################################################################################

resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log target bucket; logging it into itself would log its own log deliveries.
  #checkov:skip=CKV_AWS_145:S3 server access logs can only be delivered to a bucket with SSE-S3 (AES256) default encryption, not SSE-KMS.
  #checkov:skip=CKV_AWS_144:Logs expire after logs_expiration_days; a cross-region copy of transient logs protects nothing.
  bucket        = local.bucket_names.logs
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "expire-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.logs_expiration_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

resource "aws_s3_bucket_notification" "logs" {
  bucket      = aws_s3_bucket.logs.id
  eventbridge = true
}

data "aws_iam_policy_document" "logs_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      local.bucket_arns.logs,
      "${local.bucket_arns.logs}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # With BucketOwnerEnforced, access-log delivery is granted by bucket policy, not by ACL.
  statement {
    sid       = "S3ServerAccessLogDelivery"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arns.logs}/s3-access/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [for purpose in keys(local.data_buckets) : local.bucket_arns[purpose]]
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = data.aws_iam_policy_document.logs_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.logs]
}

################################################################################
# Objects the module owns
################################################################################

# s3://<artifacts>/conf/catalog.properties: the Iceberg catalog properties of the jobs.
resource "aws_s3_object" "catalog_properties" {
  bucket       = aws_s3_bucket.this["artifacts"].id
  key          = local.job_contract.artifacts.catalog_conf
  content_type = "text/plain"
  content      = join("", [for key in sort(keys(local.catalog_properties)) : "${key}=${local.catalog_properties[key]}\n"])
  kms_key_id   = local.kms_key_arn

  tags = var.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.this]
}

# s3://<mwaa>/requirements/requirements.txt, only when extra packages are asked for.
resource "aws_s3_object" "mwaa_requirements" {
  count = var.mwaa_requirements_txt == null ? 0 : 1

  bucket       = aws_s3_bucket.this["mwaa"].id
  key          = "requirements/requirements.txt"
  content_type = "text/plain"
  content      = var.mwaa_requirements_txt
  kms_key_id   = local.kms_key_arn

  tags = var.tags

  depends_on = [aws_s3_bucket_versioning.this, aws_s3_bucket_server_side_encryption_configuration.this]
}

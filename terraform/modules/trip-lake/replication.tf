################################################################################
# Optional replication of the raw bucket (raw_replication)
#
# The raw logger files are the data of record: everything else (Iceberg tables, trips, query
# results) is rebuilt from them. Replicating the warehouse instead would not help: Iceberg metadata
# holds absolute s3:// paths, so a copy in another bucket is not a usable catalog.
################################################################################

locals {
  replicate_raw               = local.create_raw_bucket && var.raw_replication != null
  replication_destination_arn = try(var.raw_replication.destination_bucket_arn, null)
  replication_destination_key = try(var.raw_replication.destination_kms_key_arn, null)
}

data "aws_iam_policy_document" "raw_replication_trust" {
  count = local.replicate_raw ? 1 : 0

  statement {
    sid     = "S3ReplicationOfThisAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "raw_replication" {
  count = local.replicate_raw ? 1 : 0

  name               = "${var.name}-raw-replication"
  description        = "trip-lake ${var.name}: S3 replication of the raw bucket"
  assume_role_policy = data.aws_iam_policy_document.raw_replication_trust[0].json

  tags = var.tags
}

data "aws_iam_policy_document" "raw_replication" {
  count = local.replicate_raw ? 1 : 0

  statement {
    sid       = "SourceBucket"
    effect    = "Allow"
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [local.bucket_arns.raw]
  }
  # Under Object Lock (raw_object_lock_retention_days), S3 replicates each version's retention too;
  # the destination bucket must then have Object Lock enabled.
  statement {
    sid    = "SourceObjectVersions"
    effect = "Allow"
    actions = concat(
      [
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionTagging",
      ],
      local.lock_raw ? ["s3:GetObjectRetention", "s3:GetObjectLegalHold"] : [],
    )
    resources = ["${local.bucket_arns.raw}/*"]
  }
  statement {
    sid       = "DestinationObjects"
    effect    = "Allow"
    actions   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    resources = ["${local.replication_destination_arn}/*"]
  }
  statement {
    sid       = "DecryptSourceObjects"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = local.kms_key_arns
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
    # With S3 Bucket Keys the encryption context is the bucket ARN, without them the object ARN.
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = [local.bucket_arns.raw, "${local.bucket_arns.raw}/*"]
    }
  }
  statement {
    sid       = "EncryptReplicas"
    effect    = "Allow"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
    resources = [local.replication_destination_key]
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = [local.replication_destination_arn, "${local.replication_destination_arn}/*"]
    }
  }
}

resource "aws_iam_role_policy" "raw_replication" {
  count = local.replicate_raw ? 1 : 0

  name   = "raw-replication"
  role   = aws_iam_role.raw_replication[0].id
  policy = data.aws_iam_policy_document.raw_replication[0].json
}

resource "aws_s3_bucket_replication_configuration" "raw" {
  count = local.replicate_raw ? 1 : 0

  bucket = aws_s3_bucket.this["raw"].id
  role   = aws_iam_role.raw_replication[0].arn

  rule {
    id     = "raw-to-replica"
    status = "Enabled"
    filter {}

    delete_marker_replication {
      status = "Enabled"
    }

    source_selection_criteria {
      sse_kms_encrypted_objects {
        status = "Enabled"
      }
    }

    destination {
      bucket        = local.replication_destination_arn
      storage_class = var.raw_replication.storage_class
      encryption_configuration {
        replica_kms_key_id = local.replication_destination_key
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this, aws_iam_role_policy.raw_replication]
}

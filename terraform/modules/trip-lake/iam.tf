################################################################################
# IAM: least privilege, no "*" action and no "*" resource (tests/test_terraform.py checks it).
#
# EMR job execution role: what the Spark jobs may touch.
# MWAA execution role:    what Airflow may touch, including starting job runs with the role above.
################################################################################

locals {
  emr_application_arn = aws_emrserverless_application.this.arn

  glue_catalog_arn = "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog"
  glue_database_arns = [
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${var.glue_raw_database_name}",
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${var.glue_trips_database_name}",
  ]
  glue_table_arns = [
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.glue_raw_database_name}/*",
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.glue_trips_database_name}/*",
  ]

  # Every log group of the account in this region; only for the List-level DescribeLogGroups.
  log_groups_in_region_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"

  raw_bucket_kms_key_arn = local.create_raw_bucket ? null : var.raw_bucket_kms_key_arn

  # Built from the name (not read from the resource), so that the MWAA policy is known at plan time.
  emr_job_role_name = "${var.name}-emr-job"
  emr_job_role_arn  = "arn:${local.partition}:iam::${local.account_id}:role/${local.emr_job_role_name}"

  # compact(): without a key, plan stops at the precondition of aws_cloudwatch_log_group.emr with a
  # clear message instead of a "null value in list" error here.
  kms_key_arns = compact([local.kms_key_arn])
}

################################################################################
# EMR Serverless job execution role
################################################################################

data "aws_iam_policy_document" "emr_job_trust" {
  statement {
    sid     = "EmrServerlessJobRunsOfThisApplication"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["emr-serverless.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.emr_application_arn, "${local.emr_application_arn}/*"]
    }
  }
}

resource "aws_iam_role" "emr_job" {
  name               = local.emr_job_role_name
  description        = "trip-lake ${var.name}: runtime role of the Spark jobs on EMR Serverless"
  assume_role_policy = data.aws_iam_policy_document.emr_job_trust.json

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.raw_replication == null || local.create_raw_bucket
      error_message = "Cannot replicate the raw bucket: raw_replication only applies to a raw bucket the module creates, not to raw_bucket_name."
    }
    precondition {
      condition     = var.raw_object_lock_retention_days == null || local.create_raw_bucket
      error_message = "Cannot lock the raw objects: raw_object_lock_retention_days only applies to a raw bucket the module creates, not to raw_bucket_name."
    }
  }
}

data "aws_iam_policy_document" "emr_job" {
  # Raw logger files: read only. Registration lists the prefixes and reads Parquet footers.
  statement {
    sid       = "RawBucketList"
    effect    = "Allow"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [local.bucket_arns.raw]
  }
  statement {
    sid       = "RawObjectsRead"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arns.raw}/*"]
  }

  # Iceberg warehouse: data and metadata files are written, read, and deleted by snapshot expiry.
  statement {
    sid       = "WarehouseBucketList"
    effect    = "Allow"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [local.bucket_arns.warehouse]
  }
  statement {
    sid = "WarehouseObjectsReadWriteDelete"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
    ]
    effect    = "Allow"
    resources = ["${local.bucket_arns.warehouse}/*"]
  }

  # Artifacts: the job jar and its configuration, read only.
  statement {
    sid       = "ArtifactsBucketList"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arns.artifacts]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.jars_prefix}*", "${local.conf_prefix}*"]
    }
  }
  statement {
    sid     = "ArtifactsObjectsRead"
    effect  = "Allow"
    actions = ["s3:GetObject"]
    resources = [
      "${local.bucket_arns.artifacts}/${local.jars_prefix}*",
      "${local.bucket_arns.artifacts}/${local.conf_prefix}*",
    ]
  }

  # Job logs: EMR Serverless uploads driver/executor logs under s3://<logs>/emr/.
  statement {
    sid       = "EmrLogsWrite"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arns.logs}/emr/*"]
  }

  # Iceberg GlueCatalog: tables of the two databases only. The databases themselves are managed by
  # Terraform, so no Create/Update/DeleteDatabase.
  statement {
    sid    = "GlueCatalogTablesOfTheTwoDatabases"
    effect = "Allow"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetTables",
      "glue:CreateTable",
      "glue:UpdateTable",
      "glue:DeleteTable",
    ]
    resources = concat([local.glue_catalog_arn], local.glue_database_arns, local.glue_table_arns)
  }

  # Optional CloudWatch Logs delivery of the job logs, to this deployment's log group only.
  statement {
    sid       = "CloudWatchLogGroupsList"
    effect    = "Allow"
    actions   = ["logs:DescribeLogGroups"]
    resources = [local.log_groups_in_region_arn]
  }
  statement {
    sid    = "CloudWatchLogsWriteEmrLogGroup"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = [local.emr_log_group_arn, "${local.emr_log_group_arn}:*"]
  }

  # SSE-KMS of the buckets: the deployment key only.
  statement {
    sid    = "KmsDeploymentKey"
    effect = "Allow"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
    ]
    resources = local.kms_key_arns
  }

  dynamic "statement" {
    for_each = local.raw_bucket_kms_key_arn == null ? [] : [local.raw_bucket_kms_key_arn]
    content {
      sid       = "KmsExistingRawBucketKeyDecrypt"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:DescribeKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "emr_job" {
  name   = "trip-lake-jobs"
  role   = aws_iam_role.emr_job.id
  policy = data.aws_iam_policy_document.emr_job.json
}

################################################################################
# MWAA execution role
################################################################################

data "aws_iam_policy_document" "mwaa_trust" {
  statement {
    sid     = "MwaaEnvironmentOfThisDeployment"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.mwaa_environment_arn]
    }
  }
}

resource "aws_iam_role" "mwaa" {
  name               = "${var.name}-mwaa"
  description        = "trip-lake ${var.name}: execution role of the MWAA environment"
  assume_role_policy = data.aws_iam_policy_document.mwaa_trust.json

  tags = var.tags
}

data "aws_iam_policy_document" "mwaa" {
  statement {
    sid       = "PublishMetricsOfThisEnvironment"
    effect    = "Allow"
    actions   = ["airflow:PublishMetrics"]
    resources = [local.mwaa_environment_arn]
  }

  # DAGs, requirements: read only, MWAA's own bucket only (AWS's documented minimum set).
  statement {
    sid       = "MwaaBucketRead"
    effect    = "Allow"
    actions   = ["s3:GetObject*", "s3:GetBucket*", "s3:List*"]
    resources = [local.bucket_arns.mwaa, "${local.bucket_arns.mwaa}/*"]
  }

  statement {
    sid       = "CloudWatchLogGroupsList"
    effect    = "Allow"
    actions   = ["logs:DescribeLogGroups"]
    resources = [local.log_groups_in_region_arn]
  }
  statement {
    sid    = "CloudWatchLogsOfThisEnvironment"
    effect = "Allow"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:GetLogEvents",
      "logs:GetLogGroupFields",
      "logs:GetLogRecord",
      "logs:GetQueryResults",
      "logs:PutLogEvents",
    ]
    resources = [local.mwaa_log_groups_arn]
  }

  # Celery task queue: MWAA-owned SQS queues (in the service's account, hence the account wildcard).
  statement {
    sid    = "CeleryQueues"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]
    resources = ["arn:${local.partition}:sqs:${local.region}:*:airflow-celery-*"]
  }

  statement {
    sid    = "KmsDeploymentKeyViaSqsS3Ssm"
    effect = "Allow"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey*",
    ]
    resources = local.kms_key_arns
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values = [
        "sqs.${local.region}.amazonaws.com",
        "s3.${local.region}.amazonaws.com",
        "ssm.${local.region}.amazonaws.com",
      ]
    }
  }

  # The DAG: EmrServerlessStartJobOperator reads the application state, starts it if stopped,
  # starts job runs, polls and cancels them.
  statement {
    sid    = "EmrServerlessApplication"
    effect = "Allow"
    actions = [
      "emr-serverless:GetApplication",
      "emr-serverless:StartApplication",
      "emr-serverless:StartJobRun",
    ]
    resources = [local.emr_application_arn]
  }
  statement {
    sid    = "EmrServerlessJobRuns"
    effect = "Allow"
    actions = [
      "emr-serverless:CancelJobRun",
      "emr-serverless:GetDashboardForJobRun",
      "emr-serverless:GetJobRun",
    ]
    resources = ["${local.emr_application_arn}/jobruns/*"]
  }
  statement {
    sid       = "PassJobRoleToEmrServerlessOnly"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = [local.emr_job_role_arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["emr-serverless.amazonaws.com"]
    }
  }

  # Airflow Variables from SSM Parameter Store (secrets backend), this deployment's prefix only.
  dynamic "statement" {
    for_each = var.publish_airflow_variables_to_ssm ? [local.ssm_variables_prefix] : []
    content {
      sid       = "AirflowVariablesFromSsm"
      effect    = "Allow"
      actions   = ["ssm:GetParameter"]
      resources = ["arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${statement.value}/*"]
    }
  }
}

resource "aws_iam_role_policy" "mwaa" {
  name   = "mwaa-execution"
  role   = aws_iam_role.mwaa.id
  policy = data.aws_iam_policy_document.mwaa.json
}

################################################################################
# trip-lake: raw logger Parquet in S3, registered in place into Iceberg tables
# in the Glue Data Catalog, Spark jobs on EMR Serverless, a daily MWAA DAG,
# queries with Athena engine v3.
#
# Files: main.tf (naming, KMS), s3.tf, raw_protection.tf, replication.tf, glue.tf,
# emr.tf, iam.tf, mwaa.tf, athena.tf, outputs.tf.
################################################################################

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name

  create_raw_bucket = var.raw_bucket_name == null

  # <name>-<purpose>-<account>-<region>: globally unique without a random suffix.
  bucket_suffix = "${local.account_id}-${local.region}"
  bucket_names = {
    raw            = coalesce(var.raw_bucket_name, var.bucket_names.raw, "${var.name}-raw-${local.bucket_suffix}")
    warehouse      = coalesce(var.bucket_names.warehouse, "${var.name}-warehouse-${local.bucket_suffix}")
    artifacts      = coalesce(var.bucket_names.artifacts, "${var.name}-artifacts-${local.bucket_suffix}")
    logs           = coalesce(var.bucket_names.logs, "${var.name}-logs-${local.bucket_suffix}")
    mwaa           = coalesce(var.bucket_names.mwaa, "${var.name}-mwaa-${local.bucket_suffix}")
    athena_results = coalesce(var.bucket_names.athena_results, "${var.name}-athena-${local.bucket_suffix}")
  }

  # ARNs built from names, so that IAM policies need not wait for (or depend on) the buckets.
  bucket_arns = { for purpose, bucket in local.bucket_names : purpose => "arn:${local.partition}:s3:::${bucket}" }

  raw_uri       = "s3://${local.bucket_names.raw}/"
  warehouse_uri = "s3://${local.bucket_names.warehouse}/"
  logs_uri      = "s3://${local.bucket_names.logs}/emr/"

  # The job contract shared with the Java jobs and the DAGs (artifact layout, job sizes, --as-of formats).
  # Its one home is among the DAGs, the only folder MWAA sees, so the module reads it from there instead
  # of repeating its keys.
  job_contract = jsondecode(file("${path.module}/../../../airflow-dags/dags/job-contract.json"))

  # The workers of each job's job runs, as EMR Serverless bills them: the heap plus Spark's overhead,
  # max(10 %, 384 MB), rounded up to a size offered for that many vCPU (4 vCPU: 8-30 GB in 1 GB steps;
  # 8 vCPU: 4 GB steps; 16 vCPU: 8 GB steps), at least the smallest. io.triplake.lake.JobContract.Worker and
  # trip_lake_common.worker compute the same; the contract's comments say why each size is what it is.
  worker_memory_gb = {
    "1"  = { min = 2, step = 1 }
    "2"  = { min = 4, step = 1 }
    "4"  = { min = 8, step = 1 }
    "8"  = { min = 16, step = 4 }
    "16" = { min = 32, step = 8 }
  }
  job_heaps = { for job, size in local.job_contract.jobs : job => { for role in ["driver", "executor"] : role => {
    cores   = tostring(size["${role}_cores"])
    heap_mb = tonumber(trimsuffix(size["${role}_memory"], "g")) * 1024
  } } }
  job_runs = { for job, heaps in local.job_heaps : job => merge(
    { for role, heap in heaps : "${role}_gb" => max(
      local.worker_memory_gb[heap.cores].min,
      ceil(ceil((heap.heap_mb + max(floor(heap.heap_mb / 10), 384)) / 1024) / local.worker_memory_gb[heap.cores].step) * local.worker_memory_gb[heap.cores].step
    ) },
    {
      driver_cores   = local.job_contract.jobs[job].driver_cores
      executor_cores = local.job_contract.jobs[job].executor_cores
      max_executors  = local.job_contract.jobs[job].max_executors
    }
  ) }
  # One job run at a time (the DAGs' one-slot pool): the application needs the largest job run's driver
  # plus all its executors, and more only buys nothing. The default cost ceiling is that, from the contract.
  largest_job_run = {
    cpu    = max([for run in values(local.job_runs) : run.driver_cores + run.max_executors * run.executor_cores]...)
    memory = max([for run in values(local.job_runs) : run.driver_gb + run.max_executors * run.executor_gb]...)
  }
  emr_maximum_capacity = {
    cpu    = coalesce(var.emr_maximum_capacity.cpu, "${local.largest_job_run.cpu} vCPU")
    memory = coalesce(var.emr_maximum_capacity.memory, "${local.largest_job_run.memory} GB")
    disk   = var.emr_maximum_capacity.disk
  }

  # Layout of the artifacts bucket: the job role may read these two prefixes only.
  jars_prefix = local.job_contract.artifacts.jars_prefix
  conf_prefix = local.job_contract.artifacts.conf_prefix

  kms_key_arn = var.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  emr_log_group_name   = "/aws/emr-serverless/${var.name}"
  emr_log_group_arn    = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.emr_log_group_name}"
  mwaa_log_groups_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:airflow-${var.name}-*"
  mwaa_environment_arn = "arn:${local.partition}:airflow:${local.region}:${local.account_id}:environment/${var.name}"

  # Iceberg catalog properties of the jobs (also written to s3://<artifacts>/conf/catalog.properties).
  catalog_properties = {
    "type"          = "glue"
    "warehouse"     = local.warehouse_uri
    "io-impl"       = "org.apache.iceberg.aws.s3.S3FileIO"
    "client.region" = local.region
    "glue.id"       = local.account_id
  }

  # Read by the DAG as Airflow Variables. Keep the keys in sync with the DAG.
  airflow_variables = {
    trip_lake_emr_application_id     = aws_emrserverless_application.this.id
    trip_lake_emr_execution_role_arn = aws_iam_role.emr_job.arn
    trip_lake_artifacts_bucket       = local.bucket_names.artifacts
    trip_lake_raw_uri                = local.raw_uri
    trip_lake_logs_uri               = local.logs_uri
    trip_lake_release_label          = var.emr_release_label
  }

  ssm_variables_prefix = "/${var.name}/airflow/variables"
}

################################################################################
# KMS: one customer managed key for buckets, logs, MWAA, Athena results, SSM
################################################################################

resource "aws_kms_key" "this" {
  count = var.create_kms_key ? 1 : 0

  description             = "${var.name}: trip-lake buckets, EMR and MWAA logs, MWAA, Athena results, SSM parameters"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms[0].json

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.create_kms_key ? 1 : 0

  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this[0].key_id
}

# A key policy is a resource policy attached to the key itself: its Resource must be "*", which
# means "this key" (KMS rejects anything else). That is the only place where the IAM wildcard test
# accepts Resource "*"; actions stay enumerated.
data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:KMS key policy: Resource "*" means this key only; KMS requires it.
  #checkov:skip=CKV_AWS_111:KMS key policy: Resource "*" means this key only; KMS requires it.
  #checkov:skip=CKV_AWS_356:KMS key policy: Resource "*" means this key only; KMS requires it.
  count = var.create_kms_key ? 1 : 0

  # Delegates use of the key to IAM policies of this account (the default key policy, with the
  # actions spelled out instead of kms:*).
  statement {
    sid    = "AccountAdministrationAndIamDelegation"
    effect = "Allow"
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
    actions = [
      "kms:CancelKeyDeletion",
      "kms:CreateAlias",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:DeleteAlias",
      "kms:DescribeKey",
      "kms:DisableKey",
      "kms:DisableKeyRotation",
      "kms:EnableKey",
      "kms:EnableKeyRotation",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListGrants",
      "kms:ListKeyPolicies",
      "kms:ListKeyRotations",
      "kms:ListResourceTags",
      "kms:PutKeyPolicy",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "kms:RetireGrant",
      "kms:RevokeGrant",
      "kms:RotateKeyOnDemand",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateAlias",
      "kms:UpdateKeyDescription",
    ]
    resources = ["*"]
  }

  # CloudWatch Logs encrypts the EMR job log group and MWAA's airflow-<name>-* log groups.
  statement {
    sid    = "CloudWatchLogsOfThisDeployment"
    effect = "Allow"
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ]
    resources = ["*"]
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [local.emr_log_group_arn, local.mwaa_log_groups_arn]
    }
  }
}

################################################################################
# CloudWatch Logs: EMR Serverless job logs
################################################################################

resource "aws_cloudwatch_log_group" "emr" {
  name              = local.emr_log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.create_kms_key || var.kms_key_arn != null
      error_message = "Cannot encrypt without a key: set create_kms_key = true or pass kms_key_arn."
    }
  }
}

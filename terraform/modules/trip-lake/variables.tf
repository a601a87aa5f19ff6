################################################################################
# General
################################################################################

variable "name" {
  description = "Name of the deployment. Prefix of every resource name (EMR Serverless application, MWAA environment, Athena workgroup, IAM roles, KMS alias) and of the default bucket names. Lower case, digits and hyphens, 3-24 characters, so that `<name>-warehouse-<account>-<region>` stays within S3's 63 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "Cannot use name: it must be 3-24 characters of a-z, 0-9 and '-', start with a letter and not end with '-' (${var.name})."
  }
}

variable "tags" {
  description = "Tags merged into every resource the module creates."
  type        = map(string)
  default     = {}
}

################################################################################
# S3
################################################################################

variable "raw_bucket_name" {
  description = "Name of an EXISTING bucket that holds the raw logger Parquet (`<deviceid>/<message>/yyyy/mm/dd/*.parquet`). When set, the module does not create a raw bucket and only grants the EMR job role read access to it. When null, the module creates the raw bucket."
  type        = string
  default     = null

  validation {
    condition     = var.raw_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.raw_bucket_name))
    error_message = "Cannot use raw_bucket_name: it is not a valid S3 bucket name (3-63 characters of a-z, 0-9, '.', '-')."
  }
}

variable "raw_bucket_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the EXISTING raw bucket (`raw_bucket_name`), if it uses SSE-KMS with its own key. The EMR job role gets kms:Decrypt on it. Ignored when the module creates the raw bucket."
  type        = string
  default     = null

  validation {
    condition     = var.raw_bucket_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.raw_bucket_kms_key_arn))
    error_message = "Cannot use raw_bucket_kms_key_arn: it must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "raw_replication" {
  description = "Optional replication of the raw bucket the module creates (the only data here that cannot be rebuilt) to a versioned bucket in another region or account. Objects are SSE-KMS, so the destination key is required. Only valid when the module creates the raw bucket."
  type = object({
    destination_bucket_arn  = string
    destination_kms_key_arn = string
    storage_class           = optional(string, "STANDARD_IA")
  })
  default = null

  validation {
    condition = var.raw_replication == null || try(
      can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.raw_replication.destination_bucket_arn)) &&
      can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.raw_replication.destination_kms_key_arn)) &&
      contains(["STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"], var.raw_replication.storage_class),
      false
    )
    error_message = "Cannot use raw_replication: destination_bucket_arn must be an S3 bucket ARN, destination_kms_key_arn a KMS key ARN, storage_class an S3 storage class."
  }
}

variable "raw_protection" {
  description = "Bucket policy statements that keep every principal (EMR and MWAA job roles, Athena and Glue optimizer roles, administrators with s3:*) from deleting raw objects under `key_prefixes` (DeleteObject, DeleteObjectVersion, PutObjectRetention, BypassGovernanceRetention) and from overwriting them: their puts must be create-only (`If-None-Match: *`; copies into the prefixes are refused). `writer_principal_arns` (the loggers' writer) may also overwrite, `admin_principal_arns` (a break-glass role) may also delete. Entries are IAM role or user ARNs as in `aws:PrincipalArn` (wildcards allowed in the name, e.g. an SSO permission set's role path). Attached to the raw bucket the module creates; for `raw_bucket_name`, merge the `raw_protection_policy_json` output into that bucket's policy. See docs/aws-raw-data-protection.md."
  type = object({
    enabled               = optional(bool, true)
    key_prefixes          = optional(list(string), [""])
    writer_principal_arns = optional(list(string), [])
    admin_principal_arns  = optional(list(string), [])
  })
  default = {}

  validation {
    condition = length(var.raw_protection.key_prefixes) >= 1 && alltrue([
      for prefix in var.raw_protection.key_prefixes : prefix == "" || can(regex("^[^/*?][^*?]*/$", prefix))
    ])
    error_message = "Cannot use raw_protection.key_prefixes: give at least one, each \"\" (the whole bucket) or a key prefix ending in '/' without a leading '/' or wildcards."
  }

  validation {
    condition = alltrue([
      for arn in concat(var.raw_protection.writer_principal_arns, var.raw_protection.admin_principal_arns) :
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|(role|user)/[A-Za-z0-9+=,.@_/*?-]+)$", arn)) && !can(regex(":(role|user)/[*?/]*$", arn))
    ])
    error_message = "Cannot use raw_protection principals: each must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>, wildcards only inside the name) or the account root, not every role or user of an account."
  }
}

variable "raw_object_lock_retention_days" {
  description = "Days of S3 Object Lock retention in GOVERNANCE mode for every new object version in the raw bucket the module creates. Null (the default) turns Object Lock off. Object Lock cannot be turned off again once on, locked versions (also overwritten ones) are billed until their retention ends, writers must send Content-MD5 or an SDK checksum, and principals with s3:BypassGovernanceRetention can still delete (the raw_protection policy denies that action to all but its admins). Only valid when the module creates the raw bucket."
  type        = number
  default     = null

  validation {
    condition     = var.raw_object_lock_retention_days == null || try(var.raw_object_lock_retention_days >= 1 && var.raw_object_lock_retention_days <= 36500 && floor(var.raw_object_lock_retention_days) == var.raw_object_lock_retention_days, false)
    error_message = "Cannot use raw_object_lock_retention_days: it must be a whole number of days from 1 to 36500, or null."
  }
}

variable "bucket_names" {
  description = "Overrides of the generated bucket names. Any name left null defaults to `<name>-<purpose>-<account id>-<region>`. `raw` is ignored when `raw_bucket_name` is set."
  type = object({
    raw            = optional(string)
    warehouse      = optional(string)
    artifacts      = optional(string)
    logs           = optional(string)
    mwaa           = optional(string)
    athena_results = optional(string)
  })
  default = {}

  validation {
    condition = alltrue([
      for purpose, bucket in var.bucket_names : bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket))
    ])
    error_message = "Cannot use bucket_names: every name must be a valid S3 bucket name (3-63 characters of a-z, 0-9, '.', '-')."
  }
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete non-empty buckets and the Athena workgroup with its saved queries. Keep false for anything that holds real data."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted from the versioned buckets (undo window for overwritten or deleted objects)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "Cannot use noncurrent_version_expiration_days: it must be a whole number of at least 1."
  }
}

variable "logs_expiration_days" {
  description = "Days after which objects in the logs bucket (EMR job logs under `emr/`, S3 access logs under `s3-access/`) expire."
  type        = number
  default     = 365

  validation {
    condition     = var.logs_expiration_days >= 1 && floor(var.logs_expiration_days) == var.logs_expiration_days
    error_message = "Cannot use logs_expiration_days: it must be a whole number of at least 1."
  }
}

variable "athena_results_expiration_days" {
  description = "Days after which Athena query results expire."
  type        = number
  default     = 30

  validation {
    condition     = var.athena_results_expiration_days >= 1 && floor(var.athena_results_expiration_days) == var.athena_results_expiration_days
    error_message = "Cannot use athena_results_expiration_days: it must be a whole number of at least 1."
  }
}

################################################################################
# KMS
################################################################################

variable "create_kms_key" {
  description = "Create one customer managed KMS key (with rotation) for the buckets, the EMR log group, MWAA, Athena results and the SSM parameters. Set false and pass `kms_key_arn` to bring your own key."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of an existing customer managed KMS key, used when `create_kms_key` is false. Its key policy must allow the account (IAM delegation) and `logs.<region>.amazonaws.com` (see README)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "Cannot use kms_key_arn: it must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the created KMS key is deleted after `terraform destroy`."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "Cannot use kms_key_deletion_window_in_days: KMS accepts 7 to 30 days."
  }
}

################################################################################
# Glue Data Catalog
################################################################################

variable "glue_raw_database_name" {
  description = "Glue database (Iceberg namespace) of the raw tables registered in place. Lower case: Athena lower-cases identifiers."
  type        = string
  default     = "raw"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]*$", var.glue_raw_database_name)) && length(var.glue_raw_database_name) <= 255
    error_message = "Cannot use glue_raw_database_name: it must match ^[a-z][a-z0-9_]*$ (Athena lower-cases identifiers)."
  }
}

variable "glue_trips_database_name" {
  description = "Glue database (Iceberg namespace) of the trip tables. Lower case: Athena lower-cases identifiers."
  type        = string
  default     = "trips"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]*$", var.glue_trips_database_name)) && length(var.glue_trips_database_name) <= 255
    error_message = "Cannot use glue_trips_database_name: it must match ^[a-z][a-z0-9_]*$ (Athena lower-cases identifiers)."
  }
}

################################################################################
# EMR Serverless
################################################################################

variable "emr_release_label" {
  description = "EMR Serverless release of the Spark application."
  type        = string
  default     = "emr-spark-8.1.0"

  validation {
    condition     = can(regex("^emr-", var.emr_release_label))
    error_message = "Cannot use emr_release_label: it must start with 'emr-' (${var.emr_release_label})."
  }
}

variable "emr_architecture" {
  description = "CPU architecture of the EMR Serverless workers. ARM64 (Graviton) is cheaper per vCPU-hour; the job jar is pure JVM bytecode."
  type        = string
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.emr_architecture)
    error_message = "Cannot use emr_architecture: it must be ARM64 or X86_64 (${var.emr_architecture})."
  }
}

variable "emr_idle_timeout_minutes" {
  description = "Minutes of idleness after which the EMR Serverless application stops by itself (auto stop). It starts again by itself on the next job run (auto start)."
  type        = number
  default     = 15

  validation {
    condition     = var.emr_idle_timeout_minutes >= 1 && var.emr_idle_timeout_minutes <= 10080 && floor(var.emr_idle_timeout_minutes) == var.emr_idle_timeout_minutes
    error_message = "Cannot use emr_idle_timeout_minutes: it must be a whole number from 1 to 10080."
  }
}

variable "emr_maximum_capacity" {
  description = "Upper bound of the resources all job runs of the application may use together: the cost ceiling. cpu and memory left null are the largest job run of the job contract (airflow-dags/dags/job-contract.json): its driver plus max_executors executors, as billed (82 vCPU, 168 GB with the contract's aggregate); a lower cap gives that job fewer executors."
  type = object({
    cpu    = optional(string)
    memory = optional(string)
    disk   = optional(string, "1000 GB")
  })
  default = {}

  validation {
    condition = (
      (var.emr_maximum_capacity.cpu == null || can(regex("^[0-9]+ vCPU$", var.emr_maximum_capacity.cpu))) &&
      (var.emr_maximum_capacity.memory == null || can(regex("^[0-9]+ GB$", var.emr_maximum_capacity.memory))) &&
      can(regex("^[0-9]+ GB$", var.emr_maximum_capacity.disk))
    )
    error_message = "Cannot use emr_maximum_capacity: cpu must look like '32 vCPU', memory and disk like '128 GB'."
  }
}

variable "emr_initial_capacity" {
  description = "Pre-initialized (warm) workers, keyed by worker type `Driver` or `Executor`. Empty (the default) means none: they are billed while the application is started, even when no job runs."
  type = map(object({
    worker_count = number
    cpu          = string
    memory       = string
    disk         = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for type, capacity in var.emr_initial_capacity : contains(["Driver", "Executor"], type) && capacity.worker_count >= 1])
    error_message = "Cannot use emr_initial_capacity: keys must be Driver or Executor and worker_count at least 1."
  }
}

variable "emr_network_configuration" {
  description = "Optional VPC placement of the EMR Serverless workers. Null (the default) runs them without VPC access, which is enough to reach S3, Glue and CloudWatch."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

################################################################################
# CloudWatch Logs
################################################################################

variable "log_retention_in_days" {
  description = "Retention of the EMR Serverless job log group, in days (one of the values CloudWatch Logs accepts)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "Cannot use log_retention_in_days: CloudWatch Logs accepts 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

################################################################################
# MWAA
################################################################################

variable "airflow_version" {
  description = "Apache Airflow version of the MWAA environment. The DAGs are written for Airflow 3."
  type        = string
  default     = "3.3.1"

  validation {
    condition     = contains(["3.0.6", "3.2.1", "3.3.1"], var.airflow_version)
    error_message = "Cannot use airflow_version: MWAA offers Airflow 3.0.6, 3.2.1 and 3.3.1 (${var.airflow_version})."
  }
}

variable "mwaa_environment_class" {
  description = "MWAA environment class (size of scheduler, workers and web server)."
  type        = string
  default     = "mw1.small"

  validation {
    condition     = contains(["mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"], var.mwaa_environment_class)
    error_message = "Cannot use mwaa_environment_class: it must be one of mw1.micro, mw1.small, mw1.medium, mw1.large, mw1.xlarge, mw1.2xlarge."
  }
}

variable "mwaa_subnet_ids" {
  description = "Exactly two private subnets, in two Availability Zones, for the MWAA environment. They need a route to the AWS APIs (NAT gateway or VPC endpoints)."
  type        = list(string)

  validation {
    condition     = length(var.mwaa_subnet_ids) == 2
    error_message = "Cannot use mwaa_subnet_ids: MWAA needs exactly 2 private subnets."
  }
}

variable "mwaa_security_group_ids" {
  description = "Security groups of the MWAA environment (1 to 5). At least one must allow all traffic from itself (self-referencing ingress)."
  type        = list(string)

  validation {
    condition     = length(var.mwaa_security_group_ids) >= 1 && length(var.mwaa_security_group_ids) <= 5
    error_message = "Cannot use mwaa_security_group_ids: MWAA accepts 1 to 5 security groups."
  }
}

variable "mwaa_webserver_access_mode" {
  description = "Network access to the Airflow UI: PRIVATE_ONLY (through a VPC endpoint) or PUBLIC_ONLY (internet, still behind IAM sign-in)."
  type        = string
  default     = "PRIVATE_ONLY"

  validation {
    condition     = contains(["PRIVATE_ONLY", "PUBLIC_ONLY"], var.mwaa_webserver_access_mode)
    error_message = "Cannot use mwaa_webserver_access_mode: it must be PRIVATE_ONLY or PUBLIC_ONLY."
  }
}

variable "mwaa_min_workers" {
  description = "Minimum number of MWAA workers."
  type        = number
  default     = 1

  validation {
    condition     = var.mwaa_min_workers >= 1
    error_message = "Cannot use mwaa_min_workers: it must be at least 1."
  }
}

variable "mwaa_max_workers" {
  description = "Maximum number of MWAA workers (autoscaling upper bound)."
  type        = number
  default     = 2

  validation {
    condition     = var.mwaa_max_workers >= 1 && var.mwaa_max_workers <= 25
    error_message = "Cannot use mwaa_max_workers: it must be from 1 to 25."
  }
}

variable "mwaa_weekly_maintenance_window_start" {
  description = "Start of the weekly MWAA maintenance window, `DAY:HH:MM` in UTC (e.g. `SUN:03:00`). Null lets MWAA choose."
  type        = string
  default     = null

  validation {
    condition     = var.mwaa_weekly_maintenance_window_start == null || can(regex("^(MON|TUE|WED|THU|FRI|SAT|SUN):([01][0-9]|2[0-3]):(00|30)$", var.mwaa_weekly_maintenance_window_start))
    error_message = "Cannot use mwaa_weekly_maintenance_window_start: it must look like SUN:03:00 (half-hour steps)."
  }
}

variable "mwaa_log_levels" {
  description = "Log level of each MWAA log type; all five are enabled and sent to CloudWatch Logs."
  type = object({
    task           = optional(string, "INFO")
    scheduler      = optional(string, "WARNING")
    webserver      = optional(string, "WARNING")
    worker         = optional(string, "WARNING")
    dag_processing = optional(string, "WARNING")
  })
  default = {}

  validation {
    condition     = alltrue([for type, level in var.mwaa_log_levels : contains(["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"], level)])
    error_message = "Cannot use mwaa_log_levels: each level must be CRITICAL, ERROR, WARNING, INFO or DEBUG."
  }
}

variable "mwaa_requirements_txt" {
  description = "Content of the MWAA `requirements.txt` (extra Python packages). Null (the default) installs nothing extra: the Amazon provider ships with MWAA. When set, the module uploads it to `requirements/requirements.txt` in the MWAA bucket and pins its object version."
  type        = string
  default     = null
}

variable "airflow_configuration_options" {
  description = "Airflow configuration overrides (`section.key` => value), merged over the module's own (the SSM secrets backend when `publish_airflow_variables_to_ssm` is true)."
  type        = map(string)
  default     = {}
}

variable "publish_airflow_variables_to_ssm" {
  description = "Write the `airflow_variables` output to SSM Parameter Store (SecureString) and configure MWAA's SSM secrets backend to read Airflow Variables from there, so the DAG finds them without manual import."
  type        = bool
  default     = true
}

################################################################################
# Athena
################################################################################

variable "athena_bytes_scanned_cutoff_per_query" {
  description = "Per-query data-scan limit of the Athena workgroup, in bytes (at least 10485760 = 10 MB). Null means no limit."
  type        = number
  default     = 10737418240

  validation {
    condition     = var.athena_bytes_scanned_cutoff_per_query == null || try(var.athena_bytes_scanned_cutoff_per_query >= 10485760, false)
    error_message = "Cannot use athena_bytes_scanned_cutoff_per_query: Athena needs at least 10485760 bytes (10 MB), or null."
  }
}

################################################################################
# EMR Serverless
################################################################################

output "emr_application_id" {
  description = "ID of the EMR Serverless Spark application (`--application-id` of start-job-run)."
  value       = try(aws_emrserverless_application.this.id, null)
}

output "emr_application_arn" {
  description = "ARN of the EMR Serverless Spark application."
  value       = try(aws_emrserverless_application.this.arn, null)
}

output "emr_release_label" {
  description = "EMR Serverless release of the application."
  value       = try(aws_emrserverless_application.this.release_label, null)
}

output "emr_job_execution_role_arn" {
  description = "ARN of the job execution role (`--execution-role-arn` of start-job-run)."
  value       = try(aws_iam_role.emr_job.arn, null)
}

output "emr_log_group_name" {
  description = "CloudWatch log group the jobs may log to (`cloudWatchLoggingConfiguration.logGroupName` of a job run)."
  value       = try(aws_cloudwatch_log_group.emr.name, null)
}

################################################################################
# S3
################################################################################

output "raw_bucket" {
  description = "Name of the raw bucket (created, or the existing one passed as raw_bucket_name)."
  value       = try(local.bucket_names.raw, null)
}

output "raw_bucket_created" {
  description = "Whether the module created the raw bucket (false when an existing bucket was passed)."
  value       = try(local.create_raw_bucket, null)
}

output "raw_uri" {
  description = "S3 URI of the raw logger data root, `s3://<raw bucket>/`."
  value       = try(local.raw_uri, null)
}

output "raw_protection_policy_json" {
  description = "Bucket policy (JSON) that denies deleting and overwriting raw objects to all but raw_protection's admins (and overwriting to its writers); null when raw_protection is off. The module attaches it to the raw bucket it creates. For an existing bucket (raw_bucket_name) the module changes nothing: merge these statements into that bucket's policy, e.g. through `source_policy_documents` of your own aws_iam_policy_document."
  value       = try(data.aws_iam_policy_document.raw_protection[0].json, null)
}

output "raw_object_lock_retention_days" {
  description = "Days of GOVERNANCE-mode Object Lock retention of new raw object versions (null when Object Lock is off)."
  value       = try(aws_s3_bucket_object_lock_configuration.raw[0].rule[0].default_retention[0].days, null)
}

output "warehouse_bucket" {
  description = "Name of the Iceberg warehouse bucket."
  value       = try(aws_s3_bucket.this["warehouse"].id, null)
}

output "warehouse_uri" {
  description = "S3 URI of the Iceberg warehouse, `s3://<warehouse bucket>/`."
  value       = try(local.warehouse_uri, null)
}

output "artifacts_bucket" {
  description = "Name of the artifacts bucket: the job jar under `jars/`, configuration under `conf/` (`catalog.properties`, `aggregations.json`)."
  value       = try(aws_s3_bucket.this["artifacts"].id, null)
}

output "artifacts_jars_uri" {
  description = "S3 URI where the job jar is uploaded, `s3://<artifacts>/jars/`."
  value       = try("s3://${aws_s3_bucket.this["artifacts"].id}/${local.jars_prefix}", null)
}

output "artifacts_conf_uri" {
  description = "S3 URI of the job configuration, `s3://<artifacts>/conf/`."
  value       = try("s3://${aws_s3_bucket.this["artifacts"].id}/${local.conf_prefix}", null)
}

output "logs_bucket" {
  description = "Name of the logs bucket (EMR job logs under `emr/`, S3 access logs under `s3-access/`)."
  value       = try(aws_s3_bucket.logs.id, null)
}

output "logs_uri" {
  description = "S3 URI of the EMR job logs, `s3://<logs bucket>/emr/` (`s3MonitoringConfiguration.logUri`)."
  value       = try(local.logs_uri, null)
}

output "athena_results_bucket" {
  description = "Name of the Athena query results bucket."
  value       = try(aws_s3_bucket.this["athena_results"].id, null)
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the buckets, the EMR log group, MWAA, Athena results and the SSM parameters."
  value       = try(local.kms_key_arn, null)
}

################################################################################
# Iceberg / Glue
################################################################################

output "glue_raw_database" {
  description = "Glue database (Iceberg namespace) of the raw tables."
  value       = try(aws_glue_catalog_database.raw.name, null)
}

output "glue_trips_database" {
  description = "Glue database (Iceberg namespace) of the trip tables."
  value       = try(aws_glue_catalog_database.trips.name, null)
}

output "catalog_properties" {
  description = "Iceberg catalog properties of the jobs (type=glue, warehouse, io-impl=S3FileIO, client.region, glue.id); the same content is in `s3://<artifacts>/conf/catalog.properties`."
  value       = try(local.catalog_properties, null)
}

output "catalog_properties_uri" {
  description = "S3 URI of the catalog properties file the module writes, `s3://<artifacts>/conf/catalog.properties`."
  value       = try("s3://${aws_s3_object.catalog_properties.bucket}/${aws_s3_object.catalog_properties.key}", null)
}

################################################################################
# MWAA
################################################################################

output "mwaa_environment_name" {
  description = "Name of the MWAA environment."
  value       = try(aws_mwaa_environment.this.name, null)
}

output "mwaa_environment_arn" {
  description = "ARN of the MWAA environment."
  value       = try(aws_mwaa_environment.this.arn, null)
}

output "mwaa_webserver_url" {
  description = "Host name of the Airflow UI (open it through `aws mwaa create-web-login-token` or the console)."
  value       = try(aws_mwaa_environment.this.webserver_url, null)
}

output "mwaa_source_bucket" {
  description = "Name of the MWAA source bucket; DAG files go under `dags/`."
  value       = try(aws_s3_bucket.this["mwaa"].id, null)
}

output "mwaa_dags_uri" {
  description = "S3 URI where the DAG files are uploaded, `s3://<mwaa bucket>/dags/`."
  value       = try("s3://${aws_s3_bucket.this["mwaa"].id}/${aws_mwaa_environment.this.dag_s3_path}", null)
}

output "mwaa_execution_role_arn" {
  description = "ARN of the MWAA execution role."
  value       = try(aws_iam_role.mwaa.arn, null)
}

output "airflow_variables" {
  description = "Airflow Variables the DAG reads (trip_lake_emr_application_id, trip_lake_emr_execution_role_arn, trip_lake_artifacts_bucket, trip_lake_raw_uri, trip_lake_logs_uri, trip_lake_release_label). Published to SSM for MWAA when publish_airflow_variables_to_ssm is true; otherwise import them, e.g. `terraform output -json airflow_variables > variables.json && airflow variables import variables.json`."
  value       = try(local.airflow_variables, null)
}

output "airflow_variables_ssm_prefix" {
  description = "SSM Parameter Store prefix the MWAA secrets backend reads Airflow Variables from (null when not published)."
  value       = try(var.publish_airflow_variables_to_ssm ? local.ssm_variables_prefix : null, null)
}

################################################################################
# Athena
################################################################################

output "athena_workgroup" {
  description = "Name of the Athena (engine v3) workgroup."
  value       = try(aws_athena_workgroup.this.name, null)
}

output "athena_results_uri" {
  description = "S3 URI of the Athena query results, `s3://<athena results bucket>/results/`."
  value       = try(local.athena_results_uri, null)
}

output "airflow_variables" {
  description = "Airflow Variables the DAG reads (also published to SSM for MWAA)."
  value       = module.trip_lake.airflow_variables
}

output "emr_application_id" {
  description = "ID of the EMR Serverless Spark application."
  value       = module.trip_lake.emr_application_id
}

output "emr_job_execution_role_arn" {
  description = "ARN of the EMR Serverless job execution role."
  value       = module.trip_lake.emr_job_execution_role_arn
}

output "raw_uri" {
  description = "S3 URI of the raw logger data."
  value       = module.trip_lake.raw_uri
}

output "raw_protection_policy_json" {
  description = "Raw bucket policy statements; merge them into the policy of an existing raw bucket (raw_bucket_name), the module attaches them to one it creates."
  value       = module.trip_lake.raw_protection_policy_json
}

output "warehouse_uri" {
  description = "S3 URI of the Iceberg warehouse."
  value       = module.trip_lake.warehouse_uri
}

output "artifacts_bucket" {
  description = "Artifacts bucket: upload the job jar to jars/ and aggregations.json to conf/."
  value       = module.trip_lake.artifacts_bucket
}

output "catalog_properties" {
  description = "Iceberg catalog properties of the jobs."
  value       = module.trip_lake.catalog_properties
}

output "mwaa_dags_uri" {
  description = "S3 URI to upload the DAG files to."
  value       = module.trip_lake.mwaa_dags_uri
}

output "mwaa_webserver_url" {
  description = "Host name of the Airflow UI."
  value       = module.trip_lake.mwaa_webserver_url
}

output "athena_workgroup" {
  description = "Athena workgroup to query the lake with."
  value       = module.trip_lake.athena_workgroup
}

output "athena_results_uri" {
  description = "S3 URI of the Athena query results."
  value       = module.trip_lake.athena_results_uri
}

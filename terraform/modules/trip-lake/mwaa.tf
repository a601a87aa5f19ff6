################################################################################
# MWAA (Airflow 3): runs the daily DAG that submits the Spark jobs
#
# DAGs go to s3://<mwaa bucket>/dags/. With publish_airflow_variables_to_ssm, the Airflow
# Variables the DAG reads (the airflow_variables output) are SSM parameters under
# /<name>/airflow/variables/ and MWAA reads them through the SSM secrets backend; other Variables
# and all Connections still come from the metadata database.
################################################################################

locals {
  airflow_secrets_backend_options = var.publish_airflow_variables_to_ssm ? {
    "secrets.backend" = "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend"
    "secrets.backend_kwargs" = jsonencode({
      connections_prefix       = null
      config_prefix            = null
      variables_prefix         = local.ssm_variables_prefix
      variables_lookup_pattern = "^trip_lake_"
    })
  } : {}

  airflow_configuration_options = merge(local.airflow_secrets_backend_options, var.airflow_configuration_options)
}

resource "aws_ssm_parameter" "airflow_variables" {
  for_each = var.publish_airflow_variables_to_ssm ? toset(keys(local.airflow_variables)) : toset([])

  name        = "${local.ssm_variables_prefix}/${each.key}"
  description = "trip-lake ${var.name}: Airflow Variable ${each.key}, read by the DAG"
  type        = "SecureString"
  key_id      = local.kms_key_arn
  value       = local.airflow_variables[each.key]

  tags = var.tags
}

resource "aws_mwaa_environment" "this" {
  name               = var.name
  airflow_version    = var.airflow_version
  environment_class  = var.mwaa_environment_class
  execution_role_arn = aws_iam_role.mwaa.arn
  kms_key            = local.kms_key_arn

  source_bucket_arn              = aws_s3_bucket.this["mwaa"].arn
  dag_s3_path                    = "dags/"
  requirements_s3_path           = try(aws_s3_object.mwaa_requirements[0].key, null)
  requirements_s3_object_version = try(aws_s3_object.mwaa_requirements[0].version_id, null)

  webserver_access_mode           = var.mwaa_webserver_access_mode
  min_workers                     = var.mwaa_min_workers
  max_workers                     = var.mwaa_max_workers
  weekly_maintenance_window_start = var.mwaa_weekly_maintenance_window_start
  airflow_configuration_options   = local.airflow_configuration_options

  network_configuration {
    subnet_ids         = var.mwaa_subnet_ids
    security_group_ids = var.mwaa_security_group_ids
  }

  logging_configuration {
    dag_processing_logs {
      enabled   = true
      log_level = var.mwaa_log_levels.dag_processing
    }
    scheduler_logs {
      enabled   = true
      log_level = var.mwaa_log_levels.scheduler
    }
    task_logs {
      enabled   = true
      log_level = var.mwaa_log_levels.task
    }
    webserver_logs {
      enabled   = true
      log_level = var.mwaa_log_levels.webserver
    }
    worker_logs {
      enabled   = true
      log_level = var.mwaa_log_levels.worker
    }
  }

  tags = var.tags

  # MWAA validates the role and the bucket (versioning, public access block) at creation.
  depends_on = [
    aws_iam_role_policy.mwaa,
    aws_s3_bucket_public_access_block.this,
    aws_s3_bucket_versioning.this,
    aws_s3_bucket_policy.this,
  ]
}

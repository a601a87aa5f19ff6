################################################################################
# Athena: engine v3 workgroup (reads Iceberg format v2 tables from the Glue catalog)
################################################################################

resource "aws_athena_workgroup" "this" {
  name          = var.name
  description   = "trip-lake ${var.name}: queries on the ${var.glue_raw_database_name} and ${var.glue_trips_database_name} databases"
  state         = "ENABLED"
  force_destroy = var.force_destroy

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff_per_query

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location       = local.athena_results_uri
      expected_bucket_owner = local.account_id

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = local.kms_key_arn
      }
    }
  }

  tags = var.tags
}

locals {
  athena_results_uri = "s3://${local.bucket_names.athena_results}/results/"
}

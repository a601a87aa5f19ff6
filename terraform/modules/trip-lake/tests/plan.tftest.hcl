# Offline plan of the module: `terraform test` in modules/trip-lake (Terraform >= 1.11, for
# override_during). A real provider renders the policy documents; it is configured to make no AWS
# call, the one data source that would (caller identity) is overridden, and so are the ARNs only
# known after apply, so that the rendered policies can be asserted at plan time. Nothing is created.

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/offline"
    user_id    = "OFFLINE"
  }
}

override_resource {
  target          = aws_kms_key.this
  override_during = plan
  values = {
    arn    = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    key_id = "00000000-0000-0000-0000-000000000000"
  }
}

override_resource {
  target          = aws_emrserverless_application.this
  override_during = plan
  values = {
    id  = "00fabcdefghij012"
    arn = "arn:aws:emr-serverless:eu-west-1:123456789012:/applications/00fabcdefghij012"
  }
}

override_resource {
  target          = aws_iam_role.emr_job
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:role/trip-lake-emr-job"
  }
}

variables {
  name                    = "trip-lake"
  mwaa_subnet_ids         = ["subnet-0a", "subnet-0b"]
  mwaa_security_group_ids = ["sg-0a"]
}

run "defaults_create_every_bucket" {
  command = plan

  assert {
    condition     = toset(keys(aws_s3_bucket.this)) == toset(["raw", "warehouse", "artifacts", "mwaa", "athena_results"])
    error_message = "the module must create raw, warehouse, artifacts, mwaa and athena_results buckets"
  }
  assert {
    condition     = aws_s3_bucket.this["warehouse"].bucket == "trip-lake-warehouse-123456789012-eu-west-1"
    error_message = "bucket names follow <name>-<purpose>-<account>-<region>"
  }
  assert {
    condition     = output.raw_uri == "s3://trip-lake-raw-123456789012-eu-west-1/"
    error_message = "raw_uri is s3://<raw bucket>/"
  }
  assert {
    condition     = output.warehouse_uri == "s3://trip-lake-warehouse-123456789012-eu-west-1/"
    error_message = "warehouse_uri is s3://<warehouse bucket>/"
  }
  assert {
    condition     = output.catalog_properties["type"] == "glue" && output.catalog_properties["io-impl"] == "org.apache.iceberg.aws.s3.S3FileIO" && output.catalog_properties["client.region"] == "eu-west-1" && output.catalog_properties["warehouse"] == "s3://trip-lake-warehouse-123456789012-eu-west-1/"
    error_message = "catalog_properties are type=glue, warehouse, io-impl=S3FileIO, client.region"
  }
  assert {
    condition     = aws_s3_object.catalog_properties.key == "conf/catalog.properties" && strcontains(aws_s3_object.catalog_properties.content, "io-impl=org.apache.iceberg.aws.s3.S3FileIO\n")
    error_message = "conf/catalog.properties holds the catalog properties"
  }
  assert {
    condition     = toset(keys(aws_ssm_parameter.airflow_variables)) == toset(["trip_lake_emr_application_id", "trip_lake_emr_execution_role_arn", "trip_lake_artifacts_bucket", "trip_lake_raw_uri", "trip_lake_logs_uri", "trip_lake_release_label"])
    error_message = "airflow_variables has exactly the keys the DAG reads"
  }
  assert {
    condition     = output.airflow_variables["trip_lake_logs_uri"] == "s3://trip-lake-logs-123456789012-eu-west-1/emr/" && output.airflow_variables["trip_lake_release_label"] == "emr-spark-8.1.0" && output.airflow_variables["trip_lake_emr_application_id"] == "00fabcdefghij012"
    error_message = "logs URI is s3://<logs>/emr/ and the release label emr-spark-8.1.0"
  }
  assert {
    condition     = aws_emrserverless_application.this.architecture == "ARM64" && aws_emrserverless_application.this.release_label == "emr-spark-8.1.0" && length(aws_emrserverless_application.this.initial_capacity) == 0
    error_message = "the application is ARM64, emr-spark-8.1.0, without pre-initialized capacity"
  }
  assert {
    condition     = aws_mwaa_environment.this.airflow_version == "3.3.1" && aws_mwaa_environment.this.webserver_access_mode == "PRIVATE_ONLY" && aws_mwaa_environment.this.dag_s3_path == "dags/"
    error_message = "MWAA runs Airflow 3.3.1, private UI, DAGs from dags/"
  }
  assert {
    condition     = aws_athena_workgroup.this.configuration[0].engine_version[0].selected_engine_version == "Athena engine version 3" && aws_athena_workgroup.this.configuration[0].enforce_workgroup_configuration
    error_message = "the Athena workgroup enforces engine v3"
  }
  assert {
    condition     = length(aws_ssm_parameter.airflow_variables) == 6 && aws_mwaa_environment.this.airflow_configuration_options["secrets.backend"] == "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend"
    error_message = "the Airflow Variables are published to SSM and MWAA reads them from there"
  }
  assert {
    condition     = jsondecode(data.aws_iam_policy_document.mwaa.json).Statement[index(jsondecode(data.aws_iam_policy_document.mwaa.json).Statement[*].Sid, "PassJobRoleToEmrServerlessOnly")].Condition.StringEquals["iam:PassedToService"] == "emr-serverless.amazonaws.com"
    error_message = "MWAA may pass the job role to EMR Serverless only"
  }
  assert {
    condition = alltrue(flatten([
      for document in [data.aws_iam_policy_document.emr_job.json, data.aws_iam_policy_document.mwaa.json] : [
        for statement in jsondecode(document).Statement : [
          for action in flatten([statement.Action]) : action != "*" && !can(regex("^[a-z0-9-]+:\\*$", action)) && !contains(flatten([statement.Resource]), "*")
        ]
      ]
    ]))
    error_message = "the rendered role policies have no '*' or 'service:*' action and no '*' resource"
  }
  assert {
    condition     = contains(flatten([for statement in jsondecode(data.aws_iam_policy_document.emr_job.json).Statement : statement.Resource]), "arn:aws:glue:eu-west-1:123456789012:table/trips/*")
    error_message = "the job role reaches the tables of the trips database"
  }
  assert {
    condition     = length(aws_s3_bucket_replication_configuration.raw) == 0
    error_message = "no replication unless raw_replication is set"
  }
  assert {
    condition     = length(aws_s3_bucket_object_lock_configuration.raw) == 0 && output.raw_object_lock_retention_days == null
    error_message = "no Object Lock unless raw_object_lock_retention_days is set"
  }
}

# The raw bucket's policy as S3 will receive it: deletes and overwrites of raw objects denied to every
# principal (no exemption by default), next to the TLS-only statement.
run "raw_bucket_policy_protects_the_logger_files" {
  command = plan

  assert {
    condition     = toset(jsondecode(data.aws_iam_policy_document.bucket["raw"].json).Statement[*].Sid) == toset(["DenyInsecureTransport", "DenyRawObjectDeletes", "DenyRawObjectOverwrites"])
    error_message = "the raw bucket's policy is TLS-only plus the two raw_protection statements"
  }
  assert {
    condition     = !strcontains(data.aws_iam_policy_document.bucket["warehouse"].json, "DenyRawObject")
    error_message = "only the raw bucket gets the raw_protection statements"
  }
  assert {
    condition = alltrue([
      for statement in jsondecode(output.raw_protection_policy_json).Statement :
      statement.Effect == "Deny" && statement.Principal == "*" && flatten([statement.Resource]) == ["arn:aws:s3:::trip-lake-raw-123456789012-eu-west-1/*"] && !can(statement.Condition.ArnNotLike)
    ])
    error_message = "without an allow-list, both statements deny every principal on every raw object"
  }
  assert {
    condition     = toset(flatten([jsondecode(output.raw_protection_policy_json).Statement[index(jsondecode(output.raw_protection_policy_json).Statement[*].Sid, "DenyRawObjectDeletes")].Action])) == toset(["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"])
    error_message = "deletes of objects and of object versions are denied, and so is shortening or bypassing a retention"
  }
  assert {
    condition     = jsondecode(output.raw_protection_policy_json).Statement[index(jsondecode(output.raw_protection_policy_json).Statement[*].Sid, "DenyRawObjectOverwrites")].Condition == { Null = { "s3:if-none-match" = "true" }, Bool = { "s3:ObjectCreationOperation" = "true" } }
    error_message = "puts that create an object must carry If-None-Match (create-only); the other multipart calls pass"
  }
  assert {
    condition     = jsondecode(data.aws_iam_policy_document.bucket["raw"].json) == jsondecode(aws_s3_bucket_policy.this["raw"].policy)
    error_message = "the raw bucket's policy resource attaches that document"
  }
}

run "raw_protection_exempts_only_the_allow_list" {
  command = plan

  variables {
    raw_protection = {
      writer_principal_arns = ["arn:aws:iam::123456789012:role/canedge-parquet-writer"]
      admin_principal_arns  = ["arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_BreakGlass_*"]
    }
  }

  assert {
    condition     = toset(flatten([jsondecode(output.raw_protection_policy_json).Statement[index(jsondecode(output.raw_protection_policy_json).Statement[*].Sid, "DenyRawObjectDeletes")].Condition.ArnNotLike["aws:PrincipalArn"]])) == toset(["arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_BreakGlass_*"])
    error_message = "only the admins may delete"
  }
  assert {
    condition     = toset(flatten([jsondecode(output.raw_protection_policy_json).Statement[index(jsondecode(output.raw_protection_policy_json).Statement[*].Sid, "DenyRawObjectOverwrites")].Condition.ArnNotLike["aws:PrincipalArn"]])) == toset(["arn:aws:iam::123456789012:role/canedge-parquet-writer", "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_BreakGlass_*"])
    error_message = "the writer and the admins may overwrite"
  }
  assert {
    condition     = !strcontains(output.raw_protection_policy_json, "trip-lake-emr-job") && !strcontains(output.raw_protection_policy_json, "trip-lake-mwaa")
    error_message = "the job roles are never exempt"
  }
}

run "existing_raw_bucket_gets_a_policy_to_merge" {
  command = plan

  variables {
    raw_bucket_name = "my-canedge-logs"
    raw_protection = {
      key_prefixes         = ["canedge/", "canedge-late/"]
      admin_principal_arns = ["arn:aws:iam::123456789012:role/break-glass"]
    }
  }

  assert {
    condition     = !contains(keys(aws_s3_bucket_policy.this), "raw")
    error_message = "the module never replaces the policy of a bucket it does not own"
  }
  assert {
    condition = alltrue([
      for statement in jsondecode(output.raw_protection_policy_json).Statement :
      toset(flatten([statement.Resource])) == toset(["arn:aws:s3:::my-canedge-logs/canedge/*", "arn:aws:s3:::my-canedge-logs/canedge-late/*"])
    ])
    error_message = "the statements to merge cover the given prefixes of the existing bucket"
  }
}

run "raw_protection_can_be_switched_off" {
  command = plan

  variables {
    raw_protection = { enabled = false }
  }

  assert {
    condition     = output.raw_protection_policy_json == null && jsondecode(data.aws_iam_policy_document.bucket["raw"].json).Statement[*].Sid == ["DenyInsecureTransport"]
    error_message = "enabled = false leaves the TLS-only policy"
  }
}

run "raw_object_lock_is_governance_mode_and_replicates" {
  command = plan

  variables {
    raw_object_lock_retention_days = 400
    raw_replication = {
      destination_bucket_arn  = "arn:aws:s3:::trip-lake-raw-replica"
      destination_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    }
  }

  assert {
    condition     = aws_s3_bucket_object_lock_configuration.raw[0].rule[0].default_retention[0].mode == "GOVERNANCE" && aws_s3_bucket_object_lock_configuration.raw[0].rule[0].default_retention[0].days == 400 && output.raw_object_lock_retention_days == 400
    error_message = "Object Lock retains new raw versions 400 days in GOVERNANCE mode"
  }
  assert {
    condition     = contains(flatten([for statement in jsondecode(data.aws_iam_policy_document.raw_replication[0].json).Statement : statement.Action]), "s3:GetObjectRetention")
    error_message = "the replication role reads the retention it replicates"
  }
}

run "existing_raw_bucket_is_only_referenced" {
  command = plan

  variables {
    raw_bucket_name        = "my-canedge-logs"
    raw_bucket_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = !contains(keys(aws_s3_bucket.this), "raw") && output.raw_bucket == "my-canedge-logs" && output.raw_uri == "s3://my-canedge-logs/"
    error_message = "an existing raw bucket is referenced by name, not created"
  }
  assert {
    condition     = contains(jsondecode(data.aws_iam_policy_document.emr_job.json).Statement[*].Sid, "KmsExistingRawBucketKeyDecrypt")
    error_message = "the job role may decrypt the existing raw bucket's key"
  }
  assert {
    condition     = contains(flatten([for statement in jsondecode(data.aws_iam_policy_document.emr_job.json).Statement : statement.Resource]), "arn:aws:s3:::my-canedge-logs/*")
    error_message = "the job role reads the existing raw bucket"
  }
}

run "raw_replication_is_opt_in" {
  command = plan

  variables {
    raw_replication = {
      destination_bucket_arn  = "arn:aws:s3:::trip-lake-raw-replica"
      destination_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    }
  }

  assert {
    condition     = length(aws_s3_bucket_replication_configuration.raw) == 1 && aws_s3_bucket_replication_configuration.raw[0].rule[0].destination[0].storage_class == "STANDARD_IA"
    error_message = "raw_replication replicates the raw bucket"
  }
}

run "bring_your_own_key" {
  command = plan

  variables {
    create_kms_key = false
    kms_key_arn    = "arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555"
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && aws_cloudwatch_log_group.emr.kms_key_id == "arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    error_message = "with create_kms_key = false the given key is used"
  }
}

run "rejects_replication_of_an_existing_raw_bucket" {
  command = plan

  variables {
    raw_bucket_name = "my-canedge-logs"
    raw_replication = {
      destination_bucket_arn  = "arn:aws:s3:::trip-lake-raw-replica"
      destination_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    }
  }

  expect_failures = [aws_iam_role.emr_job]
}

run "rejects_upper_case_database_names" {
  command = plan

  variables {
    glue_trips_database_name = "Trips"
  }

  expect_failures = [var.glue_trips_database_name]
}

run "rejects_unknown_airflow_version" {
  command = plan

  variables {
    airflow_version = "2.10.3"
  }

  expect_failures = [var.airflow_version]
}

run "rejects_a_missing_key" {
  command = plan

  variables {
    create_kms_key = false
  }

  expect_failures = [aws_cloudwatch_log_group.emr]
}

run "rejects_exempting_the_job_roles" {
  command = plan

  variables {
    raw_protection = {
      writer_principal_arns = ["arn:aws:iam::123456789012:role/trip-lake-*"]
    }
  }

  expect_failures = [data.aws_iam_policy_document.raw_protection]
}

run "rejects_exempting_every_role" {
  command = plan

  variables {
    raw_protection = {
      admin_principal_arns = ["arn:aws:iam::123456789012:role/*"]
    }
  }

  expect_failures = [var.raw_protection]
}

run "rejects_object_lock_on_an_existing_raw_bucket" {
  command = plan

  variables {
    raw_bucket_name                = "my-canedge-logs"
    raw_object_lock_retention_days = 30
  }

  expect_failures = [aws_iam_role.emr_job]
}

run "maximum_capacity_defaults_to_the_largest_job_run_of_the_job_contract" {
  command = plan

  # aggregate: a 2 vCPU / 7g driver (8 GB) and 20 executors of 4 vCPU / 7g (8 GB each), as billed.
  assert {
    condition     = local.largest_job_run == { cpu = 82, memory = 168 }
    error_message = "largest job run: ${jsonencode(local.largest_job_run)}"
  }
  assert {
    condition = (
      aws_emrserverless_application.this.maximum_capacity[0].cpu == "82 vCPU" &&
      aws_emrserverless_application.this.maximum_capacity[0].memory == "168 GB" &&
      aws_emrserverless_application.this.maximum_capacity[0].disk == "1000 GB"
    )
    error_message = "maximum_capacity: ${jsonencode(aws_emrserverless_application.this.maximum_capacity)}"
  }
}

run "ingest_runs_on_a_16_vcpu_driver_billed_32_gb" {
  command = plan

  # ingest: the trip pass on a 16 vCPU / 29g driver (29 + 2.9 GB: the 32 GB worker, 16 vCPU come in
  # 8 GB steps) and one executor of 4 vCPU / 7g; smaller than aggregate's, so the cap stays aggregate's.
  assert {
    condition = local.job_runs.ingest == {
      driver_cores = 16, driver_gb = 32, executor_cores = 4, executor_gb = 8, max_executors = 1
    }
    error_message = "ingest job run: ${jsonencode(local.job_runs.ingest)}"
  }
  assert {
    condition     = local.largest_job_run == { cpu = 82, memory = 168 }
    error_message = "largest job run: ${jsonencode(local.largest_job_run)}"
  }
}

run "maximum_capacity_set_by_hand_wins" {
  command = plan

  variables {
    emr_maximum_capacity = { cpu = "16 vCPU" }
  }

  assert {
    condition = (
      aws_emrserverless_application.this.maximum_capacity[0].cpu == "16 vCPU" &&
      aws_emrserverless_application.this.maximum_capacity[0].memory == "168 GB"
    )
    error_message = "maximum_capacity: ${jsonencode(aws_emrserverless_application.this.maximum_capacity)}"
  }
}

################################################################################
# EMR Serverless: the Spark application the jobs run on
#
# Auto start on the first job run, auto stop after emr_idle_timeout_minutes; no pre-initialized
# workers unless emr_initial_capacity asks for them; maximum_capacity caps the cost (by default the largest
# job run of the job contract: its driver and all its executors, main.tf's largest_job_run).
################################################################################

resource "aws_emrserverless_application" "this" {
  name          = var.name
  type          = "spark"
  release_label = var.emr_release_label
  architecture  = var.emr_architecture

  auto_start_configuration {
    enabled = true
  }

  auto_stop_configuration {
    enabled              = true
    idle_timeout_minutes = var.emr_idle_timeout_minutes
  }

  maximum_capacity {
    cpu    = local.emr_maximum_capacity.cpu
    memory = local.emr_maximum_capacity.memory
    disk   = local.emr_maximum_capacity.disk
  }

  dynamic "initial_capacity" {
    for_each = var.emr_initial_capacity
    content {
      initial_capacity_type = initial_capacity.key
      initial_capacity_config {
        worker_count = initial_capacity.value.worker_count
        worker_configuration {
          cpu    = initial_capacity.value.cpu
          memory = initial_capacity.value.memory
          disk   = initial_capacity.value.disk
        }
      }
    }
  }

  dynamic "network_configuration" {
    for_each = var.emr_network_configuration == null ? [] : [var.emr_network_configuration]
    content {
      subnet_ids         = network_configuration.value.subnet_ids
      security_group_ids = network_configuration.value.security_group_ids
    }
  }

  tags = var.tags
}

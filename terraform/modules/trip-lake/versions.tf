terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Everything used here (aws_emrserverless_application with architecture, auto start/stop and
      # maximum_capacity; aws_mwaa_environment with airflow_version; aws_vpc_security_group_*_rule)
      # exists well before 5.46. Validated offline against 5.100.0.
      version = ">= 5.46"
    }
  }
}

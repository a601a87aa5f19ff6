variable "region" {
  description = "AWS region to deploy into (EMR Serverless, MWAA and Athena must all be offered there)."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "Cannot use region: it must look like eu-west-1 (${var.region})."
  }
}

variable "name" {
  description = "Name of the deployment; prefix of every resource name."
  type        = string
  default     = "trip-lake"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "Cannot use name: it must be 3-24 characters of a-z, 0-9 and '-', start with a letter and not end with '-'."
  }
}

variable "raw_bucket_name" {
  description = "Existing bucket with the raw logger Parquet files. Null creates a new raw bucket."
  type        = string
  default     = null
}

variable "raw_writer_principal_arns" {
  description = "IAM role ARNs of the loggers' writer (e.g. the Lambda that decodes MF4 to Parquet): they may overwrite raw objects; everyone else may only create them. No one on this list may delete."
  type        = list(string)
  default     = []
}

variable "raw_admin_principal_arns" {
  description = "IAM role ARNs (wildcards in the name allowed) of a break-glass role that may also delete raw objects. Empty: no one can delete them while the bucket policy stands."
  type        = list(string)
  default     = []
}

variable "vpc_id" {
  description = "VPC of the MWAA environment."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "Cannot use vpc_id: it must look like vpc-0123456789abcdef0."
  }
}

variable "private_subnet_ids" {
  description = "Two private subnets of vpc_id, in two Availability Zones, with a route to the AWS APIs (NAT gateway or VPC endpoints)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) == 2 && alltrue([for id in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "Cannot use private_subnet_ids: MWAA needs exactly 2 subnet ids (subnet-...)."
  }
}

variable "mwaa_ui_ingress_cidrs" {
  description = "IPv4 CIDR blocks (VPN, bastion) allowed to reach the private Airflow UI endpoint on port 443."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.mwaa_ui_ingress_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "Cannot use mwaa_ui_ingress_cidrs: every entry must be an IPv4 CIDR block other than 0.0.0.0/0."
  }
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
  default = {
    Project   = "trip-lake"
    ManagedBy = "terraform"
  }
}

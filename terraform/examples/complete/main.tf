################################################################################
# Complete trip-lake deployment: the module plus the MWAA security group, in an existing VPC.
################################################################################

provider "aws" {
  region = var.region
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

################################################################################
# MWAA security group: all traffic within the group (workers, scheduler, the metadata database and
# web server VPC endpoints), HTTPS out to the AWS APIs, HTTPS in from the given CIDRs for the UI.
################################################################################

resource "aws_security_group" "mwaa" {
  name        = "${var.name}-mwaa"
  description = "MWAA environment ${var.name}"
  vpc_id      = data.aws_vpc.this.id

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "mwaa_self" {
  security_group_id            = aws_security_group.mwaa.id
  description                  = "MWAA components and its VPC endpoints talk to each other"
  referenced_security_group_id = aws_security_group.mwaa.id
  ip_protocol                  = "-1"

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "mwaa_ui" {
  for_each = toset(var.mwaa_ui_ingress_cidrs)

  security_group_id = aws_security_group.mwaa.id
  description       = "Airflow UI (private web server endpoint) from ${each.value}"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "mwaa_self" {
  security_group_id            = aws_security_group.mwaa.id
  description                  = "MWAA components and its VPC endpoints talk to each other"
  referenced_security_group_id = aws_security_group.mwaa.id
  ip_protocol                  = "-1"

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "mwaa_https" {
  security_group_id = aws_security_group.mwaa.id
  description       = "HTTPS to the AWS APIs (S3, SQS, CloudWatch, KMS, SSM, EMR Serverless) via NAT or VPC endpoints"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443

  tags = var.tags
}

################################################################################
# trip-lake
################################################################################

module "trip_lake" {
  source = "../../modules/trip-lake"

  name            = var.name
  raw_bucket_name = var.raw_bucket_name

  raw_protection = {
    writer_principal_arns = var.raw_writer_principal_arns
    admin_principal_arns  = var.raw_admin_principal_arns
  }

  mwaa_subnet_ids         = var.private_subnet_ids
  mwaa_security_group_ids = [aws_security_group.mwaa.id]

  tags = var.tags
}

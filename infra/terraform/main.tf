# floe on AWS: a Kinesis stream consumed by floe on ECS Fargate into Iceberg tables in S3, catalogued
# in AWS Glue. See README.md in this directory.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  bucket_name     = coalesce(var.bucket_name, "${var.name}-lake-${local.account_id}")
  warehouse_uri   = "s3://${aws_s3_bucket.lake.bucket}/${trimsuffix(var.warehouse_prefix, "/")}"
  dead_letter_uri = "s3://${aws_s3_bucket.lake.bucket}/${trimsuffix(var.dead_letter_prefix, "/")}"

  # floe's config (docs/configuration.md). The container writes it to /tmp and starts
  # `floe consume --config` on it (see the task definition in ecs.tf).
  floe_config = {
    kinesis = { region = var.region }
    catalog = {
      catalog   = "glue"
      warehouse = local.warehouse_uri
      region    = var.region
    }
    stateDir   = "/var/lib/floe"
    deadLetter = local.dead_letter_uri
    batching   = { commitIntervalSeconds = var.commit_interval_seconds }
    logLevel   = var.log_level
    # Without API keys floe only listens on loopback (enough for the container healthcheck);
    # with them it listens on all interfaces, for scrapers and ingest clients.
    server = {
      host = var.api_keys_secret_arn == null ? "127.0.0.1" : "0.0.0.0"
      port = var.http_port
    }
    tables = [for t in var.tables : merge(t, { stream = aws_kinesis_stream.this.name })]
  }
}

output "stream_name" {
  description = "Kinesis stream floe consumes (give it to producers: floe produce --stream …)."
  value       = aws_kinesis_stream.this.name
}

output "stream_arn" {
  value = aws_kinesis_stream.this.arn
}

output "bucket" {
  description = "S3 bucket of the warehouse and the dead letters."
  value       = aws_s3_bucket.lake.bucket
}

output "warehouse_uri" {
  value = local.warehouse_uri
}

output "dead_letter_uri" {
  value = local.dead_letter_uri
}

output "glue_database" {
  description = "Glue database = Iceberg namespace of the tables (query them in Athena)."
  value       = aws_glue_catalog_database.this.name
}

output "lease_table" {
  value = aws_dynamodb_table.leases.name
}

output "task_role_arn" {
  value = aws_iam_role.task.arn
}

output "execution_role_arn" {
  value = aws_iam_role.execution.arn
}

output "cluster_name" {
  value = aws_ecs_cluster.this.name
}

output "service_name" {
  value = aws_ecs_service.floe.name
}

output "log_group" {
  value = aws_cloudwatch_log_group.floe.name
}

output "alarm_arns" {
  value = [aws_cloudwatch_metric_alarm.lag.arn, aws_cloudwatch_metric_alarm.stale.arn]
}

output "floe_config" {
  description = "The floe config the task runs with (JSON)."
  value       = jsonencode(local.floe_config)
}

resource "aws_kinesis_stream" "this" {
  name             = "${var.name}-events"
  retention_period = var.stream_retention_hours
  shard_count      = var.stream_mode == "PROVISIONED" ? var.shard_count : null

  # The AWS-managed key: producers and consumers need no extra KMS permissions.
  encryption_type = "KMS"
  kms_key_id      = "alias/aws/kinesis"

  stream_mode_details {
    stream_mode = var.stream_mode
  }
}

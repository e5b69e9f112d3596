# Leases and checkpoints of floe's consumers (src/consumer/checkpoint-store.ts: a lease is keyed by
# table, stream and shard). One item per shard lease:
#   lease_group = "<namespace.table>|<stream>"   (HASH)
#   shard_id    = "<shardId>"                    (RANGE; "#checkpoint" holds the last checkpoint)
# so one Query per table and stream returns every lease of it. The item's owner, expiry and
# counter are plain attributes written with conditional updates.
resource "aws_dynamodb_table" "leases" {
  name                        = "${var.name}-leases"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "lease_group"
  range_key                   = "shard_id"
  deletion_protection_enabled = var.lease_table_deletion_protection

  attribute {
    name = "lease_group"
    type = "S"
  }

  attribute {
    name = "shard_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

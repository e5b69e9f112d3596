variable "name" {
  description = "Prefix of every resource name (stream, bucket, roles, cluster, service)."
  type        = string
  default     = "floe"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name: 2-31 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "region" {
  description = "AWS region of everything."
  type        = string
  default     = "us-east-1"
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}

# ---- Kinesis ----------------------------------------------------------------------------------

variable "stream_mode" {
  description = "ON_DEMAND (pay per use, scales itself) or PROVISIONED (fixed shard_count)."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "PROVISIONED"], var.stream_mode)
    error_message = "stream_mode must be ON_DEMAND or PROVISIONED."
  }
}

variable "shard_count" {
  description = "Shards of a PROVISIONED stream (ignored for ON_DEMAND)."
  type        = number
  default     = 2

  validation {
    condition     = var.shard_count >= 1 && floor(var.shard_count) == var.shard_count
    error_message = "shard_count must be a whole number >= 1."
  }
}

variable "stream_retention_hours" {
  description = "How long Kinesis keeps records (24-8760): the window in which a stopped consumer can catch up."
  type        = number
  default     = 24

  validation {
    condition     = var.stream_retention_hours >= 24 && var.stream_retention_hours <= 8760
    error_message = "stream_retention_hours must be between 24 and 8760."
  }
}

# ---- S3 ---------------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Bucket for the Iceberg warehouse and the dead letters; default <name>-lake-<account id>."
  type        = string
  default     = null
}

variable "warehouse_prefix" {
  description = "Key prefix of the Iceberg tables in the bucket (ends with /)."
  type        = string
  default     = "warehouse/"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]*/$", var.warehouse_prefix))
    error_message = "warehouse_prefix must be a single path segment ending with /, e.g. warehouse/."
  }
}

variable "dead_letter_prefix" {
  description = "Key prefix of the dead-letter files (ends with /); expired after dead_letter_expiration_days."
  type        = string
  default     = "dead-letters/"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]*/$", var.dead_letter_prefix))
    error_message = "dead_letter_prefix must be a single path segment ending with /, e.g. dead-letters/."
  }
}

variable "dead_letter_expiration_days" {
  description = "Dead letters older than this are deleted by an S3 lifecycle rule."
  type        = number
  default     = 30

  validation {
    condition     = var.dead_letter_expiration_days >= 1
    error_message = "dead_letter_expiration_days must be >= 1."
  }
}

variable "bucket_versioning" {
  description = "Turn on S3 versioning (noncurrent versions then expire after noncurrent_version_expiration_days)."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "With versioning: how long replaced or deleted object versions are kept."
  type        = number
  default     = 7
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the bucket (SSE-KMS); null: SSE-S3 (AES256)."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete a non-empty bucket (tables and dead letters). Keep false in production."
  type        = bool
  default     = false
}

# ---- Glue and DynamoDB ------------------------------------------------------------------------

variable "glue_database_name" {
  description = "Glue database (Iceberg namespace) of the tables; the task may only touch this database."
  type        = string
  default     = "floe"

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.glue_database_name))
    error_message = "glue_database_name: lowercase letters, digits and underscores (Athena's rule)."
  }
}

variable "lease_table_deletion_protection" {
  description = "DynamoDB deletion protection on the lease table."
  type        = bool
  default     = true
}

# ---- the consumer -----------------------------------------------------------------------------

variable "image" {
  description = "floe container image (built from the repository's Dockerfile), e.g. <account>.dkr.ecr.<region>.amazonaws.com/floe:0.1.0."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository holding the image (the execution role may pull only from it); null for a public image."
  type        = string
  default     = null
}

variable "tables" {
  description = <<-EOT
    The tables to consume, as in the `tables` section of floe's config (docs/configuration.md),
    without `stream` (always this stream). Each table's namespace must be glue_database_name.
    Schema and rules paths are inside the image (/app/examples/... ships with it).
  EOT
  type        = any
  default = [
    {
      table     = "floe.nyc311"
      schema    = "/app/examples/nyc311.schema.json"
      partition = "day(created_date)"
      dedupeKey = "unique_key"
      rules     = "/app/examples/nyc311.rules.json"
    }
  ]

  validation {
    condition     = length(var.tables) >= 1 && alltrue([for t in var.tables : split(".", t.table)[0] == var.glue_database_name])
    error_message = "tables: at least one, and every table must be <glue_database_name>.<name> (the task's IAM role covers only that database)."
  }
}

variable "commit_interval_seconds" {
  description = "The consumer commits at least this often (batching.commitIntervalSeconds)."
  type        = number
  default     = 10
}

variable "log_level" {
  description = "floe log level."
  type        = string
  default     = "info"
}

variable "enable_ingest_api" {
  description = "Allow the task to put records on the stream (the HTTP ingest API, POST /api/v1/ingest). Needs api_keys_secret_arn."
  type        = bool
  default     = false

  validation {
    condition     = !var.enable_ingest_api || var.api_keys_secret_arn != null
    error_message = "enable_ingest_api needs api_keys_secret_arn: without API keys floe listens on loopback only."
  }
}

variable "api_keys_secret_arn" {
  description = "Secrets Manager secret with the ingest API keys, passed to the container as FLOE_API_KEYS; null: none."
  type        = string
  default     = null
}

variable "http_port" {
  description = "Port of floe's HTTP server (/health, /ready, /metrics, /api/v1)."
  type        = number
  default     = 8080
}

variable "cpu" {
  description = "Fargate task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 1024
}

variable "memory" {
  description = "Fargate task memory (MiB)."
  type        = number
  default     = 2048
}

variable "desired_count" {
  description = "Running consumer tasks. 0 or 1: until DynamoDB leases ship, one consumer reads every shard."
  type        = number
  default     = 1

  validation {
    condition     = var.desired_count >= 0 && var.desired_count <= 1
    error_message = "desired_count must be 0 or 1 until floe's DynamoDB leases coordinate several consumers."
  }
}

variable "vpc_id" {
  description = "VPC of the service."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of the service (private subnets with a NAT gateway or VPC endpoints for Kinesis, S3, Glue, DynamoDB, ECR, Logs)."
  type        = list(string)
}

variable "assign_public_ip" {
  description = "Give the task a public IP (public subnets without NAT)."
  type        = bool
  default     = false
}

variable "http_ingress_cidr_blocks" {
  description = "CIDR blocks that may reach the HTTP port (metrics scrapers, ingest clients); empty: none. Needs api_keys_secret_arn."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.http_ingress_cidr_blocks) == 0 || var.api_keys_secret_arn != null
    error_message = "http_ingress_cidr_blocks needs api_keys_secret_arn: without API keys floe listens on loopback only."
  }
}

# ---- logs and alarms --------------------------------------------------------------------------

variable "log_retention_days" {
  description = "CloudWatch Logs retention of the consumer's logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "max_iterator_age_ms" {
  description = "Lag alarm: GetRecords.IteratorAgeMilliseconds above this for 3 minutes."
  type        = number
  default     = 300000
}

variable "stale_minutes" {
  description = "Freshness alarm: records kept arriving for this many minutes (multiple of 5) without one commit."
  type        = number
  default     = 15

  validation {
    condition     = var.stale_minutes >= 10 && var.stale_minutes % 5 == 0
    error_message = "stale_minutes must be a multiple of 5 and at least 10."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires or clears (e.g. an SNS topic)."
  type        = list(string)
  default     = []
}

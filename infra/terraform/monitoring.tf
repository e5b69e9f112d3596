resource "aws_cloudwatch_log_group" "floe" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
}

# floe logs one JSON audit line per commit ({"component":"commit","audit":true,"msg":"commit",
# "table":…,"records":{…}}). These metric filters turn them into CloudWatch metrics without any
# agent or extra permission: Commits (count) and RowsCommitted (rows written).
resource "aws_cloudwatch_log_metric_filter" "commits" {
  name           = "${var.name}-commits"
  log_group_name = aws_cloudwatch_log_group.floe.name
  pattern        = "{ $.audit IS TRUE && $.msg = \"commit\" }"

  metric_transformation {
    name          = "Commits"
    namespace     = "Floe/${var.name}"
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

resource "aws_cloudwatch_log_metric_filter" "rows" {
  name           = "${var.name}-rows-committed"
  log_group_name = aws_cloudwatch_log_group.floe.name
  pattern        = "{ $.audit IS TRUE && $.msg = \"commit\" }"

  metric_transformation {
    name      = "RowsCommitted"
    namespace = "Floe/${var.name}"
    value     = "$.records.written"
    unit      = "Count"
  }
}

# Lag: how far behind the newest record the consumer's reads are. Kinesis publishes this per
# stream while someone calls GetRecords; when nobody reads, there is no data point, which is what
# the freshness alarm below catches.
resource "aws_cloudwatch_metric_alarm" "lag" {
  alarm_name          = "${var.name}-consumer-lag"
  alarm_description   = "floe is more than ${var.max_iterator_age_ms} ms behind the stream ${aws_kinesis_stream.this.name}."
  namespace           = "AWS/Kinesis"
  metric_name         = "GetRecords.IteratorAgeMilliseconds"
  dimensions          = { StreamName = aws_kinesis_stream.this.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  threshold           = var.max_iterator_age_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

# Freshness: records keep arriving on the stream but no commit happened for stale_minutes
# (consumer down, stuck, or failing every commit). Metric math over the stream's IncomingRecords
# and the Commits metric from the log filter above.
resource "aws_cloudwatch_metric_alarm" "stale" {
  alarm_name          = "${var.name}-tables-stale"
  alarm_description   = "Records arrived on ${aws_kinesis_stream.this.name} for ${var.stale_minutes} minutes without any floe commit."
  evaluation_periods  = var.stale_minutes / 5
  datapoints_to_alarm = var.stale_minutes / 5
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  metric_query {
    id          = "stale"
    expression  = "IF(FILL(incoming, 0) > 0 AND FILL(commits, 0) == 0, 1, 0)"
    label       = "records arriving, nothing committed"
    return_data = true
  }

  metric_query {
    id = "incoming"
    metric {
      namespace   = "AWS/Kinesis"
      metric_name = "IncomingRecords"
      dimensions  = { StreamName = aws_kinesis_stream.this.name }
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "commits"
    metric {
      namespace   = aws_cloudwatch_log_metric_filter.commits.metric_transformation[0].namespace
      metric_name = aws_cloudwatch_log_metric_filter.commits.metric_transformation[0].name
      stat        = "Sum"
      period      = 300
    }
  }
}

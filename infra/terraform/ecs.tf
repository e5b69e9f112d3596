resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_security_group" "floe" {
  name        = "${var.name}-consumer"
  description = "floe consumer tasks"
  vpc_id      = var.vpc_id
}

# Kinesis, S3, Glue, DynamoDB, ECR and CloudWatch are HTTPS APIs.
resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.floe.id
  description       = "AWS APIs over HTTPS"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  for_each          = toset(var.http_ingress_cidr_blocks)
  security_group_id = aws_security_group.floe.id
  description       = "floe HTTP server (/health, /ready, /metrics, /api/v1)"
  ip_protocol       = "tcp"
  from_port         = var.http_port
  to_port           = var.http_port
  cidr_ipv4         = each.value
}

locals {
  container_name = "floe"

  container = {
    name      = local.container_name
    image     = var.image
    essential = true

    # The image's entrypoint is `node dist/cli/main.js`; here a shell first writes the config that
    # Terraform rendered (local.floe_config) to the task's scratch volume, then execs floe, so
    # SIGTERM reaches floe directly (it flushes and commits before it exits).
    entryPoint = ["/bin/sh", "-c"]
    command    = ["printf '%s' \"$FLOE_CONFIG_JSON\" > /tmp/floe.json && exec node dist/cli/main.js consume --config /tmp/floe.json"]

    environment = [
      { name = "FLOE_CONFIG_JSON", value = jsonencode(local.floe_config) },
      { name = "FLOE_HTTP_PORT", value = tostring(var.http_port) },
      { name = "AWS_REGION", value = var.region },
    ]
    secrets = var.api_keys_secret_arn == null ? [] : [
      { name = "FLOE_API_KEYS", valueFrom = var.api_keys_secret_arn },
    ]

    portMappings = [{ containerPort = var.http_port, protocol = "tcp" }]

    healthCheck = {
      command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:${var.http_port}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 60
    }

    # Nothing in the image is written at run time: state and scratch live on task storage.
    readonlyRootFilesystem = true
    mountPoints = [
      { sourceVolume = "state", containerPath = "/var/lib/floe", readOnly = false },
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
    ]

    # Time to flush and commit after SIGTERM before ECS sends SIGKILL.
    stopTimeout = 60

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.floe.name
        "awslogs-region"        = var.region
        "awslogs-stream-prefix" = "floe"
      }
    }
  }
}

resource "aws_ecs_task_definition" "floe" {
  family                   = "${var.name}-consumer"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode([local.container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "state"
  }

  volume {
    name = "tmp"
  }
}

resource "aws_ecs_service" "floe" {
  name            = "${var.name}-consumer"
  cluster         = aws_ecs_cluster.this.id
  task_definition = aws_ecs_task_definition.floe.arn
  desired_count   = var.desired_count
  launch_type     = "FARGATE"

  # Never two consumers at once during a deployment (one reads every shard until leases ship):
  # the old task stops (and commits) before the new one starts.
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.floe.id]
    assign_public_ip = var.assign_public_ip
  }

  enable_execute_command = false
  propagate_tags         = "SERVICE"
}

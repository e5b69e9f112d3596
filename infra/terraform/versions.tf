terraform {
  # Variable validations that refer to other variables need 1.9.
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ "app" = var.name, "managed-by" = "terraform" }, var.tags)
  }
}

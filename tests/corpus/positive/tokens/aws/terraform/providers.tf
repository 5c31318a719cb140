terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
  }
}

provider "aws" {
  region     = "us-east-1"
  access_key = "AKIA3BDDZCCGJQAVSBDH"
  secret_key = "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"

  default_tags {
    tags = {
      owner = "platform"
    }
  }
}

project = "acme-staging"
region  = "europe-west1"

# passed as TF_VAR_db_password by the pipeline
db_password = ""

cloudflare_api_token = "<set in the workspace>"

node_pools = {
  default = {
    machine_type = "e2-standard-4"
    min_count    = 1
    max_count    = 5
  }
}

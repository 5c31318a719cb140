project = "acme-prod"
region  = "europe-west1"

db_password = "mN3wGXG9caNYj7e0wP8-gad_"

rds = {
  instance_class  = "db.r6g.large"
  master_username = "acme"
  master_password = "h68WliCgflk7v_nh-RPJcgHt"
}

tags = { env = "prod", owner = "platform" }

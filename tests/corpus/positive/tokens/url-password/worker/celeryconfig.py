broker_url = "redis://default:wdL9rzU4nSoI6D7mfdfK0S@redis-master.cache.svc:6379/0"
result_backend = "rpc://"
task_acks_late = True
worker_prefetch_multiplier = 1
timezone = "Europe/Berlin"

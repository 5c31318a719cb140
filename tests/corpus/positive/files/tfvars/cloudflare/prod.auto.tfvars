zone_id              = "492906298bb1eccea025803e54fce176"
account_id           = "2fc64c517c6dbfb675510aa93d37bea7"
cloudflare_api_token = "5XNkZsozyU-ylP9xfKhgzs9I6h02LBbt9XZncbl2"

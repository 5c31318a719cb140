# frozen_string_literal: true

Rails.configuration.stripe = {
  publishable_key: ENV.fetch("STRIPE_PUBLISHABLE_KEY"),
}

Stripe.api_key = "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"
Stripe.api_version = "2024-06-20"
Stripe.max_network_retries = 2

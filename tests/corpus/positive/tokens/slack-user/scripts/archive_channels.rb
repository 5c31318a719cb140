# Archives the incident channels older than 90 days.
require "slack-ruby-client"

Slack.configure do |config|
  config.token = "xoxp-385969057501-771398207914-2038028055000-7cb7e7a4e930d507144922a70d0f3e7d"
end

client = Slack::Web::Client.new
client.conversations_list(types: "public_channel").channels.each do |c|
  next unless c.name.start_with?("inc-")
  client.conversations_archive(channel: c.id) if Time.at(c.created) < Time.now - 90 * 86_400
end

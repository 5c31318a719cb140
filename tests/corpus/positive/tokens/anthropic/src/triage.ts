import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic({
  apiKey: "sk-ant-api03-jaIz92SNeDD6B15IA40Mq7-jbMMgzOPFqn8p2MkWOv5tjwFE1PtiKxQUCTUT-OR7_T4GOnv6ARiYExrVpekh77Jd3phdbAA",
});

export async function triage(ticket: string): Promise<string> {
  const msg = await client.messages.create({
    model: "claude-3-5-sonnet-latest",
    max_tokens: 512,
    messages: [{ role: "user", content: `Label this ticket: ${ticket}` }],
  });
  return msg.content[0].type === "text" ? msg.content[0].text : "";
}

import openai

openai.api_key = "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"


def summarize(text: str) -> str:
    resp = openai.ChatCompletion.create(
        model="gpt-3.5-turbo",
        messages=[{"role": "user", "content": "Summarize:\n" + text}],
    )
    return resp.choices[0].message.content

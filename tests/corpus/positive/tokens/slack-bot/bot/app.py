import os

from slack_bolt import App

app = App(
    token="xoxb-536393700429-0781710337938-qZH4tvAcNGLilkOGlgB2Lfbh",
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
)


@app.command("/deploy")
def deploy(ack, respond, command):
    ack()
    respond(f"deploying {command['text']} ...")


if __name__ == "__main__":
    app.start(port=int(os.environ.get("PORT", 3000)))

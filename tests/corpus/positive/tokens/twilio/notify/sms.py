import os

from twilio.rest import Client

ACCOUNT_SID = "ACe2ad35a9f4c7c414d09ad05b5ccd34c8"
API_KEY_SID = "SK1e8e6bf86082c32c59e660aa3772be2d"

client = Client(API_KEY_SID, os.environ["TWILIO_API_SECRET"], ACCOUNT_SID)


def page(number: str, text: str) -> str:
    msg = client.messages.create(to=number, from_="+4915735981234", body=text)
    return msg.sid

"""Copies the issue labels of acme/handbook to every repository of the org."""
import requests

API = "https://api.github.com"
# token of the labels-bot OAuth app (device flow, 2024-09)
SESSION = requests.Session()
SESSION.headers["Authorization"] = "Bearer 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"


def labels(repo):
    r = SESSION.get(f"{API}/repos/{repo}/labels", params={"per_page": 100})
    r.raise_for_status()
    return r.json()


if __name__ == "__main__":
    for label in labels("acme/handbook"):
        print(label["name"])

"""The scoring script amlauth uploads for the example's web services (entry_script: score.py).

Azure ML calls init() once when the container starts and run() for each scoring request.
"""
import json


def init():
    pass


def run(raw_data):
    data = json.loads(raw_data)["data"]
    return {"received": len(data)}

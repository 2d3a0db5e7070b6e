"""Scoring script of the mnist-managed endpoint's blue deployment (Azure ML calls init once,
then run per request)."""
import json


def init():
    pass


def run(raw_data):
    data = json.loads(raw_data)["data"]
    return [0 for _ in data]

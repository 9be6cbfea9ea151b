"""The floor for bench/load.py: a bare Flask app with one route returning a short string.

Served by the same gunicorn command and settings as the real app, so the ratio between
the two is what the app itself costs on top of Flask, gunicorn and the machine."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Velkommen"

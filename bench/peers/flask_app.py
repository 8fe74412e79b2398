"""The /time route in Flask, run under gunicorn by the benchmark for context."""
import time

from flask import Flask

app = Flask(__name__)


@app.get("/time")
def current_time():
    return {"The current epoch time": int(time.time())}

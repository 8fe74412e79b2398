"""The /time route in FastAPI, run under uvicorn by the benchmark for context."""
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/time")
def current_time():
    return {"The current epoch time": int(time.time())}

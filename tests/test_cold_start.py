"""What a fresh process loads to answer: `newsdesk ask` runs the model's ONNX export and spaCy
on numpy, so it never imports torch, nor what bm25s and thinc would load only because it is
installed (times are measured by `newsdesk bench`, not here)."""

import json
import subprocess
import sys

HEAVY = ("torch", "sentence_transformers", "transformers", "numba", "scipy", "gradio")

# `newsdesk ask` as the command runs it, then the top-level packages it loaded.
ASK = """
import contextlib, io, json, sys
from newsdesk.cli import main
answer = io.StringIO()
with contextlib.redirect_stdout(answer):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "answer": json.loads(answer.getvalue()),
                  "loaded": sorted({name.partition(".")[0] for name in sys.modules})}))
"""


def test_a_fresh_ask_answers_without_torch(seed_settings, embedder):
    assert embedder.exported is not None  # the export the ask finds, as after an ingest
    done = subprocess.run([sys.executable, "-c", ASK, "--home", str(seed_settings.home), "ask",
                           "--json", "Who gave Putin an update in Kursk?"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    assert "Gerasimov" in " ".join(c["quote"] for c in result["answer"]["citations"])
    assert {"spacy", "onnxruntime", "chromadb"} <= set(result["loaded"])  # it did the work
    assert not set(HEAVY) & set(result["loaded"])

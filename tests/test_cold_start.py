"""What a fresh process loads to answer: `newsdesk ask` runs the model's ONNX export and spaCy
on numpy, so it never imports torch, nor what bm25s and thinc would load only because it is
installed (times are measured by `newsdesk bench cold`, not here)."""

import json
import subprocess
import sys

HEAVY = ("torch", "sentence_transformers", "transformers", "numba", "scipy", "gradio")

# `newsdesk --home HOME ask --json QUESTION` for each question, as the command runs it, then the
# answers and the top-level packages the process loaded.
ASK = """
import contextlib, io, json, sys
from newsdesk.cli import main
home, answers = sys.argv[1], []
for question in sys.argv[2:]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--home", home, "ask", "--json", question]) == 0
    answers.append(json.loads(out.getvalue()))
print(json.dumps({"answers": answers,
                  "loaded": sorted({name.partition(".")[0] for name in sys.modules})}))
"""


def test_a_fresh_ask_answers_without_torch(seed_settings, embedder):
    assert embedder.exported is not None  # the export the ask finds, as after an ingest
    questions = ["Who gave Putin an update in Kursk?",
                 # a rare name the corpus lacks: its word pieces are counted, by the export's tokenizer
                 "What did the mayor of Zindelport say about the Kursk talks?"]
    done = subprocess.run([sys.executable, "-c", ASK, str(seed_settings.home), *questions],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    found, unheard = result["answers"]
    assert "Gerasimov" in " ".join(c["quote"] for c in found["citations"])
    assert unheard["refused"]
    assert {"spacy", "onnxruntime", "chromadb"} <= set(result["loaded"])  # it did the work
    assert not set(HEAVY) & set(result["loaded"])

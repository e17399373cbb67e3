"""What a fresh process loads and does to answer: `newsdesk ask` runs the model's ONNX export
and spaCy on numpy, so it never imports torch, nor what bm25s and thinc would load only because
it is installed; it skips the checks chromadb runs on its own classes as it imports them; and a
command ends without Python's shutdown searching the libraries' objects for cycles (times are
measured by `newsdesk bench cold`, not here)."""

import json
import subprocess
import sys

# torch and the rest: libraries a fresh ask would load only because they are installed;
# typer and weasel: spaCy's command line
HEAVY = ("torch", "sentence_transformers", "transformers", "numba", "scipy", "gradio", "typer",
         "weasel")

# `newsdesk --home HOME ask --json QUESTION` for each question, as the command runs it, then the
# answers, how many methods the `overrides` package checked, and the top-level packages loaded.
ASK = """
import contextlib, importlib, io, json, sys
checks = importlib.import_module("overrides.overrides")  # the module (the package's name for it
checked, check = [], checks._get_base_classes  # is the decorator): the check's first step
checks._get_base_classes = lambda frame, names: checked.append(frame) or check(frame, names)
from newsdesk.cli import main
home, answers = sys.argv[1], []
for question in sys.argv[2:]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--home", home, "ask", "--json", question]) == 0
    answers.append(json.loads(out.getvalue()))
print(json.dumps({"answers": answers, "overrides_checked": len(checked),
                  "loaded": sorted({name.partition(".")[0] for name in sys.modules})}))
"""


def test_a_fresh_ask_answers_without_torch_or_chromadbs_checks_of_itself(seed_settings,
                                                                          embedder):
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
    assert "overrides" in result["loaded"] and result["overrides_checked"] == 0


def test_a_finished_command_leaves_the_libraries_objects_to_the_process_end(seed_settings):
    # Frozen: Python's shutdown does not search them for reference cycles (gc.freeze).
    status = ("import atexit, gc, sys\n"
              "atexit.register(lambda: print('frozen', gc.get_freeze_count()))\n"
              "from newsdesk.cli import run\n"
              f"sys.argv = ['newsdesk', '--home', {str(seed_settings.home)!r}, 'status']\n"
              "run()\n")
    done = subprocess.run([sys.executable, "-c", status], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 articles" in done.stdout
    frozen = int(done.stdout.split("frozen")[-1])
    assert frozen > 10_000  # chromadb's, pydantic's, numpy's and newsdesk's

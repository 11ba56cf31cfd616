# Two commands for a fresh machine: `make run` serves, `make test` passes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch first, pinned to the CPU build: anything that pulls torch unpinned gets a CUDA build.
TORCH := torch==2.13.0

.PHONY: run test lint eval-gate sweep reliability bench install install-test ingest browser redis clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

ingest: install
	$(BIN)/citeqa ingest

run: install
	$(BIN)/citeqa ingest --if-empty
	$(BIN)/citeqa serve

# The widget's tests drive Debian's Chromium; install it when it is missing.
browser:
	@command -v chromium >/dev/null || apt-get install -y chromium \
		|| (apt-get update && apt-get install -y chromium)

# The shared-limits tests start Debian's redis-server on loopback; install it when missing.
redis:
	@command -v redis-server >/dev/null || apt-get install -y redis-server \
		|| (apt-get update && apt-get install -y redis-server)

test: install-test browser redis
	$(BIN)/pytest

# Quality gate: fails when answer quality drops below today's measured level (docs/quality.md).
eval-gate: install
	$(BIN)/citeqa eval --docs seeds --report build/eval-gate \
		--fail-under hit@1=0.82 --fail-under hit@3=0.89 \
		--fail-under key_fact_accuracy=0.84 --fail-under evidence_rate=0.84 \
		--fail-under citation_precision=0.81 --fail-under refusal_rate=0.93 \
		--fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/founding.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding \
		--fail-under hit@1=0.96 --fail-under key_fact_accuracy=0.82 \
		--fail-under citation_precision=0.83 --fail-under refusal_rate=0.85 \
		--fail-over false_refusal_rate=0.04
	$(BIN)/citeqa eval eval/datasets/constitution.jsonl --docs eval/datasets/constitution \
		--report build/eval-gate-constitution \
		--fail-under hit@3=0.95 --fail-under key_fact_accuracy=0.9 \
		--fail-under citation_precision=0.9 --fail-under refusal_rate=0.79 \
		--fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/article-dialogues.jsonl --docs seeds \
		--report build/eval-gate-dialogues \
		--fail-under key_fact_accuracy=0.87 --fail-under hit@3=0.75
	$(BIN)/citeqa eval eval/datasets/article-whole.jsonl --docs seeds \
		--report build/eval-gate-whole \
		--fail-under key_fact_accuracy=0.9 --fail-over false_refusal_rate=0.1
	# Whole-document questions on every corpus, naming their document as users do.
	$(BIN)/citeqa eval eval/datasets/whole-document-article.jsonl --docs seeds \
		--report build/eval-gate-whole-document-article \
		--fail-under key_fact_accuracy=0.87 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/whole-document-founding.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-whole-document-founding --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/whole-document-licenses.jsonl --docs eval/datasets/licenses \
		--report build/eval-gate-whole-document-licenses \
		--fail-under key_fact_accuracy=0.79 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/whole-document-constitution.jsonl \
		--docs eval/datasets/constitution --report build/eval-gate-whole-document-constitution \
		--fail-under key_fact_accuracy=0.99 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/article-users.jsonl --docs seeds \
		--report build/eval-gate-users \
		--fail-under key_fact_accuracy=0.88 --fail-under refusal_rate=0.44 \
		--fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/article-chat.jsonl --docs seeds \
		--report build/eval-gate-article-chat --fail-under key_fact_accuracy=0.78 \
		--fail-under refusal_rate=0.99 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/founding-chat.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding-chat --fail-under key_fact_accuracy=0.85 \
		--fail-under refusal_rate=0.99 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/article-lookalike.jsonl --docs seeds \
		--report build/eval-gate-article-lookalike \
		--fail-under refusal_rate=0.71 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/founding-lookalike.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding-lookalike \
		--fail-under refusal_rate=0.99 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/licenses-lookalike.jsonl --docs eval/datasets/licenses \
		--report build/eval-gate-licenses-lookalike \
		--fail-under refusal_rate=0.79 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/licenses.jsonl --docs eval/datasets/licenses \
		--report build/eval-gate-licenses \
		--fail-under key_fact_accuracy=0.74 --fail-under refusal_rate=0.99 \
		--fail-over false_refusal_rate=0.01
	# The first held-out parts: evaluated once at 984e248, their failures read in the seventh
	# session (docs/quality.md), so no longer held out; gated at their level since.
	$(BIN)/citeqa eval eval/datasets/article-whole-held-out.jsonl --docs seeds \
		--report build/eval-gate-whole-held-out \
		--fail-under key_fact_accuracy=0.99 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/article-users-held-out.jsonl \
		eval/datasets/article-chat-held-out.jsonl \
		eval/datasets/article-lookalike-held-out.jsonl --docs seeds \
		--report build/eval-gate-article-held-out \
		--fail-under key_fact_accuracy=0.8 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/founding-chat-held-out.jsonl \
		eval/datasets/founding-lookalike-held-out.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding-held-out \
		--fail-under key_fact_accuracy=0.87 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/whole-held-out-article.jsonl --docs seeds \
		--report build/eval-gate-whole-held-out-article \
		--fail-under key_fact_accuracy=0.99 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/whole-held-out-founding.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-whole-held-out-founding \
		--fail-under key_fact_accuracy=0.74 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/whole-held-out-licenses.jsonl --docs eval/datasets/licenses \
		--report build/eval-gate-whole-held-out-licenses \
		--fail-under key_fact_accuracy=0.99 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/whole-held-out-constitution.jsonl \
		--docs eval/datasets/constitution --report build/eval-gate-whole-held-out-constitution \
		--fail-under key_fact_accuracy=0.99 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/licenses-held-out.jsonl \
		eval/datasets/licenses-lookalike-held-out.jsonl --docs eval/datasets/licenses \
		--report build/eval-gate-licenses-held-out \
		--fail-under key_fact_accuracy=0.56 --fail-over false_refusal_rate=0.13
	# The second held-out parts, written by another hand from the documents alone and
	# evaluated once, at 4d71ead (docs/quality.md); their failures were read afterwards, and
	# they are gated at their level since.
	$(BIN)/citeqa eval eval/datasets/article-held-out-2.jsonl --docs seeds \
		--report build/eval-gate-article-held-out-2 --fail-under key_fact_accuracy=0.66 \
		--fail-under refusal_rate=0.49 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/article-lookalike-held-out-2.jsonl --docs seeds \
		--report build/eval-gate-article-lookalike-held-out-2 \
		--fail-under refusal_rate=0.49 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/article-chat-held-out-2.jsonl --docs seeds \
		--report build/eval-gate-article-chat-held-out-2 \
		--fail-under key_fact_accuracy=0.57 --fail-over false_refusal_rate=0.15
	$(BIN)/citeqa eval eval/datasets/founding-held-out-2.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding-held-out-2 --fail-under key_fact_accuracy=0.45 \
		--fail-under refusal_rate=0.66 --fail-over false_refusal_rate=0.1
	$(BIN)/citeqa eval eval/datasets/founding-chat-held-out-2.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding-chat-held-out-2 \
		--fail-under key_fact_accuracy=0.59 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/licenses-held-out-2.jsonl --docs eval/datasets/licenses \
		--report build/eval-gate-licenses-held-out-2 --fail-under key_fact_accuracy=0.53 \
		--fail-under refusal_rate=0.66 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/constitution-held-out-2.jsonl \
		--docs eval/datasets/constitution --report build/eval-gate-constitution-held-out-2 \
		--fail-under key_fact_accuracy=0.74 --fail-under refusal_rate=0.99 \
		--fail-over false_refusal_rate=0.13
	# The fourth sets, written by another hand from the documents alone in the eighth session
	# and evaluated once before any rule was made from them (docs/quality.md); read since,
	# and gated at their level.
	$(BIN)/citeqa eval eval/datasets/article-users-2.jsonl --docs seeds \
		--report build/eval-gate-article-users-2 --fail-under key_fact_accuracy=0.73 \
		--fail-under refusal_rate=0.99 --fail-over false_refusal_rate=0.06
	$(BIN)/citeqa eval eval/datasets/founding-users.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding-users --fail-under key_fact_accuracy=0.49 \
		--fail-under refusal_rate=0.99 --fail-over false_refusal_rate=0.17
	$(BIN)/citeqa eval eval/datasets/licenses-users.jsonl --docs eval/datasets/licenses \
		--report build/eval-gate-licenses-users --fail-under key_fact_accuracy=0.74 \
		--fail-under refusal_rate=0.49 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/constitution-users.jsonl \
		--docs eval/datasets/constitution --report build/eval-gate-constitution-users \
		--fail-under key_fact_accuracy=0.66 --fail-under refusal_rate=0.33 \
		--fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/article-chat-2.jsonl --docs seeds \
		--report build/eval-gate-article-chat-2 --fail-under key_fact_accuracy=0.74 \
		--fail-under refusal_rate=0.49 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/founding-chat-2.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding-chat-2 --fail-under key_fact_accuracy=0.71 \
		--fail-over false_refusal_rate=0.15
	# The third held-out parts, written the same way after every rule and evaluated once, at
	# 6a7c4a2 (docs/quality.md): gated at that measurement.
	$(BIN)/citeqa eval eval/datasets/article-held-out-3.jsonl \
		eval/datasets/article-lookalike-held-out-3.jsonl \
		eval/datasets/article-chat-held-out-3.jsonl --docs seeds \
		--report build/eval-gate-article-held-out-3 --fail-under key_fact_accuracy=0.64 \
		--fail-under refusal_rate=0.33 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/founding-held-out-3.jsonl \
		eval/datasets/founding-lookalike-held-out-3.jsonl \
		eval/datasets/founding-chat-held-out-3.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding-held-out-3 --fail-under key_fact_accuracy=0.38 \
		--fail-under refusal_rate=0.19 --fail-over false_refusal_rate=0.08
	$(BIN)/citeqa eval eval/datasets/licenses-held-out-3.jsonl \
		eval/datasets/licenses-lookalike-held-out-3.jsonl --docs eval/datasets/licenses \
		--report build/eval-gate-licenses-held-out-3 --fail-under key_fact_accuracy=0.58 \
		--fail-under refusal_rate=0.49 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/constitution-held-out-3.jsonl \
		--docs eval/datasets/constitution --report build/eval-gate-constitution-held-out-3 \
		--fail-under key_fact_accuracy=0.33 --fail-under refusal_rate=0.99 \
		--fail-over false_refusal_rate=0.17
	# The fifth sets, written by another hand from the documents alone in the ninth session
	# and evaluated once before any rule was made from them (docs/quality.md); read since,
	# and gated at their level.
	$(BIN)/citeqa eval eval/datasets/article-users-3.jsonl --docs seeds \
		--report build/eval-gate-article-users-3 --fail-under key_fact_accuracy=0.73 \
		--fail-under refusal_rate=0.39 --fail-over false_refusal_rate=0.06
	$(BIN)/citeqa eval eval/datasets/founding-users-2.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding-users-2 --fail-under key_fact_accuracy=0.42 \
		--fail-under refusal_rate=0.99 --fail-over false_refusal_rate=0.08
	$(BIN)/citeqa eval eval/datasets/licenses-users-2.jsonl --docs eval/datasets/licenses \
		--report build/eval-gate-licenses-users-2 --fail-under key_fact_accuracy=0.85 \
		--fail-under refusal_rate=0.74 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/constitution-users-2.jsonl \
		--docs eval/datasets/constitution --report build/eval-gate-constitution-users-2 \
		--fail-under key_fact_accuracy=0.83 --fail-under refusal_rate=0.74 \
		--fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/article-chat-3.jsonl --docs seeds \
		--report build/eval-gate-article-chat-3 --fail-under key_fact_accuracy=0.89 \
		--fail-under refusal_rate=0.49 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/founding-chat-3.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding-chat-3 --fail-under key_fact_accuracy=0.49 \
		--fail-under refusal_rate=0.49 --fail-over false_refusal_rate=0.17
	$(BIN)/citeqa eval eval/datasets/licenses-chat-3.jsonl --docs eval/datasets/licenses \
		--report build/eval-gate-licenses-chat-3 --fail-under key_fact_accuracy=0.83 \
		--fail-under refusal_rate=0.49 --fail-over false_refusal_rate=0.01
	# The fourth held-out parts, written the same way and evaluated once, at 537913e, after
	# every rule of the ninth session (docs/quality.md): gated at that measurement.
	$(BIN)/citeqa eval eval/datasets/article-held-out-4.jsonl --docs seeds \
		--report build/eval-gate-article-held-out-4 --fail-under key_fact_accuracy=0.77 \
		--fail-under refusal_rate=0.49 --fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/founding-held-out-4.jsonl --docs eval/datasets/corpus \
		--report build/eval-gate-founding-held-out-4 --fail-under key_fact_accuracy=0.77 \
		--fail-under refusal_rate=0.99 --fail-over false_refusal_rate=0.12
	$(BIN)/citeqa eval eval/datasets/licenses-held-out-4.jsonl --docs eval/datasets/licenses \
		--report build/eval-gate-licenses-held-out-4 --fail-under key_fact_accuracy=0.55 \
		--fail-over false_refusal_rate=0.01
	$(BIN)/citeqa eval eval/datasets/constitution-held-out-4.jsonl \
		--docs eval/datasets/constitution --report build/eval-gate-constitution-held-out-4 \
		--fail-under key_fact_accuracy=0.71 --fail-over false_refusal_rate=0.15

# Runs the reliability families and regenerates docs/reliability.md from their results.
reliability: install-test browser redis
	-$(BIN)/pytest tests/reliability tests/service/engine/test_llm_mode.py \
		tests/service/http/test_widget_browser.py -p no:cacheprovider --junitxml=build/reliability.xml
	$(BIN)/python -m tests.reliability.report build/reliability.xml docs/reliability.md

# Speed and scale benchmarks; regenerates docs/benchmarks.md and its plots (about 30 minutes).
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench.run --output docs/benchmarks.md

sweep: install
	$(BIN)/python -m citeqa.eval.sweep --output docs/quality-sweep.md

# mypy reads the `citeqa` package as the wheel lays it out, through links to the folders.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	mkdir -p build/typecheck/citeqa
	for folder in index service eval prompts; do \
		ln -sfn ../../../$$folder build/typecheck/citeqa/$$folder; done
	$(BIN)/mypy

clean:
	rm -rf $(VENV) data

# Bootstrap only: create .venv from the pinned requirements, then hand over
# to tasks.py (invoke), where every real step lives.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: publish check test build serve bench clean

$(STAMP): requirements.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

publish: $(STAMP)
	$(VENV)/bin/invoke publish

test: $(STAMP)
	$(VENV)/bin/invoke test

build: $(STAMP)
	$(VENV)/bin/invoke build

check: $(STAMP)
	$(VENV)/bin/invoke check

bench: $(STAMP)
	$(VENV)/bin/invoke bench

serve: $(STAMP)
	$(VENV)/bin/invoke serve

# .output.building-* (the folder of a build that was killed) and .output.old-* (a previous
# site still being deleted) are hidden folders beside output/.
clean:
	rm -rf output .output.* $(VENV)

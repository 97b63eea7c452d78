# nsspec — the two commands of README: `make demo` and `make test`. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := demo

# What building needs (release: deps-build), then what the tests use besides: zsh and fish check the
# completion scripts, man-db renders the man page, runc runs exported OCI bundles.
BUILD_PACKAGES := libyaml-dev libcap-dev libseccomp-dev pkg-config
APT_PACKAGES := $(BUILD_PACKAGES) uidmap iproute2 strace file binutils procps busybox-static zsh fish man-db passt runc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
NSSPEC := .build/debug/nsspec

.PHONY: deps deps-build build release demo test test-swift test-fuzz test-schema test-docs test-release test-integration \
	install uninstall clean debian-rootfs debian-rootfs-clean debian-demo

# apt-get install those of the Debian packages $(1) that are missing.
define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

# Debian packages (libyaml, libcap, newuidmap, the shells, runc) and the Python packages of the
# tests: the JSON Schema validator for the schema agreement test, with referencing, which resolves
# the OCI schema's $refs in Tests/oci/check_bundle.py (Debian's older python3-jsonschema lacks it),
# and pre-commit for the hook's; each installed only when missing.
deps:
	$(call apt_install,$(APT_PACKAGES))
	@python3 -c 'import jsonschema, referencing, yaml, pre_commit' 2>/dev/null || python3 -m pip install --quiet jsonschema referencing pyyaml pre-commit \
	  || python3 -m pip install --quiet --break-system-packages jsonschema referencing pyyaml pre-commit

# The libraries nsspec links (all `make release` and the GitHub Action need).
deps-build:
	$(call apt_install,$(BUILD_PACKAGES))

build: deps
	swift build

# The release binary: a fully static executable (Swift stdlib, libyaml, libcap, libseccomp,
# glibc), which starts in a fraction of a dynamic one's time, with generic type metadata reached
# through direct accessors instead of mangled names that the runtime demangles and checks against
# every protocol conformance in the binary at first use (about 0.2 ms per launch, measured with
# perf). Package.swift's release configuration sets both, so a plain `swift build -c release`
# gives the same binary; this scratch path keeps it apart from the debug build's.
# Result: .build-release/release/nsspec
RELEASE_FLAGS := -c release --scratch-path .build-release
RELEASE_BIN := .build-release/release/nsspec
release: deps-build
	swift build $(RELEASE_FLAGS)

# The main job on an example: a real sandbox that says who and where it is (specs/hello.yaml),
# after the plan it follows; then what a spec with mistakes gets back.
demo: build
	$(NSSPEC) validate specs/*.yaml
	@echo
	$(NSSPEC) plan specs/hello.yaml
	$(NSSPEC) run specs/hello.yaml
	@echo
	@echo '--- a spec with seven mistakes (exit status 1 is expected):'
	@$(NSSPEC) validate Tests/Fixtures/invalid/seven-mistakes.yaml; test $$? -eq 1

test: test-swift test-fuzz test-schema test-docs test-release test-integration

test-swift: deps
	swift build --build-tests
	swift test

# 60 s of libFuzzer (with AddressSanitizer) over reader -> decoder -> rules -> planner -> renderers,
# after a replay of every past crash in fuzz/regressions/; fails on any crash. The fuzz package is
# built in release with -sanitize=fuzzer,address into .build-fuzz (several minutes the first time).
test-fuzz: deps
	fuzz/run.sh 60

# The schema and nsspec agree: the examples and fixtures (check_schema.py), and ~10,000 mutants of
# the examples checked by both (differential.py). The rule catalog of SARIF output is the docs'
# (rule-help.py), and validate's SARIF and JUnit outputs parse as CI tools read them (check_reports.py).
test-schema: build
	python3 Tests/schema/check_schema.py
	python3 scripts/rule-help.py --check
	python3 Tests/schema/check_reports.py
	python3 Tests/schema/differential.py --n 1500

# The docs say what nsspec does: every command of a ```console block in README.md and docs/*.md
# runs (from the repository root, `nsspec` the debug build) and must print what the block shows
# (Tests/docs/check_docs.py has the convention: `…` for what varies, nothing else normalised).
test-docs: build
	python3 Tests/docs/check_docs.py --nsspec $(NSSPEC)

# The release configuration as a user gets it from Package.swift alone: a static binary, its
# functions laid out in the order of linker/symbol-order.txt (lld), that runs.
test-release: release
	@file -L .build-release/release/nsspec | grep -q 'statically linked' \
	  || { echo "test-release: .build-release/release/nsspec is not a static executable"; exit 1; }
	python3 bench/symbol_order.py --check .build-release/release/nsspec linker/symbol-order.txt
	.build-release/release/nsspec --version

# Real sandboxes, as root and as the unprivileged user nsspec-test (created, with a subordinate
# id range, by setup.sh). Needs root to set up; skips with a reason what this host cannot do.
test-integration: build
	$(SUDO) Tests/integration/setup.sh
	$(SUDO) env NSSPEC=$(abspath $(NSSPEC)) Tests/integration/run.sh

# A Debian 12 root for specs/debian-rootfs.yaml, where apt works (mmdebstrap, minbase, ~180 MB,
# owned by the subordinate ids of whoever runs make, which is what the spec maps: see
# scripts/debian-rootfs.sh). Not part of `make deps` or `make test`: it needs the network.
# debian-demo: apt-get update, apt-get install hello and hello, in it.
DEBIAN_ROOTFS := specs/rootfs-debian
debian-rootfs:
	$(call apt_install,mmdebstrap)
	scripts/debian-rootfs.sh $(DEBIAN_ROOTFS)

debian-rootfs-clean:
	scripts/debian-rootfs.sh --remove $(DEBIAN_ROOTFS)

# The spec's root is an overlay over the rootfs: every run starts from the rootfs as built
# (apt's lists and the hello package go to a tmpfs discarded at exit).
debian-demo: build
	@[ -d $(DEBIAN_ROOTFS) ] || $(MAKE) debian-rootfs
	$(NSSPEC) plan specs/debian-rootfs.yaml
	$(NSSPEC) run specs/debian-rootfs.yaml

# `make install` (PREFIX=/usr/local, DESTDIR= for staging): the release binary, stripped on the
# way (the build product is left as it is), the man page, the completion scripts as the binary
# prints them, and the spec's JSON Schema. `make uninstall` removes exactly these files.
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_ROOT = $(DESTDIR)$(PREFIX)
INSTALLED := bin/nsspec share/man/man1/nsspec.1 share/bash-completion/completions/nsspec \
	share/zsh/site-functions/_nsspec share/fish/vendor_completions.d/nsspec.fish share/nsspec/nsspec.schema.json

install: release
	install -d -m 755 "$(INSTALL_ROOT)/bin" "$(INSTALL_ROOT)/share/man/man1" \
	  "$(INSTALL_ROOT)/share/bash-completion/completions" "$(INSTALL_ROOT)/share/zsh/site-functions" \
	  "$(INSTALL_ROOT)/share/fish/vendor_completions.d" "$(INSTALL_ROOT)/share/nsspec"
	install -m 755 -s --strip-program=strip $(RELEASE_BIN) "$(INSTALL_ROOT)/bin/nsspec"
	install -m 644 docs/nsspec.1 "$(INSTALL_ROOT)/share/man/man1/nsspec.1"
	install -m 644 schema/nsspec.schema.json "$(INSTALL_ROOT)/share/nsspec/nsspec.schema.json"
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for shell in bash zsh fish; do $(RELEASE_BIN) completion $$shell > "$$tmp/$$shell"; done; \
	install -m 644 "$$tmp/bash" "$(INSTALL_ROOT)/share/bash-completion/completions/nsspec"; \
	install -m 644 "$$tmp/zsh" "$(INSTALL_ROOT)/share/zsh/site-functions/_nsspec"; \
	install -m 644 "$$tmp/fish" "$(INSTALL_ROOT)/share/fish/vendor_completions.d/nsspec.fish"; \
	echo "installed nsspec, its man page, completions (bash, zsh, fish) and schema under $(INSTALL_ROOT)"

uninstall:
	rm -f $(addprefix "$(INSTALL_ROOT)/,$(addsuffix ",$(INSTALLED)))
	rmdir "$(INSTALL_ROOT)/share/nsspec" 2>/dev/null || true

clean:
	rm -rf .build .build-fuzz .build-release

# Two commands do everything; each installs what it needs first (once).
#   make run    build and start Centrale on sqlite://centrale.db, dashboard at http://127.0.0.1:8080/
#   make test   every check and test: fmt, clippy, Rust tests, Playwright end-to-end
# And:
#   make release  target/release/centrale, self-contained (the dashboard compiled in); checked
#   make bench  the benchmark suite (release build; figures in BENCHMARKS.md)
#   make fuzz   fuzz the frame decoder and payload parsers (FUZZ_SECONDS=60 per target)
#   make measure-dashboard   the Stations page with 10 000 stations in Chromium (release build)

.PHONY: run test build release bench fuzz measure-dashboard
run:
	@scripts/run.sh $(ARGS)

test:
	@scripts/test.sh

build:
	@scripts/build.sh

release:
	@scripts/release.sh

bench:
	@scripts/bench.sh $(ARGS)

fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

measure-dashboard:
	@scripts/measure-dashboard.sh

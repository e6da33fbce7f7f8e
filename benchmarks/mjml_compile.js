#!/usr/bin/env node
// Times the official mjml compiler (npm) on one MJML document, inside this one
// Node process: the document is compiled --warmup times untimed, then --runs
// times, each timed alone. Node's start-up and the require() of mjml are
// measured apart and never counted in the per-compile figures.
//
//   node benchmarks/mjml_compile.js [--runs N] [--warmup N] [FILE | -]
//
// Reads the MJML from FILE, or from standard input when FILE is "-" or absent.
// Prints one JSON object on standard output (times in milliseconds).
//
// Options match those of newsletter/render.py's mjml2html call: comments
// dropped, no web fonts (mjml-python's fonts={}). The validation level is
// "soft", so mjml compiles anyway and reports what its validator finds.

"use strict";

const crypto = require("crypto");
const fs = require("fs");

function parseArgs(argv) {
  const args = { runs: 200, warmup: 20, file: "-" };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--runs" || arg === "--warmup") {
      const value = Number.parseInt(argv[i + 1], 10);
      if (!Number.isInteger(value) || value < 0 || (arg === "--runs" && value < 1)) {
        throw new Error(`${arg} needs a whole number${arg === "--runs" ? " of at least 1" : ""}, got ${argv[i + 1]}`);
      }
      args[arg.slice(2)] = value;
      i += 1;
    } else if (arg.startsWith("--")) {
      throw new Error(`unknown option ${arg}; known: --runs N, --warmup N`);
    } else {
      args.file = arg;
    }
  }
  return args;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const ms = (start, end) => Number(end - start) / 1e6;

function main() {
  const args = parseArgs(process.argv.slice(2));
  const bytes = fs.readFileSync(args.file === "-" ? 0 : args.file);
  const source = bytes.toString("utf8");

  const requireStart = process.hrtime.bigint();
  const mjml2html = require("mjml");
  const requireEnd = process.hrtime.bigint();
  const version = require("mjml/package.json").version;

  const options = { validationLevel: "soft", keepComments: false, fonts: {}, minify: false, beautify: false };

  // The first compile pays for lazy loading and JIT; reported, never counted.
  const firstStart = process.hrtime.bigint();
  const first = mjml2html(source, options);
  const firstEnd = process.hrtime.bigint();
  for (let i = 0; i < args.warmup; i += 1) mjml2html(source, options);

  const times = [];
  for (let i = 0; i < args.runs; i += 1) {
    const start = process.hrtime.bigint();
    mjml2html(source, options);
    times.push(ms(start, process.hrtime.bigint()));
  }

  const errors = first.errors || [];
  process.stdout.write(`${JSON.stringify({
    mjml_version: version,
    node_version: process.version,
    runs: args.runs,
    warmup: args.warmup,
    median_ms: median(times),
    min_ms: Math.min(...times),
    max_ms: Math.max(...times),
    first_compile_ms: ms(firstStart, firstEnd),
    require_ms: ms(requireStart, requireEnd),
    mjml_bytes: bytes.length,
    mjml_sha256: crypto.createHash("sha256").update(bytes).digest("hex"),
    html_chars: first.html.length,
    validation_errors: errors.length,
    validation_messages: errors.slice(0, 10).map((e) => e.formattedMessage || e.message),
  })}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`mjml_compile.js: ${error.message}\n`);
  process.exit(1);
}

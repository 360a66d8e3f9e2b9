// Normalizes the benchmark cases with tardis-dev's own code, measured the way NormalizeBench
// measures MarketPrism and served the same way, so that run-normalize-bench.sh interleaves the two
// case by case and round by round: rate = messages over the CPU time of the whole process.
//
// Per message: JSON.parse, canHandle, map with the capture's receive time. Book cases also keep
// the book, as MarketPrism does: each book_change goes through tardis-dev's own book snapshot
// computable (its OrderBook plus a top-20 snapshot whenever the top 20 changed), one per symbol.
// A book pass starts from a fresh mapper and fresh books (tardis-dev's book mappers keep state).
//
// Usage: node tardis-normalize.js CASES_TSV
//   CASES_TSV lines: case <tab> tardis exchange <tab> trades|book|bookTicker <tab> file
// Prints one line per case, "case <name> <messages> <handled> <outputs>" (per pass), then "ready";
// then answers each stdin line "<case index> <seconds>" with the rate of that case; "quit" ends.
'use strict';
const fs = require('fs');
const { normalizeTrades, normalizeBookChanges, normalizeBookTickers, computeBookSnapshots } = require('tardis-dev');
const { OkexV5BookChangeMapper } = require('tardis-dev/dist/mappers/okex');

const readline = require('readline');

const [casesFile] = process.argv.slice(2);

function load(name, exchange, kind, file) {
  const raws = [];
  const times = [];
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
    if (l.length === 0) continue;
    const sp = l.indexOf(' ');
    // receive time in µs since the epoch; the mapper versions depend on it
    times.push(new Date(Math.floor(Number(l.slice(0, sp)) / 1000)));
    raws.push(l.slice(sp + 1));
  }
  const factory = { trades: normalizeTrades, book: normalizeBookChanges, bookTicker: normalizeBookTickers }[kind];
  let newMapper = () => factory(exchange, times[0]);
  const first = JSON.parse(raws[0]);
  if (exchange === 'okex' && kind === 'book' && !newMapper().canHandle(first)) {
    // for historical dates tardis-dev maps only books-l2-tbt; its mapper of the public 'books'
    // channel (used live) is the same code with that channel name
    newMapper = () => new OkexV5BookChangeMapper('okex', true);
  }
  const c = { name, kind, raws, times, newMapper, mapper: newMapper(), handled: 0, outputs: 0 };
  pass(c);
  return c;
}

const newSnapshots = computeBookSnapshots({ depth: 20, interval: 0 });

function pass(c) {
  const book = c.kind === 'book';
  const mapper = book ? c.newMapper() : c.mapper;
  const books = new Map();
  let handled = 0;
  let outputs = 0;
  for (let i = 0; i < c.raws.length; i++) {
    const msg = JSON.parse(c.raws[i]);
    if (!mapper.canHandle(msg)) continue;
    handled++;
    for (const out of mapper.map(msg, c.times[i])) {
      if (!book) {
        outputs++;
        continue;
      }
      let snapshots = books.get(out.symbol);
      if (snapshots === undefined) {
        snapshots = newSnapshots();
        books.set(out.symbol, snapshots);
      }
      for (const _ of snapshots.compute(out)) {
        outputs++;
      }
    }
  }
  c.handled = handled;
  c.outputs = outputs;
}

function measure(c, seconds) {
  let passes = 0;
  // short cases run several passes between clock reads, as NormalizeBench does
  const batch = Math.max(1, Math.floor(1000 / c.raws.length));
  const c0 = process.cpuUsage();
  const end = process.hrtime.bigint() + BigInt(Math.floor(seconds * 1e9));
  do {
    for (let i = 0; i < batch; i++) pass(c);
    passes += batch;
  } while (process.hrtime.bigint() < end);
  const used = process.cpuUsage(c0);
  return (passes * c.raws.length) / ((used.user + used.system) / 1e6);
}

const cases = fs.readFileSync(casesFile, 'utf8').split('\n').filter((l) => l.length > 0)
  .map((l) => load(...l.split('\t')));
for (const c of cases) {
  process.stdout.write(['case', c.name, c.raws.length, c.handled, c.outputs].join('\t') + '\n');
}
process.stdout.write('ready\n');
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() === 'quit') {
    process.exit(0); // stdin stays open in the driver until it ends
  }
  const [index, seconds] = line.trim().split(' ').map(Number);
  process.stdout.write(measure(cases[index], seconds).toFixed(0) + '\n');
});

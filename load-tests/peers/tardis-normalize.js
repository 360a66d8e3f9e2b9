// Normalizes one benchmark case's messages with tardis-dev's own mappers, the way tardis-dev does
// on replay: JSON.parse each raw message, canHandle, then map with the capture's receive time.
// Usage: node tardis-normalize.js TARDIS_EXCHANGE trades|book FILE SECONDS
// Prints: messages handled outputs msgs_per_s (one TSV line).
'use strict';
const fs = require('fs');
const { normalizeTrades, normalizeBookChanges } = require('tardis-dev');

const [exchange, kind, file, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg || '3');
const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
const raws = [];
const times = [];
for (const l of lines) {
  const sp = l.indexOf(' ');
  // receive time in µs since the epoch; the mapper versions depend on it
  times.push(new Date(Math.floor(Number(l.slice(0, sp)) / 1000)));
  raws.push(l.slice(sp + 1));
}
const factory = kind === 'trades' ? normalizeTrades : normalizeBookChanges;

// one pass = a fresh mapper (book mappers keep state), every message parsed and mapped
function pass() {
  const mapper = factory(exchange, times[0]);
  let handled = 0;
  let outputs = 0;
  for (let i = 0; i < raws.length; i++) {
    const msg = JSON.parse(raws[i]);
    if (mapper.canHandle(msg)) {
      handled++;
      for (const _ of mapper.map(msg, times[i])) {
        outputs++;
      }
    }
  }
  return [handled, outputs];
}

const [handled, outputs] = pass();
const warmEnd = process.hrtime.bigint() + BigInt(Math.floor(seconds * 0.3e9));
while (process.hrtime.bigint() < warmEnd) {
  pass();
}
let passes = 0;
// CPU time of the process, not wall time: the machine is shared, and the figure is per core
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const end = t0 + BigInt(Math.floor(seconds * 1e9));
let now;
do {
  pass();
  passes++;
  now = process.hrtime.bigint();
} while (now < end);
const used = process.cpuUsage(c0);
const perSecond = (passes * raws.length) / ((used.user + used.system) / 1e6);
process.stdout.write(`${raws.length}\t${handled}\t${outputs}\t${perSecond.toFixed(0)}\n`);

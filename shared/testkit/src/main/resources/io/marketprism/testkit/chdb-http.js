// ClickHouse's HTTP interface, in the subset ClickHouseHttp uses, over chDB: the current
// ClickHouse engine as a library (npm package chdb). Tests run the ClickHouse store against it to
// show that its SQL works on a current release as well as on the Debian 18.16 server.
//   node chdb-http.js PORT DATA_DIR NODE_MODULES_PARENT
// POST / with the statement as the body; POST /?query=INSERT INTO t [(cols)] FORMAT F with the
// rows as the body; GET /?query=SELECT 1. Errors answer 500 with "Code: NN. DB::Exception: ...",
// as clickhouse-server does. Statements run one at a time, in the order they arrived.
const fs = require('fs');
const http = require('http');
const path = require('path');
const [, , port, dataDir, modules] = process.argv;
const { Session } = require(path.join(modules, 'node_modules', 'chdb'));

fs.mkdirSync(dataDir, { recursive: true });
const session = new Session(dataDir);
const INSERT = /^\s*INSERT\s+INTO\s+([A-Za-z0-9_.]+)\s*(\([^)]*\))?\s*FORMAT\s+(\w+)\s*$/i;
let last = Promise.resolve();
let files = 0;

function inOrder(run) {
  const next = last.then(run, run);
  last = next.catch(() => {});
  return next;
}

async function execute(query, body) {
  const insert = query && INSERT.exec(query);
  if (insert) {
    // chDB takes binary rows (RowBinary) from a file only
    const file = path.join(path.dirname(dataDir), `insert-${files++}.rows`);
    fs.writeFileSync(file, body);
    try {
      await session.queryAsync(`INSERT INTO ${insert[1]} ${insert[2] || ''} FROM INFILE '${file}' FORMAT ${insert[3]}`);
    } finally {
      fs.rmSync(file, { force: true });
    }
    return '';
  }
  const sql = (query ? query + '\n' : '') + body.toString('utf8');
  return (await session.queryAsync(sql, { format: 'TabSeparated' })).text();
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const query = new URL(req.url, 'http://127.0.0.1').searchParams.get('query');
    inOrder(() => execute(query, Buffer.concat(chunks))).then(
      (out) => { res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }); res.end(out); },
      (e) => {
        const code = e.clickhouseCode ?? 0;
        const message = String(e.message).replace(/^Code: \d+\. DB::Exception: /, '');
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=UTF-8' });
        res.end(`Code: ${code}. DB::Exception: ${message}\n`);
      });
  });
}).listen(Number(port), '127.0.0.1');

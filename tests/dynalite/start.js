// Starts dynalite (a local DynamoDB API) in memory on 127.0.0.1.
// Prints the port it listens on as the first line of stdout, then serves until
// its standard input closes (the test process that started it has ended) or
// it receives SIGTERM/SIGINT.
'use strict';
const dynalite = require('dynalite');

const port = Number(process.env.DYNALITE_PORT || 0);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });

server.on('error', (err) => {
  console.error(`dynalite failed to start: ${err.message}`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (!process.stdin.isTTY && process.env.DYNALITE_KEEP_ALIVE !== '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
